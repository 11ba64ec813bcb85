import type { Config, User } from './config.js';
import type { ConfigProblem } from './config-checks.js';
import { onCallAt } from './oncall.js';
import type { Channel, Policy, Target } from './policy.js';
import { isAtLeast, SEVERITIES, severityRank, type Severity } from './severity.js';

/**
 * `policy validate --strict`: levels that can page nobody at some time of the week. Walks a sample
 * week in steps with the on-call maths of domain/oncall.ts and asks, for the least severe incident
 * the policy can run (the worst case), whether any target of the level would send a page. A level
 * reaches nobody when every person it names is out of reach then: on call with only contacts whose
 * `minSeverity` (or the provider's floor, `providers.twilio.minSeverity` for sms) skips the page.
 * Pure: the caller passes the week's first instant. Run after checkConfig: it assumes a valid config.
 */
export const SAMPLE_STEP_MS = 15 * 60_000;
const WEEK_MS = 7 * 86_400_000;

export function coverageGaps(config: Config, from: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.policies.forEach((policy, p) => {
    const severity = leastSevere(config, policy);
    policy.levels.forEach((level, l) => {
      const gap = firstGap(config, level.targets, severity, from);
      if (!gap) return;
      problems.push({
        path: ['policies', p, 'levels', l, 'targets'],
        message:
          `policy ${policy.name} level ${l + 1} reaches nobody for a ${severity} incident from ${iso(gap.start)} to ${iso(gap.end)} ` +
          `(${gap.why}); add a target that is always reachable, or a contact that pages ${severity} incidents`,
      });
    });
  });
  return problems;
}

interface Gap {
  start: number;
  end: number;
  why: string;
}

/** The first stretch of the week in which no target of the level sends a page. */
function firstGap(config: Config, targets: readonly Target[], severity: Severity, from: number): Gap | undefined {
  let gap: Gap | undefined;
  // Samples on the quarter hour, where handoffs and overrides usually fall.
  const start = Math.ceil(from / SAMPLE_STEP_MS) * SAMPLE_STEP_MS;
  for (let at = start; at < start + WEEK_MS; at += SAMPLE_STEP_MS) {
    const reasons = targets.map((target) => unreachable(config, target, severity, at));
    const nobody = reasons.every((reason) => reason !== undefined);
    if (nobody && !gap) gap = { start: at, end: at + SAMPLE_STEP_MS, why: reasons.join('; ') };
    else if (nobody && gap) gap.end = at + SAMPLE_STEP_MS;
    else if (gap) return gap;
  }
  return gap;
}

/** Why `target` pages nobody at `at` for a `severity` incident, or undefined when it pages someone. */
export function unreachable(config: Config, target: Target, severity: Severity, at: number): string | undefined {
  const { directory } = config;
  const user = (id: string) => directory.users.find((candidate) => candidate.id === id);
  switch (target.type) {
    case 'user': {
      const found = user(target.id);
      return found ? userUnreachable(config, found, severity) : `user "${target.id}" is not in the directory`;
    }
    case 'team': {
      const team = directory.teams.find((candidate) => candidate.id === target.id);
      if (!team) return `team "${target.id}" is not in the directory`;
      const reasons = team.members.map((id) => {
        const member = user(id);
        return member ? userUnreachable(config, member, severity) : `user "${id}" is not in the directory`;
      });
      // round-robin pages one member per incident: any member out of reach leaves some incidents unpaged.
      const lost = team.notify === 'all' ? reasons.every((r) => r !== undefined) : reasons.some((r) => r !== undefined);
      return lost ? `team "${team.id}" (${team.notify}): ${reasons.filter((r) => r !== undefined).join('; ')}` : undefined;
    }
    case 'schedule': {
      const schedule = directory.schedules.find((candidate) => candidate.id === target.id);
      if (!schedule) return `schedule "${target.id}" is not in the directory`;
      const onCall = onCallAt(schedule, at);
      const person = user(onCall.user);
      const reason = person ? userUnreachable(config, person, severity) : `user "${onCall.user}" is not in the directory`;
      return reason && `schedule "${schedule.id}" has ${onCall.user} on call (${onCall.source}): ${reason}`;
    }
    case 'phone':
      return belowFloor(config, 'sms', target.minSeverity, severity, target.address);
    case 'channel':
      return belowFloor(config, target.provider, undefined, severity, target.id);
    case 'email':
    case 'webhook':
    case 'pagerduty':
    case 'opsgenie':
    case 'log':
      return undefined;
    default: {
      const unknownTarget: never = target;
      return String(unknownTarget);
    }
  }
}

/** Rules or not, a user is paged on the contacts their channels cover; unreachable when each skips the page. */
function userUnreachable(config: Config, user: User, severity: Severity): string | undefined {
  const ruled = user.rules && user.rules.length > 0 ? new Set(user.rules.flatMap((rule) => rule.channels)) : undefined;
  const contacts = user.contacts.filter((contact) => !ruled || ruled.has(contact.channel));
  const reasons = contacts.map((contact) => belowFloor(config, contact.channel, contact.minSeverity, severity, contact.address));
  if (reasons.some((reason) => reason === undefined)) return undefined;
  return `${user.id}'s ${contacts.length === 0 ? 'rules match no contact' : reasons.join(', ')}`;
}

/** As the deliver activity decides: the contact's own floor, else the provider's (sms: providers.twilio.minSeverity). */
function belowFloor(config: Config, channel: Channel, own: Severity | undefined, severity: Severity, address: string): string | undefined {
  const floor = own ?? (channel === 'sms' || channel === 'voice' ? config.providers.twilio?.minSeverity : undefined);
  if (floor === undefined || isAtLeast(severity, floor)) return undefined;
  return `${channel} ${address} pages ${floor} and above`;
}

/** The least severe incident a policy can run: its own severities, at or above what the gates let through. */
function leastSevere(config: Config, policy: Policy): Severity {
  const floor = config.gates.minSeverity;
  const candidates = (policy.severities ?? [...SEVERITIES]).filter((severity) => isAtLeast(severity, floor));
  const sorted = candidates.sort((a, b) => severityRank(a) - severityRank(b));
  return sorted[0] ?? floor;
}

function iso(at: number): string {
  return new Date(at).toISOString().replace(':00.000Z', 'Z');
}
