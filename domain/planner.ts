import { holdUntil, nextOpening } from './business-hours.js';
import { formatDuration } from './duration-text.js';
import {
  advance,
  firstStep,
  nextStep,
  PolicyInvariantError,
  restartLevel,
  type EscalationCursor,
  type EscalationStep,
} from './escalation.js';
import type { IncidentState } from './incident.js';
import { heldUntil, type MaintenanceHold } from './maintenance-hold.js';
import type { Policy, Target } from './policy.js';
import type { Severity } from './severity-order.js';
import type { SlaKind } from './sla.js';
import type { UrgencyMap } from './level-schemas.js';
import { holdReason, urgencyOf } from './urgency.js';

/**
 * The planner: given the policy an incident runs, where it stands and nothing else, when is the
 * next thing due and what is it. The workflow asks, waits until then (or until an answer changes
 * the plan) and carries it out. Pure: every time is epoch milliseconds, and a due time comes from
 * the due time before it, never from when a timer fired, so lateness never adds up.
 */
export interface Position {
  state: IncidentState;
  severity: Severity;
  /** What the policy counts from: the opening alert, or the re-fire that re-opened the incident. */
  triggeredAt: number;
  acknowledgedAt?: number;
  /** The last notification carried out; none until level 1 went out. */
  cursor?: EscalationCursor;
  /**
   * A step that comes next whatever the walk says, due at its own time: the matching level of a
   * policy the incident moved to, or the current level paged again after an ack timeout.
   */
  forced?: EscalationStep;
  /** A responder asked to escalate now. */
  escalationRequested?: boolean;
  /** A grouping route's window: level 1 waits at least this long after the trigger. */
  groupWait?: number;
  /** The severity's response-time SLA (ms from the trigger), and the kinds already breached. */
  sla?: { respondWithin?: number; resolveWithin?: number };
  breached?: readonly SlaKind[];
  /** Acknowledged by a snooze until then: it ends then (no ack timeout meanwhile). */
  snoozedUntil?: number;
  /** Who acknowledged (the record's acknowledgedBy), and the reminders they were sent since. */
  acknowledgedBy?: string;
  ackReminders?: number;
  /**
   * Urgency holds every level and repeat of the walk (issue 12, item 5), where the policy or the
   * route has an urgency map; unset, business hours hold level 1 only (an incident recorded before).
   */
  levelHolds?: boolean;
  /** The route's urgency map, over the policy's. */
  routeUrgency?: UrgencyMap;
  /** An open maintenance window holds paging until its end (domain/maintenance-hold.ts). */
  maintenance?: MaintenanceHold;
}

export type PlannedAction =
  /** Page a level, repeat it, or end the walk in TIMED_OUT. */
  | { kind: 'step'; step: EscalationStep }
  | { kind: 'escalateNow' }
  | { kind: 'autoResolve'; after: number }
  | { kind: 'ackTimeout'; after: number }
  /** Not acknowledged (respond) or not resolved (resolve) within the SLA. */
  | { kind: 'slaBreach'; sla: SlaKind; within: number }
  /** A snooze ran out: ACTIVE again at the level it was at, paged now. */
  | { kind: 'snoozeEnds' }
  /** Still acknowledged and unresolved: remind whoever acknowledged (the `n`th reminder). */
  | { kind: 'ackReminder'; n: number; target: Target }
  /** A maintenance window that held paging ended: paged at the level it reached. */
  | { kind: 'maintenanceEnds'; name: string };

export interface Plan {
  at: number;
  action: PlannedAction;
  /** What the wait is for, as the timer's summary in the Web UI: `level 2 due`. */
  label: string;
  /** Why the step is later than its delay alone says (business hours, urgency), for the timeline. */
  hold?: string;
}

const PAGING: readonly IncidentState[] = ['PENDING', 'ACTIVE'];

export type LevelStep = Extract<EscalationStep, { kind: 'level' }>;

/** The next thing due for this incident, or nothing (closed, or waiting only for an answer). */
export function plan(policy: Policy, position: Position, now: number): Plan | undefined {
  const candidates: Plan[] = [];
  if (position.state === 'RESOLVED' || position.state === 'CANCELLED' || position.state === 'FAILED') return undefined;
  if (policy.autoResolve !== undefined) {
    const after = policy.autoResolve;
    candidates.push({ at: position.triggeredAt + after, action: { kind: 'autoResolve', after }, label: 'auto-resolve due' });
  }
  if (PAGING.includes(position.state)) {
    if (position.escalationRequested) candidates.push({ at: now, action: { kind: 'escalateNow' }, label: 'escalation requested' });
    else candidates.push(maintenanceHeld(stepPlan(policy, position, now), position.maintenance));
  }
  if (position.state === 'ACKNOWLEDGED' && position.snoozedUntil !== undefined) {
    // The responder said how long: the snooze, not the policy's ack timeout, decides.
    candidates.push({ at: position.snoozedUntil, action: { kind: 'snoozeEnds' }, label: 'snooze ends' });
  } else if (position.state === 'ACKNOWLEDGED' && policy.ackTimeout !== undefined && position.acknowledgedAt !== undefined) {
    const after = policy.ackTimeout;
    candidates.push({ at: position.acknowledgedAt + after, action: { kind: 'ackTimeout', after }, label: 'ack timeout' });
  }
  candidates.push(...slaPlans(position));
  const reminder = ackReminderPlan(policy, position);
  if (reminder) candidates.push(reminder);
  // Earliest first; on a tie the order above decides (auto-resolve beats a page due the same moment).
  return candidates.reduce<Plan | undefined>((best, next) => (best === undefined || next.at < best.at ? next : best), undefined);
}

/**
 * A page due while a maintenance window holds the incident waits for the window's end, and then
 * the level the incident reached is paged (not the held step). A responder's escalation request
 * is not held: they asked for it.
 */
function maintenanceHeld(step: Plan, hold: MaintenanceHold | undefined): Plan {
  const until = heldUntil(hold, step.at);
  if (until === undefined || !hold) return step;
  return { at: until, action: { kind: 'maintenanceEnds', name: hold.name }, label: `maintenance window ${hold.name} ends` };
}

/** An SLA deadline not yet breached, while it can still be: respond until answered, resolve until closed. */
function slaPlans(position: Position): Plan[] {
  const { sla } = position;
  if (!sla) return [];
  const plans: Plan[] = [];
  const breached = position.breached ?? [];
  const unanswered = PAGING.includes(position.state) || position.state === 'ESCALATING';
  if (sla.respondWithin !== undefined && unanswered && !breached.includes('respond')) {
    const within = sla.respondWithin;
    plans.push({
      at: position.triggeredAt + within,
      action: { kind: 'slaBreach', sla: 'respond', within },
      label: `respond SLA (${formatDuration(within)}) due`,
    });
  }
  if (sla.resolveWithin !== undefined && !breached.includes('resolve')) {
    const within = sla.resolveWithin;
    plans.push({
      at: position.triggeredAt + within,
      action: { kind: 'slaBreach', sla: 'resolve', within },
      label: `resolve SLA (${formatDuration(within)}) due`,
    });
  }
  return plans;
}

/**
 * The walk's next step. `now` matters only under urgency holds: a step is held once it has come
 * due (so the timeline notes the hold when it happens, and a severity raised meanwhile is heard).
 */
function stepPlan(policy: Policy, position: Position, now: number): Plan {
  if (position.forced)
    return { at: position.forced.dueAt, action: { kind: 'step', step: position.forced }, label: stepLabel(position.forced) };
  const urgency = position.levelHolds ? urgencyOf(position.severity, policy, position.routeUrgency) : undefined;
  if (position.cursor) {
    const step = nextStep(policy, position.cursor);
    const planned: Plan = { at: step.dueAt, action: { kind: 'step', step }, label: stepLabel(step) };
    return urgency === 'low' ? heldStep(policy, position, planned, now) : planned;
  }
  if (urgency === undefined) return firstLevel(policy, position);
  const planned = groupedFirstLevel(policy, position);
  return urgency === 'low' ? heldStep(policy, position, planned, now) : planned;
}

/**
 * The walk's step as a low-urgency incident takes it: at its due time inside business hours,
 * else at the next opening, at the level the walk reached by then. A repeat that would go out at
 * the opening together with the next level gives way to that level (one page, not two).
 */
function heldStep(policy: Policy, position: Position, planned: Plan, now: number): Plan {
  const hours = policy.businessHours;
  if (planned.action.kind !== 'step') return planned;
  let step = planned.action.step;
  if (!hours || step.kind === 'timeout' || step.dueAt > now) return planned;
  const until = nextOpening(hours, step.dueAt);
  if (until <= step.dueAt) return planned;
  const cursor = position.cursor;
  if (step.kind === 'repeat' && cursor) {
    const after = nextStep(policy, { ...cursor, repeat: policy.levels[cursor.level]?.repeat?.count ?? cursor.repeat });
    if (after.kind === 'level' && after.dueAt <= until) step = after;
  }
  const what = step.kind === 'repeat' ? `level ${step.level + 1} repeat ${step.repeat}` : `level ${step.level + 1}`;
  return {
    at: until,
    action: { kind: 'step', step: { ...step, dueAt: until } },
    label: `${stepLabel(step)} (business hours)`,
    hold: holdReason(hours, position.severity, what, until),
  };
}

/** Level 1 at its delay after the trigger, and at least the group's window. */
function groupedFirstLevel(policy: Policy, position: Position): Plan {
  const step = firstStep(policy, position.triggeredAt);
  if (position.groupWait === undefined || position.triggeredAt + position.groupWait <= step.dueAt) {
    return { at: step.dueAt, action: { kind: 'step', step }, label: stepLabel(step) };
  }
  const at = position.triggeredAt + position.groupWait;
  return {
    at,
    action: { kind: 'step', step: { ...step, dueAt: at } },
    label: `level 1 due (after the group wait of ${formatDuration(position.groupWait)})`,
  };
}

/** The walk's next step alone (no auto-resolve, SLA or reminder): `policy test`'s walk preview. */
export function walkPlan(policy: Policy, position: Position, now: number): Plan {
  return stepPlan(policy, position, now);
}

/**
 * Under urgency holds, whether the walk's next step is held past `now` (business hours closed at
 * its due time for a low-urgency incident): the workflow asks this before it pages a step planned
 * before it came due. Read as of its due time even when asked a little before it (a timer may
 * fire a few ms early), so an early timer never slips a page past the hours.
 */
export function isWalkHeld(policy: Policy, position: Position, now: number): boolean {
  if (!position.levelHolds || position.forced || !PAGING.includes(position.state)) return false;
  const planned = stepPlan(policy, position, Number.POSITIVE_INFINITY);
  return planned.hold !== undefined && planned.at > now;
}

/**
 * A level whose `when` failed as it came due is skipped as if it had been paged: the walk goes on
 * from its due time (the next level's delay counts from it), without its repeats.
 */
export function skippedCursor(policy: Policy, cursor: EscalationCursor | undefined, step: LevelStep): EscalationCursor {
  const after = advance(cursor, step);
  return { ...after, repeat: policy.levels[step.level]?.repeat?.count ?? 0 };
}

/**
 * Level 1: its delay after the trigger, then at least the group's window, then held to the next
 * business-hours opening unless the severity bypasses the hours (the incident stays PENDING).
 */
function firstLevel(policy: Policy, position: Position): Plan {
  const step = firstStep(policy, position.triggeredAt);
  const grouped = position.groupWait === undefined ? step.dueAt : Math.max(step.dueAt, position.triggeredAt + position.groupWait);
  const held = holdUntil(policy.businessHours, position.severity, grouped);
  const hours = policy.businessHours;
  const at = held;
  const planned: Plan = { at, action: { kind: 'step', step: { ...step, dueAt: at } }, label: stepLabel(step) };
  if (held !== grouped && hours) {
    planned.hold = `outside business hours (${hours.days.join(',')} ${hours.start}-${hours.end} ${hours.timezone}): level 1 held until ${new Date(held).toISOString()}`;
    planned.label = 'level 1 due (business hours)';
  } else if (grouped !== step.dueAt) {
    planned.label = `level 1 due (after the group wait of ${formatDuration(position.groupWait ?? 0)})`;
  }
  return planned;
}

export function stepLabel(step: EscalationStep): string {
  switch (step.kind) {
    case 'level':
      return step.cycle > 0 ? `level ${step.level + 1} due (walk ${step.cycle + 1})` : `level ${step.level + 1} due`;
    case 'repeat':
      return `level ${step.level + 1} repeat ${step.repeat} due`;
    case 'timeout':
      return 'policy exhausted: time out';
    default: {
      const unknownStep: never = step;
      throw new PolicyInvariantError(`unknown escalation step ${JSON.stringify(unknownStep)}`);
    }
  }
}

/**
 * A severity raise moved the incident to another policy: it goes on at the matching level (the
 * same level number, clamped to the new policy's level count; level 1 if nothing was paged yet)
 * and walk, paged now.
 */
export function policySwitchStep(next: Policy, cursor: EscalationCursor | undefined, currentLevel: number, now: number): LevelStep {
  const level = Math.min(Math.max(currentLevel, 1), next.levels.length) - 1;
  const cycle = Math.min(cursor?.cycle ?? 0, next.repeatPolicy);
  return { kind: 'level', cycle, level, dueAt: now, isEscalation: false };
}

/**
 * The ack timeout ran out: the level the incident was at is paged again now (its repeats and the
 * levels after it count from now). Acknowledged before level 1 went out: level 1, now.
 */
export function repageStep(cursor: EscalationCursor | undefined, now: number): LevelStep {
  return { kind: 'level', cycle: cursor?.cycle ?? 0, level: cursor?.level ?? 0, dueAt: now, isEscalation: false };
}

/**
 * The level after one that reached nobody (`onUnreached: next`, the default): due now, not after
 * its delay; the levels after it count from now. Undefined for the last level, whose fallback is
 * paged instead while the walk goes on as planned, for `onUnreached: fallback`, and once
 * `maxEscalations` is spent.
 */
export function unreachedStep(policy: Policy, cursor: EscalationCursor, now: number): LevelStep | undefined {
  if (policy.onUnreached === 'fallback' || cursor.level >= policy.levels.length - 1) return undefined;
  if (policy.maxEscalations !== undefined && cursor.escalationCount >= policy.maxEscalations) return undefined;
  return { kind: 'level', cycle: cursor.cycle, level: cursor.level + 1, dueAt: now, isEscalation: true };
}

/** When the walk's next step is due (the record's `nextEscalationAt`), while pages still go out. */
export function nextEscalationAt(policy: Policy, position: Position, now = Number.NEGATIVE_INFINITY): number | undefined {
  // Under a maintenance window: its end, when the level it reached is paged again.
  return PAGING.includes(position.state) ? maintenanceHeld(stepPlan(policy, position, now), position.maintenance).at : undefined;
}

/**
 * A responder sent the incident back to a level this walk has paged already (or the one it is at):
 * its pages need new idempotency keys (a new epoch), or providers would take them for the first.
 */
export function repagesWalkedLevel(cursor: EscalationCursor | undefined, step: EscalationStep): boolean {
  return step.kind === 'level' && cursor !== undefined && step.cycle === cursor.cycle && step.level <= cursor.level;
}

/**
 * A responder reassigned the incident: the targets they named stand in for the level it is at,
 * paged now, and the walk goes on from there (its repeats and the levels after count from now).
 * Before level 1 went out, they stand in for level 1.
 */
export function reassignedCursor(cursor: EscalationCursor | undefined, now: number): EscalationCursor {
  return cursor ? restartLevel(cursor, now) : advance(undefined, { kind: 'level', cycle: 0, level: 0, dueAt: now, isEscalation: false });
}

/**
 * The next reminder to whoever acknowledged (`ackReminder: {every, count}`): every `every` after
 * the acknowledgement, at most `count`; none while snoozed (the responder said when to come back).
 */
function ackReminderPlan(policy: Policy, position: Position): Plan | undefined {
  const reminder = policy.ackReminder;
  if (!reminder || position.state !== 'ACKNOWLEDGED' || position.snoozedUntil !== undefined) return undefined;
  if (position.acknowledgedAt === undefined || position.acknowledgedBy === undefined) return undefined;
  const n = (position.ackReminders ?? 0) + 1;
  if (n > reminder.count) return undefined;
  return {
    at: position.acknowledgedAt + n * reminder.every,
    action: { kind: 'ackReminder', n, target: reminderTarget(position.acknowledgedBy) },
    label: `ack reminder ${n} of ${reminder.count} due`,
  };
}

/**
 * Whom a reminder goes to, from who acknowledged: a Slack user outside the directory
 * (`slack:U123`) by a direct message, anyone else as a directory user (a name the directory does
 * not know is recorded as not reached).
 */
export function reminderTarget(acknowledgedBy: string): Target {
  const slack = /^slack:(.+)$/.exec(acknowledgedBy);
  return slack?.[1] ? { type: 'channel', provider: 'slack', id: slack[1] } : { type: 'user', id: acknowledgedBy };
}
