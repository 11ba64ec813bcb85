import type { Severity } from './severity.js';
import { countOf, firstAcknowledgement, type TimedRecord } from './incident-timing.js';

/**
 * A service's health, 0–100 (issue 14, item 5; README "Service health" has the formula and worked
 * examples). Pure: the caller reads the service's incident records and passes the time.
 *
 *   score = 100 − open − respond − resolve − breaches   (clamped to 0..100, rounded)
 *   open     = Σ OPEN_WEIGHT[severity] over incidents open now, at most 40
 *   respond  = 20 × clamp(mean(time to acknowledge ÷ respondWithin) − 1, 0, 1)
 *   resolve  = 20 × clamp(mean(time to resolve ÷ resolveWithin) − 1, 0, 1)
 *   breaches = 5 per SLA breach, at most 20
 */
export const OPEN_WEIGHT: Record<Severity, number> = { critical: 20, error: 12, warning: 6, info: 2, debug: 1 };
export const MAX_OPEN_PENALTY = 40;
export const MAX_TIMING_PENALTY = 20;
export const BREACH_PENALTY = 5;
export const MAX_BREACH_PENALTY = 20;

export interface SlaTarget {
  respondWithinMs: number;
  resolveWithinMs: number;
}
export type SlaTargets = Record<Severity, SlaTarget>;

const minutes = (n: number) => n * 60_000;
/** Used where the config sets no SLA: critical as issue 14 names it, each lower severity looser. */
export const DEFAULT_SLA_TARGETS: SlaTargets = {
  critical: { respondWithinMs: minutes(15), resolveWithinMs: minutes(4 * 60) },
  error: { respondWithinMs: minutes(30), resolveWithinMs: minutes(8 * 60) },
  warning: { respondWithinMs: minutes(60), resolveWithinMs: minutes(24 * 60) },
  info: { respondWithinMs: minutes(4 * 60), resolveWithinMs: minutes(72 * 60) },
  debug: { respondWithinMs: minutes(24 * 60), resolveWithinMs: minutes(7 * 24 * 60) },
};

export const HEALTH_BANDS = ['excellent', 'good', 'fair', 'poor', 'critical'] as const;
export type HealthBand = (typeof HEALTH_BANDS)[number];

export function healthBand(score: number): HealthBand {
  if (score >= 90) return 'excellent';
  if (score >= 75) return 'good';
  if (score >= 60) return 'fair';
  if (score >= 40) return 'poor';
  return 'critical';
}

/** What the score is made of; each ratio is the mean of (measured time ÷ its SLA target). */
export interface HealthInputs {
  openBySeverity: Partial<Record<Severity, number>>;
  respondRatio?: number;
  resolveRatio?: number;
  breaches: number;
}

export interface HealthScore {
  score: number;
  band: HealthBand;
  penalties: { open: number; respond: number; resolve: number; breaches: number };
}

export function healthScore(inputs: HealthInputs): HealthScore {
  const openWeight = Object.entries(inputs.openBySeverity).reduce(
    (sum, [severity, n]) => sum + OPEN_WEIGHT[severity as Severity] * (n ?? 0),
    0,
  );
  const timing = (ratio: number | undefined) => (ratio === undefined ? 0 : MAX_TIMING_PENALTY * clamp(ratio - 1, 0, 1));
  const penalties = {
    open: Math.min(MAX_OPEN_PENALTY, openWeight),
    respond: round1(timing(inputs.respondRatio)),
    resolve: round1(timing(inputs.resolveRatio)),
    breaches: Math.min(MAX_BREACH_PENALTY, BREACH_PENALTY * inputs.breaches),
  };
  const score = Math.round(clamp(100 - penalties.open - penalties.respond - penalties.resolve - penalties.breaches, 0, 100));
  return { score, band: healthBand(score), penalties };
}

export type HealthRecord = TimedRecord;

/**
 * The inputs at instant `at` from the incidents opened in [from, at): open counts every incident
 * still open at `at` whenever it opened; timings and breaches those opened in the range.
 */
export function healthInputs(records: readonly HealthRecord[], targets: SlaTargets, from: number, at: number): HealthInputs {
  const openBySeverity: Partial<Record<Severity, number>> = {};
  const respond: number[] = [];
  const resolve: number[] = [];
  let breaches = 0;
  for (const record of records) {
    const opened = Date.parse(record.createdAt);
    if (opened > at) continue;
    const closed = closedAt(record);
    if (closed === undefined || closed > at) openBySeverity[record.severity] = (openBySeverity[record.severity] ?? 0) + 1;
    if (opened < from) continue;
    const target = targets[record.severity];
    const acked = firstAckAt(record);
    if (acked !== undefined && acked <= at) respond.push((acked - opened) / target.respondWithinMs);
    const resolved = record.state === 'RESOLVED' && closed !== undefined && closed <= at ? closed : undefined;
    const start = record.reopenedAt ? Date.parse(record.reopenedAt) : opened;
    if (resolved !== undefined) resolve.push((resolved - start) / target.resolveWithinMs);
    breaches += record.slaBreaches !== undefined ? countOf(record.slaBreaches) : derivedBreaches(record, target, opened, acked, closed, at);
  }
  return { openBySeverity, ...mean('respondRatio', respond), ...mean('resolveRatio', resolve), breaches };
}

/**
 * Breaches as the SLA targets say, for records that carry none of their own: answered (acknowledged,
 * or closed unanswered) later than respondWithin, or still unanswered past it at `at`; and not
 * resolved within resolveWithin (a cancelled false alarm owes no resolution).
 */
function derivedBreaches(
  record: HealthRecord,
  target: SlaTarget,
  opened: number,
  acked: number | undefined,
  closed: number | undefined,
  at: number,
): number {
  const answered = acked !== undefined && acked <= at ? acked : closed !== undefined && closed <= at ? closed : at;
  const respond = answered - opened > target.respondWithinMs ? 1 : 0;
  const ended = closed !== undefined && closed <= at ? closed : at;
  const resolve = record.state !== 'CANCELLED' && ended - opened > target.resolveWithinMs ? 1 : 0;
  return respond + resolve;
}

export interface HealthPoint extends HealthScore {
  /** The end of the bucket: the score as it stood then. */
  at: string;
}

export interface ServiceHealth extends HealthScore {
  inputs: HealthInputs;
  /** Hourly for windows up to 48 h, else daily; oldest first. */
  trend: HealthPoint[];
}

export function serviceHealth(records: readonly HealthRecord[], targets: SlaTargets, since: number, now: number): ServiceHealth {
  const inputs = healthInputs(records, targets, since, now);
  const bucket = now - since <= 48 * 3_600_000 ? 3_600_000 : 86_400_000;
  const trend: HealthPoint[] = [];
  for (let end = now; end > since && trend.length < 400; end -= bucket) {
    const start = Math.max(since, end - bucket);
    trend.push({ at: new Date(end).toISOString(), ...healthScore(healthInputs(records, targets, start, end)) });
  }
  return { ...healthScore(inputs), inputs, trend: trend.reverse() };
}

function closedAt(record: HealthRecord): number | undefined {
  const closed = record.state === 'RESOLVED' || record.state === 'CANCELLED' || record.state === 'FAILED';
  return closed && record.resolvedAt ? Date.parse(record.resolvedAt) : undefined;
}

function firstAckAt(record: HealthRecord): number | undefined {
  const ack = firstAcknowledgement(record);
  return ack ? Date.parse(ack.at) : undefined;
}

function mean<K extends string>(key: K, values: number[]): Partial<Record<K, number>> {
  if (values.length === 0) return {};
  return { [key]: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 1000) / 1000 } as Partial<Record<K, number>>;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
