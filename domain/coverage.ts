import type { Config, User } from './config.js';
import type { ConfigProblem } from './config-checks.js';
import { nextOnCallAt, onCallAt, type OnCall } from './oncall.js';
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
  // Samples on the quarter hour, where handoffs and overrides usually fall.
  const start = Math.ceil(from / SAMPLE_STEP_MS) * SAMPLE_STEP_MS;
  const onCall = new Map<string, OnCall>();
  config.policies.forEach((policy, p) => {
    const severity = leastSevere(config, policy);
    const reach = new Reach(config, severity, onCall);
    policy.levels.forEach((level, l) => {
      const gap = firstGap(reach, level.targets, start);
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
function firstGap(reach: Reach, targets: readonly Target[], start: number): Gap | undefined {
  const fixed = targets.map((target) => reach.always(target));
  if (fixed.some((answer) => answer === REACHABLE)) return undefined;
  let gap: Gap | undefined;
  for (let at = start; at < start + WEEK_MS; at += SAMPLE_STEP_MS) {
    const reasons = targets.map((target, index) => {
      const answer = fixed[index];
      return answer === VARIES ? reach.at(target, at) : answer;
    });
    const nobody = reasons.every((reason) => reason !== undefined);
    if (nobody && !gap) gap = { start: at, end: at + SAMPLE_STEP_MS, why: reasons.join('; ') };
    else if (nobody && gap) gap.end = at + SAMPLE_STEP_MS;
    else if (gap) return gap;
  }
  return gap;
}

const REACHABLE = undefined;
const VARIES = Symbol('varies');

/**
 * Who a target reaches for one severity, with what does not change over the week worked out once:
 * a user's contacts, and a schedule all of whose people are reachable (the common case, which
 * then needs no on-call maths at all). On-call answers are shared across policies.
 */
class Reach {
  readonly #users = new Map<string, string | undefined>();

  constructor(
    readonly config: Config,
    readonly severity: Severity,
    readonly onCall: Map<string, OnCall>,
  ) {}

  /** The reason a user pages nobody, or undefined. */
  user(id: string): string | undefined {
    if (!this.#users.has(id)) {
      const found = this.config.directory.users.find((candidate) => candidate.id === id);
      this.#users.set(id, found ? userUnreachable(this.config, found, this.severity) : `user "${id}" is not in the directory`);
    }
    return this.#users.get(id);
  }

  /** The same answer all week (a reason, or REACHABLE), or VARIES for a schedule with someone out of reach. */
  always(target: Target): string | undefined | typeof VARIES {
    if (target.type !== 'schedule') return this.at(target, 0);
    const schedule = this.config.directory.schedules.find((candidate) => candidate.id === target.id);
    if (!schedule) return `schedule "${target.id}" is not in the directory`;
    const people = [...schedule.rotation.members, ...(schedule.overrides ?? []).map((o) => o.user)];
    return people.every((id) => this.user(id) === undefined) ? REACHABLE : VARIES;
  }

  /** Why `target` pages nobody at `at`, or undefined when it pages someone. */
  at(target: Target, at: number): string | undefined {
    const { directory } = this.config;
    switch (target.type) {
      case 'user':
        return this.user(target.id);
      case 'team': {
        const team = directory.teams.find((candidate) => candidate.id === target.id);
        if (!team) return `team "${target.id}" is not in the directory`;
        const reasons = team.members.map((id) => this.user(id));
        // round-robin pages one member per incident: a single member out of reach leaves some incidents unpaged.
        const lost = team.notify === 'all' ? reasons.every((r) => r !== undefined) : reasons.some((r) => r !== undefined);
        return lost ? `team "${team.id}" (${team.notify}): ${reasons.filter((r) => r !== undefined).join('; ')}` : undefined;
      }
      case 'schedule': {
        const schedule = directory.schedules.find((candidate) => candidate.id === target.id);
        if (!schedule) return `schedule "${target.id}" is not in the directory`;
        const next = target.next === true;
        const key = `${schedule.id}\u0000${at}${next ? '\u0000next' : ''}`;
        let who = this.onCall.get(key);
        if (!who) {
          who = next ? nextOnCallAt(schedule, at) : onCallAt(schedule, at);
          this.onCall.set(key, who);
        }
        const reason = this.user(who.user);
        return reason && `schedule "${schedule.id}" has ${who.user} on call${next ? ' next' : ''} (${who.source}): ${reason}`;
      }
      case 'phone':
        return belowFloor(this.config, 'sms', target.minSeverity, this.severity, target.address);
      case 'channel':
        return belowFloor(this.config, target.provider, undefined, this.severity, target.id);
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
