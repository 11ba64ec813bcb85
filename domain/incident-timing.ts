import type { IncidentRecord } from './incident.js';

/**
 * How long an incident took, read from its record (never from the Temporal run): the record is
 * carried through continue-as-new, so `createdAt` is when the incident opened however many runs
 * it has had since. Pure; shared by /v1/stats, the analytics and the service health.
 */
export type TimedRecord = Pick<
  IncidentRecord,
  'workflowId' | 'state' | 'severity' | 'createdAt' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt' | 'reopenedAt' | 'timeline'
> & {
  /**
   * Read when present: levels the policy never reached, SLA breaches. Issue 14's other items add
   * them; a number or a list (its length is the count) is understood, anything else counts 0.
   */
  unreachedLevels?: number | readonly unknown[];
  slaBreaches?: number | readonly unknown[];
};

/** The first acknowledgement (the timeline keeps it even after an un-acknowledge cleared the field). */
export function firstAcknowledgement(record: TimedRecord): { at: string; by: string } | undefined {
  const move = record.timeline.find((entry) => entry.kind === 'move' && entry.to === 'ACKNOWLEDGED');
  if (move) return { at: move.at, by: move.by };
  return record.acknowledgedAt && record.acknowledgedBy ? { at: record.acknowledgedAt, by: record.acknowledgedBy } : undefined;
}

/** Opened → first acknowledgement, in seconds; undefined when nobody acknowledged it. */
export function secondsToAcknowledge(record: TimedRecord): number | undefined {
  const ack = firstAcknowledgement(record);
  return ack ? seconds(record.createdAt, ack.at) : undefined;
}

/** Who acknowledged first: the incident's responder for analytics by responder. */
export function firstResponder(record: TimedRecord): string | undefined {
  return firstAcknowledgement(record)?.by;
}

/**
 * Opened (or re-opened, for an incident a re-fire brought back within its cooldown) → resolved, in
 * seconds. Only RESOLVED counts: a cancelled incident was a false alarm, not a repair.
 */
export function secondsToResolve(record: TimedRecord): number | undefined {
  if (record.state !== 'RESOLVED' || !record.resolvedAt) return undefined;
  return seconds(record.reopenedAt ?? record.createdAt, record.resolvedAt);
}

/** A count field another feature may add to the record: a number, or a list's length; else 0. */
export function countOf(value: number | readonly unknown[] | undefined): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  return Array.isArray(value) ? value.length : 0;
}

/**
 * The nearest-rank percentile (p in 0..100): the smallest value with at least p% of the values at or
 * below it. Undefined for no values. `[10, 20, 30, 40]` has p50 20 and p90 40.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function seconds(from: string, to: string): number {
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}
