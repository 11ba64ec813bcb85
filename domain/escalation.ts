import type { Policy } from './policy.js';

/**
 * Policy maths: which level or repeat comes next, when, and when the policy is exhausted.
 * Pure; every time is epoch milliseconds and every due time is computed from the due time before it,
 * never from when a timer happened to fire, so lateness does not add up from level to level.
 */

/** Where an incident stands in its policy. Levels are 0-based here; the record shows them 1-based. */
export interface EscalationCursor {
  /** Walk through the policy (0 = the first; `repeatPolicy` adds more). */
  cycle: number;
  level: number;
  /** 0 = the level's first notification, then 1..repeat.count. */
  repeat: number;
  /** Due time of this level's first notification: later levels and repeats count from it. */
  levelAt: number;
  /** Due time of the latest notification (level or repeat). */
  lastAt: number;
  /** Level changes so far (bounded by `maxEscalations`). */
  escalationCount: number;
}

export type EscalationStep =
  | { kind: 'level'; cycle: number; level: number; dueAt: number; isEscalation: boolean }
  | { kind: 'repeat'; cycle: number; level: number; repeat: number; dueAt: number }
  | { kind: 'timeout'; dueAt: number; reason: string };

export const DEFAULT_FINAL_WAIT_MS = 5 * 60_000;

/**
 * The policy maths met something that cannot be (a level that does not exist, a repeat before its
 * level): a bug or a corrupt carry, not bad luck. The workflow ends the incident FAILED with this
 * reason instead of retrying its task forever.
 */
export class PolicyInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyInvariantError';
  }
}

/** Level 1, due its delay after the trigger. */
export function firstStep(policy: Policy, triggeredAt: number): EscalationStep {
  return { kind: 'level', cycle: 0, level: 0, dueAt: triggeredAt + levelAt(policy, 0).delay, isEscalation: false };
}

/** The wait after the last level and its repeats before the policy loops or times out. */
export function finalWait(policy: Policy): number {
  if (policy.finalWait !== undefined) return policy.finalWait;
  const last = levelAt(policy, policy.levels.length - 1);
  if (last.repeat && last.repeat.count > 0) return last.repeat.interval;
  return last.delay > 0 ? last.delay : DEFAULT_FINAL_WAIT_MS;
}

/** What comes after the notification the cursor points at, if nobody answers. */
export function nextStep(policy: Policy, cursor: EscalationCursor): EscalationStep {
  const level = levelAt(policy, cursor.level);
  const isLastLevel = cursor.level === policy.levels.length - 1;
  // A level's actions may ask for time to clear the alert (waitFor.resolved) before the next pages a human.
  const gap = isLastLevel ? 0 : Math.max(levelAt(policy, cursor.level + 1).delay, level.waitFor?.resolved ?? 0);
  const nextLevelDue = isLastLevel ? undefined : cursor.levelAt + gap;

  if (level.repeat && cursor.repeat < level.repeat.count) {
    const repeatDue = cursor.levelAt + (cursor.repeat + 1) * level.repeat.interval;
    // Repeats go out until the next level is due, never past it.
    if (nextLevelDue === undefined || repeatDue < nextLevelDue) {
      return { kind: 'repeat', cycle: cursor.cycle, level: cursor.level, repeat: cursor.repeat + 1, dueAt: repeatDue };
    }
  }
  if (nextLevelDue !== undefined) return levelChange(policy, cursor, cursor.level + 1, cursor.cycle, nextLevelDue);

  const endAt = cursor.lastAt + finalWait(policy);
  if (cursor.cycle < policy.repeatPolicy) return levelChange(policy, cursor, loopStart(policy), cursor.cycle + 1, endAt);
  const walks = policy.repeatPolicy + 1;
  return {
    kind: 'timeout',
    dueAt: endAt,
    reason: `policy ${policy.name} exhausted: ${policy.levels.length} level(s) walked ${walks} time(s) with no acknowledgement`,
  };
}

export type ManualEscalation = { ok: true; step: EscalationStep } | { ok: false; reason: string };

/**
 * A responder's "escalate now": the next level at `now`, or the level they named (`toLevel`,
 * 1-based; the same level pages it again, a lower one goes back), or a refusal saying why not.
 */
export function manualEscalation(policy: Policy, cursor: EscalationCursor | undefined, now: number, toLevel?: number): ManualEscalation {
  if (toLevel !== undefined) return escalationTo(policy, cursor, now, toLevel);
  if (!cursor) return { ok: true, step: { kind: 'level', cycle: 0, level: 0, dueAt: now, isEscalation: false } };
  const isLastLevel = cursor.level === policy.levels.length - 1;
  const target = isLastLevel ? { level: loopStart(policy), cycle: cursor.cycle + 1 } : { level: cursor.level + 1, cycle: cursor.cycle };
  if (isLastLevel && cursor.cycle >= policy.repeatPolicy) {
    return { ok: false, reason: `already at the last level (${cursor.level + 1}) of policy ${policy.name} with no repeat left` };
  }
  const step = levelChange(policy, cursor, target.level, target.cycle, now);
  return step.kind === 'timeout' ? { ok: false, reason: step.reason } : { ok: true, step };
}

function escalationTo(policy: Policy, cursor: EscalationCursor | undefined, now: number, toLevel: number): ManualEscalation {
  const count = policy.levels.length;
  if (!Number.isInteger(toLevel) || toLevel < 1 || toLevel > count) {
    return { ok: false, reason: `policy ${policy.name} has levels 1 to ${count}; there is no level ${toLevel}` };
  }
  const level = toLevel - 1;
  const current = cursor?.level ?? 0;
  // Paging the level it is at again changes no level: it does not count towards maxEscalations.
  if (!cursor || level === current)
    return { ok: true, step: { kind: 'level', cycle: cursor?.cycle ?? 0, level, dueAt: now, isEscalation: level !== current } };
  const step = levelChange(policy, cursor, level, cursor.cycle, now);
  return step.kind === 'timeout' ? { ok: false, reason: step.reason } : { ok: true, step };
}

/** The level (0-based) each `repeatPolicy` loop starts at: `repeatFrom`, else level 1. */
export function loopStart(policy: Policy): number {
  return policy.repeatFrom === undefined ? 0 : Math.min(policy.repeatFrom, policy.levels.length) - 1;
}

/**
 * The step starts another walk of the policy (a `repeatPolicy` loop): its pages need a new epoch,
 * or providers would take them for the first walk's.
 */
export function startsNewWalk(policy: Policy, step: EscalationStep): boolean {
  return step.kind === 'level' && step.isEscalation && step.cycle > 0 && step.level === loopStart(policy);
}

/** The cursor after a notification step was carried out. */
export function advance(cursor: EscalationCursor | undefined, step: EscalationStep): EscalationCursor {
  switch (step.kind) {
    case 'level':
      return {
        cycle: step.cycle,
        level: step.level,
        repeat: 0,
        levelAt: step.dueAt,
        lastAt: step.dueAt,
        escalationCount: (cursor?.escalationCount ?? 0) + (step.isEscalation ? 1 : 0),
      };
    case 'repeat':
      if (!cursor) throw new PolicyInvariantError('a repeat step needs a cursor: the level it repeats was never notified');
      return { ...cursor, repeat: step.repeat, lastAt: step.dueAt };
    case 'timeout':
      if (!cursor) throw new PolicyInvariantError('a timeout step needs a cursor');
      return cursor;
    default: {
      const unknownStep: never = step;
      throw new PolicyInvariantError(`unknown escalation step ${JSON.stringify(unknownStep)}`);
    }
  }
}

/** Re-notify the current level from `now` (an acknowledgement ran out or was handed back). */
export function restartLevel(cursor: EscalationCursor, now: number): EscalationCursor {
  return { ...cursor, repeat: 0, levelAt: now, lastAt: now };
}

function levelChange(policy: Policy, cursor: EscalationCursor, level: number, cycle: number, dueAt: number): EscalationStep {
  if (policy.maxEscalations !== undefined && cursor.escalationCount >= policy.maxEscalations) {
    return {
      kind: 'timeout',
      dueAt,
      reason: `policy ${policy.name} reached maxEscalations (${policy.maxEscalations}) with no acknowledgement`,
    };
  }
  return { kind: 'level', cycle, level, dueAt, isEscalation: true };
}

function levelAt(policy: Policy, index: number): Policy['levels'][number] {
  const level = policy.levels[index];
  if (!level) throw new PolicyInvariantError(`policy ${policy.name} has no level ${index + 1}`);
  return level;
}

/**
 * The deterministic idempotency key of one notification (DESIGN.md section 5). Later walks of the
 * policy and re-opened incidents add an `E<n>` segment so they are not taken for the first page.
 */
export function notificationKey(parts: {
  workflowId: string;
  epoch: number;
  level: number;
  repeat: number;
  target: string;
  channel: string;
  /** The person a team or schedule resolved to: each member of a team is a notification of its own. */
  recipient?: string;
  /** Tells apart two addresses on one channel for the same recipient (a user with two emails). */
  index?: number;
}): string {
  const epoch = parts.epoch > 0 ? `/E${parts.epoch}` : '';
  const target = parts.recipient && !parts.target.endsWith(`:${parts.recipient}`) ? `${parts.target}~${parts.recipient}` : parts.target;
  const index = parts.index ? `#${parts.index + 1}` : '';
  return `${parts.workflowId}${epoch}/L${parts.level + 1}/R${parts.repeat}/${target}/${parts.channel}${index}`;
}
