import { z } from 'zod';
import { INCIDENT_STATES, isTerminal } from '../domain/incident.js';
import { secondsToAcknowledge, secondsToResolve } from '../domain/incident-timing.js';
import { parseDuration } from '../domain/duration.js';
import { SEVERITIES } from '../domain/severity.js';
import type { IncidentClient } from './incidents.js';
import { countIncidents, SHADOW_CLAUSE, type VisibilityScope } from './visibility.js';
import { AcknowledgedByKey, IncidentStateKey } from '../workflows/search-attributes.js';
import { readRecords } from './records.js';

/** A `window` query parameter: how far back to look (`24h`, `7d`, `PT1H`); at most 90 days. */
export function windowParam(defaultText: string) {
  return z
    .string()
    .default(defaultText)
    .transform((value, ctx) => {
      const parsed = parseDuration(value);
      if (!parsed.ok || parsed.ms <= 0 || parsed.ms > 90 * 86_400_000) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a window; use a duration between 1s and 90d such as 24h or 7d` });
        return z.NEVER;
      }
      return { text: value, ms: parsed.ms };
    });
}

export const StatsQuery = z.strictObject({ window: windowParam('24h') });
export type StatsQuery = z.output<typeof StatsQuery>;

export interface Timing {
  /** Incidents measured. */
  count: number;
  meanSeconds?: number;
  medianSeconds?: number;
  /** True when more incidents matched than were read (the figures come from the newest ones). */
  sampled: boolean;
}

export interface IncidentStats {
  window: string;
  since: string;
  /** Incidents started within the window. */
  total: number;
  byState: Record<string, number>;
  bySeverity: Record<string, number>;
  /** Open now (by IncidentState), whenever they started. */
  open: number;
  /** Incidents within the window where a level (or its fallback) reached nobody (IncidentUnreached). */
  unreached: number;
  /** Incidents within the window run in shadow mode: their pages were recorded, not sent (IncidentShadow). */
  shadow: number;
  /** Incidents within the window that broke a response-time SLA (SlaBreached). */
  slaBreached: number;
  /** Mean time to acknowledge: created → first acknowledgement. */
  mtta: Timing;
  /** Mean time to resolve: opened (or re-opened) → RESOLVED, from the record (right across continue-as-new). */
  mttr: Timing;
  /** Maintenance windows open within the window, and the alerts they answered `escalated: false`. */
  maintenance: { windows: number; suppressed: number };
}

// Bounds keep one stats call cheap however busy the namespace is.
const RECORD_SAMPLE = 200;
const OPEN_STATES = INCIDENT_STATES.filter((state) => !isTerminal(state));

/**
 * Counts from Temporal visibility; MTTA and MTTR from the incident records (createdAt,
 * acknowledgedAt, resolvedAt), which continue-as-new carries: a run's start and close times would
 * measure only the last run. It reads the records of the newest incidents with something to measure
 * (acknowledged or resolved), at most RECORD_SAMPLE; `sampled` says when there were more.
 */
export async function incidentStats(
  scope: VisibilityScope,
  incidents: IncidentClient,
  query: StatsQuery,
  now = Date.now(),
): Promise<IncidentStats> {
  const since = new Date(now - query.window.ms).toISOString();
  const inWindow = [`StartTime >= "${since}"`];
  const [byStateCounts, bySeverityCounts, open, unreached, slaBreached, shadow, maintenance] = await Promise.all([
    Promise.all(INCIDENT_STATES.map((state) => countIncidents(scope, { state }, inWindow))),
    Promise.all(SEVERITIES.map((severity) => countIncidents(scope, { severity }, inWindow))),
    countIncidents(scope, {}, [`IncidentState IN (${OPEN_STATES.map((state) => `"${state}"`).join(', ')})`]),
    countIncidents(scope, {}, [...inWindow, 'IncidentUnreached = true']),
    countIncidents(scope, {}, [...inWindow, 'SlaBreached = true']),
    countIncidents(scope, {}, [...inWindow, SHADOW_CLAUSE]),
    incidents.maintenance.suppressedSince(since),
  ]);
  const byState = Object.fromEntries(INCIDENT_STATES.map((state, i) => [state, byStateCounts[i] ?? 0]));
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity, i) => [severity, bySeverityCounts[i] ?? 0]));

  const measurable = await readRecords(
    scope,
    incidents,
    {},
    [...inWindow, `(${IncidentStateKey.name} = "RESOLVED" OR ${AcknowledgedByKey.name} IS NOT NULL)`],
    RECORD_SAMPLE,
  );
  // A run that continued as new started within the window; its incident may have opened before it.
  const opened = measurable.records.filter((record) => Date.parse(record.createdAt) >= now - query.window.ms);
  const ackTimes = opened.flatMap((record) => secondsToAcknowledge(record) ?? []);
  const resolveTimes = opened.flatMap((record) => secondsToResolve(record) ?? []);

  return {
    window: query.window.text,
    since,
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    bySeverity,
    open,
    unreached,
    shadow,
    slaBreached,
    mtta: timing(ackTimes, measurable.sampled),
    mttr: timing(resolveTimes, measurable.sampled),
    maintenance,
  };
}

function timing(values: number[], sampled: boolean): Timing {
  if (values.length === 0) return { count: 0, sampled };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    count: values.length,
    meanSeconds: round(values.reduce((a, b) => a + b, 0) / values.length),
    medianSeconds: round(median),
    sampled,
  };
}
