import type { EscalationCursor } from './escalation.js';
import type { IncidentRecord } from './incident.js';
import { isIncidentState } from './incident-state.js';
import type { Policy } from './policy.js';
import type { IncidentCarry, IncidentWorkflowInput } from './workflow-input.js';

/**
 * The checks the workflow makes itself, without a schema library: the client, the API and the
 * config loader validated the input at the edge (domain/workflow-input.ts), and zod stays out of
 * the workflow bundle, where every incident would pay to load it. The record and policy in a carry
 * were built by the engine itself; checking their shape is enough to refuse a hand-made or
 * truncated one. The zod schema for the carry uses the same predicates.
 */

export function isCarriedRecord(value: unknown): value is IncidentRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<IncidentRecord>;
  return (
    typeof record.workflowId === 'string' &&
    isIncidentState(record.state) &&
    Array.isArray(record.timeline) &&
    Array.isArray(record.notifications)
  );
}

export function isCarriedPolicy(value: unknown): value is Policy {
  if (typeof value !== 'object' || value === null) return false;
  const levels: unknown = (value as Partial<Policy>).levels;
  return Array.isArray(levels) && levels.length > 0;
}

const CURSOR_COUNTS = ['cycle', 'level', 'repeat', 'escalationCount'] as const;
const CURSOR_TIMES = ['levelAt', 'lastAt'] as const;

/** The field and the reason when `value` is not a carry, else undefined. */
export function checkCarry(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'carry: must be an object';
  const carry = value as Partial<Record<keyof IncidentCarry, unknown>>;
  if (!isCarriedRecord(carry.record)) return 'carry.record: must be an incident record (workflowId, state, timeline, notifications)';
  if (!isCount(carry.epoch)) return 'carry.epoch: must be a whole number, 0 or more';
  if (carry.policy !== undefined && !isCarriedPolicy(carry.policy)) {
    return 'carry.policy: must be a policy snapshot with at least one level';
  }
  if (carry.cursor !== undefined) {
    if (typeof carry.cursor !== 'object' || carry.cursor === null) return 'carry.cursor: must be an object';
    const cursor = carry.cursor as Partial<Record<keyof EscalationCursor, unknown>>;
    for (const field of CURSOR_COUNTS) {
      if (!isCount(cursor[field])) return `carry.cursor.${field}: must be a whole number, 0 or more`;
    }
    for (const field of CURSOR_TIMES) {
      if (typeof cursor[field] !== 'number' || !Number.isFinite(cursor[field])) return `carry.cursor.${field}: must be a time in ms`;
    }
  }
  if (carry.reopen !== undefined) {
    const reopen = carry.reopen as { resolvedAt?: unknown } | null;
    if (typeof reopen !== 'object' || reopen === null || typeof reopen.resolvedAt !== 'string') {
      return 'carry.reopen.resolvedAt: must be the time the incident was resolved';
    }
  }
  return undefined;
}

/**
 * The checks the workflow makes on what it cannot go on without. Answers the field and why, or
 * undefined.
 */
export function checkWorkflowInput(input: IncidentWorkflowInput): string | undefined {
  const levels: unknown = input.policy?.levels;
  if (!Array.isArray(levels) || levels.length === 0) return 'policy.levels: a policy needs at least one level';
  for (const [index, level] of levels.entries()) {
    const l = level as Partial<Policy['levels'][number]>;
    if (typeof l.delay !== 'number' || !Array.isArray(l.targets)) {
      return `policy.levels[${index}]: needs a delay in milliseconds and a list of targets`;
    }
  }
  if (typeof input.incident?.summary !== 'string' || typeof input.incident.severity !== 'string') {
    return 'incident: needs a summary and a severity';
  }
  if (typeof input.settings?.delivery !== 'object' || input.settings.delivery === null) return 'settings.delivery: missing';
  return input.carry === undefined ? undefined : checkCarry(input.carry);
}

/**
 * The carry that re-opens `previous` for an alert received at `now`, if it was resolved within
 * `cooldown`; undefined when it should open a new incident instead.
 */
export function reopenFrom(previous: IncidentRecord, cooldown: number | undefined, now: number): IncidentCarry | undefined {
  if (cooldown === undefined || previous.state !== 'RESOLVED' || !previous.resolvedAt) return undefined;
  if (now - Date.parse(previous.resolvedAt) > cooldown) return undefined;
  return { record: previous, epoch: (previous.epoch ?? 0) + 1, reopen: { resolvedAt: previous.resolvedAt } };
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
