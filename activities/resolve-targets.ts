import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Directory, Schedule, Team, User } from '../domain/config.js';
import {
  DELIVERY_FAILURE,
  type Delivery,
  type ResolvedLevel,
  type ResolveTargetsRequest,
  type UnresolvedTarget,
} from '../domain/delivery.js';
import { targetLabel, type Target } from '../domain/policy.js';
import { isAtLeast, type Severity } from '../domain/severity.js';
import { nextOnCallAt, onCallAt } from '../domain/oncall.js';
import { mergeDeliveries, staticDeliveries } from '../domain/targets.js';

/**
 * A level's targets → the addresses to notify, through the directory (DESIGN.md section 4). Pure:
 * the directory and the instant come in, so it is unit tested without a worker.
 *
 * - `user`: every contact method at once; with notification `rules`, each rule's channels after its
 *   `after` (as `afterMs`: the workflow waits that long before sending).
 * - `team`: its members as users; `round-robin` picks one member from the workflow id and level,
 *   so a retry or a repeat of the level pages the same person. (With a rotation context the
 *   activity asks the rotation first, activities/rotation.ts, and hands this a `user` target.)
 * - `schedule`: whoever is on call at `request.at` (overrides first), as a user; with `next: true`,
 *   whoever is on call after them (domain/oncall.ts nextOnCallAt).
 * - `channel`, `email`, `phone`, `webhook`, `pagerduty`, `opsgenie`, `log`: the address itself.
 *
 * One (channel, address) is notified once per level: a person in two teams gets one page. The
 * first target to reach an address names it; the earliest `afterMs` among its duplicates wins, so
 * merging never delays a page.
 *
 * `request.level` is the 0-based level index, as in DeliveryRequest; messages show it 1-based.
 */
export function resolveTargets(directory: Directory, request: ResolveTargetsRequest): Delivery[] {
  const { deliveries, unresolved } = resolveLevel(directory, request);
  const [first] = unresolved;
  if (first) throw ApplicationFailure.nonRetryable(first.reason, DELIVERY_FAILURE.notConfigured);
  return deliveries;
}

/**
 * As resolveTargets, each target on its own: one that cannot be resolved (an unknown user, a
 * schedule with nobody on call) is listed with its reason, and the others are still paged.
 */
export function resolveLevel(directory: Directory, request: ResolveTargetsRequest): ResolvedLevel {
  const deliveries: Delivery[] = [];
  const unresolved: UnresolvedTarget[] = [];
  for (const target of request.targets) {
    try {
      deliveries.push(...resolveTarget(directory, request, target));
    } catch (error) {
      unresolved.push({ target: targetLabel(target), reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { deliveries: mergeDeliveries(deliveries), unresolved };
}

function resolveTarget(directory: Directory, request: ResolveTargetsRequest, target: Target): Delivery[] {
  const label = targetLabel(target);
  switch (target.type) {
    case 'user':
      return userDeliveries(findUser(directory, request, target.id, label), label, request);
    case 'team':
      return teamMembers(findTeam(directory, request, target.id), request).flatMap((member) =>
        userDeliveries(findUser(directory, request, member, label), label, request),
      );
    case 'schedule': {
      const schedule = findSchedule(directory, request, target.id);
      return userDeliveries(findUser(directory, request, onCall(schedule, request, target.next === true), label), label, request);
    }
    case 'channel':
    case 'email':
    case 'phone':
    case 'webhook':
    case 'pagerduty':
    case 'opsgenie':
    case 'log':
      return staticDeliveries(target) ?? [];
    default: {
      const unknownTarget: never = target;
      throw ApplicationFailure.nonRetryable(`unknown target ${JSON.stringify(unknownTarget)}`, DELIVERY_FAILURE.notConfigured);
    }
  }
}

function userDeliveries(user: User, label: string, request: ResolveTargetsRequest): Delivery[] {
  // The id, not the display name: it goes into idempotency keys, which must stay stable and free of spaces.
  const recipient = user.id;
  if (!user.rules || user.rules.length === 0) {
    return user.contacts.map((contact) => ({
      target: label,
      channel: contact.channel,
      address: contact.address,
      recipient,
      ...floor(contact),
    }));
  }
  const deliveries: Delivery[] = [];
  for (const rule of user.rules) {
    for (const contact of user.contacts) {
      if (!rule.channels.includes(contact.channel)) continue;
      deliveries.push({
        target: label,
        channel: contact.channel,
        address: contact.address,
        recipient,
        ...(rule.after > 0 ? { afterMs: rule.after } : {}),
        ...floor(contact),
      });
    }
  }
  if (deliveries.length === 0) {
    const ruled = [...new Set(user.rules.flatMap((rule) => rule.channels))].join(', ');
    const has = user.contacts.map((contact) => contact.channel).join(', ');
    throw notConfigured(
      request,
      `user "${user.id}" (via ${label}) cannot be reached: their rules use ${ruled} but their contacts are ${has}; ` +
        `add a matching contact or rule to directory.users in escalation.yaml`,
    );
  }
  return deliveries;
}

/** A contact's own severity floor, carried to the delivery (the deliver activity applies it). */
function floor(contact: User['contacts'][number]): { minSeverity?: Severity } {
  return contact.minSeverity !== undefined ? { minSeverity: contact.minSeverity } : {};
}

/** Everyone on the team, or for `round-robin` the one member this incident's level picks. */
function teamMembers(team: Team, request: ResolveTargetsRequest): string[] {
  if (team.notify === 'all') return team.members;
  const member = hashedPick(team.members, hashSeed(request, team.id));
  return member === undefined ? [] : [member];
}

function onCall(schedule: Schedule, request: ResolveTargetsRequest, next: boolean): string {
  try {
    return next ? nextOnCallAt(schedule, request.at).user : onCallAt(schedule, request.at).user;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw notConfigured(request, `cannot tell who is on call: ${reason}; fix directory.schedules in escalation.yaml`);
  }
}

function findUser(directory: Directory, request: ResolveTargetsRequest, id: string, via: string): User {
  const user = directory.users.find((candidate) => candidate.id === id);
  if (user) return user;
  const how = via === `user:${id}` ? `names user "${id}"` : `reaches user "${id}" through ${via}`;
  throw notConfigured(request, `target ${how}, which is not in directory.users; add the user there or fix the target in escalation.yaml`);
}

function findTeam(directory: Directory, request: ResolveTargetsRequest, id: string): Team {
  const team = directory.teams.find((candidate) => candidate.id === id);
  if (team) return team;
  throw notConfigured(
    request,
    `target names team "${id}", which is not in directory.teams; add the team there or fix the target in escalation.yaml`,
  );
}

function findSchedule(directory: Directory, request: ResolveTargetsRequest, id: string): Schedule {
  const schedule = directory.schedules.find((candidate) => candidate.id === id);
  if (schedule) return schedule;
  throw notConfigured(
    request,
    `target names schedule "${id}", which is not in directory.schedules; add the schedule there or fix the target in escalation.yaml`,
  );
}

/** Not retried: the same directory gives the same answer until someone fixes escalation.yaml and restarts the worker. */
function notConfigured(request: ResolveTargetsRequest, problem: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `cannot notify level ${request.level + 1} of ${request.workflowId}: ${problem}`,
    DELIVERY_FAILURE.notConfigured,
  );
}

/**
 * Why this user cannot be paged by this level, or undefined when they can: not in the directory,
 * rules naming channels they have no contact on, or (with the incident's severity in the rotation
 * context) every contact's severity floor above it. A rotation skips them to the next person.
 */
export function unreachableReason(
  directory: Directory,
  request: ResolveTargetsRequest,
  userId: string,
  floorOf: (channel: Delivery['channel']) => Severity | undefined = () => undefined,
): string | undefined {
  let deliveries: Delivery[];
  try {
    const label = `user:${userId}`;
    deliveries = userDeliveries(findUser(directory, request, userId, label), label, request);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const severity = request.rotation?.severity;
  if (severity === undefined) return undefined;
  // The deliver activity would skip every page below its floor: this person would hear nothing.
  const floors = deliveries.map((d) => ({ channel: d.channel, floor: d.minSeverity ?? floorOf(d.channel) }));
  if (floors.some(({ floor }) => floor === undefined || isAtLeast(severity, floor))) return undefined;
  const asks = floors.map(({ channel, floor }) => `${channel} for ${floor ?? 'any'} and above`).join(', ');
  return `every contact of "${userId}" is for more severe incidents (${asks}) and this one is ${severity}`;
}

/** The pick a round-robin team made before rotations, still used without a rotation or when it cannot be asked. */
export function hashedPick(members: readonly string[], seed: string): string | undefined {
  if (members.length === 0) return undefined;
  const digest = createHash('sha256').update(seed).digest();
  return members[digest.readUInt32BE(0) % members.length];
}

/** The hash pick's seed: the incident and the level, so its retries and repeats page the same person. */
export function hashSeed(request: Pick<ResolveTargetsRequest, 'workflowId' | 'level'>, teamId: string): string {
  return `${request.workflowId}/L${request.level}/${teamId}`;
}
