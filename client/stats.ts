import { z } from 'zod';
import { INCIDENT_STATES, isTerminal, type IncidentRecord } from '../domain/incident.js';
import { parseDuration } from '../domain/duration.js';
import { SEVERITIES } from '../domain/severity.js';
import type { IncidentClient } from './incidents.js';
import { countIncidents, listAll, SHADOW_CLAUSE, type VisibilityScope } from './visibility.js';

/** How far back to look (`24h`, `7d`, `PT1H`): between 1 s and 90 days; `{ text, ms }`. */
export const StatsWindow = z.string().transform((value, ctx) => {
  const parsed = parseDuration(value);
  if (!parsed.ok || parsed.ms <= 0 || parsed.ms > 90 * 86_400_000) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a window; use a duration between 1s and 90d such as 24h or 7d` });
    return z.NEVER;
  }
  return { text: value, ms: parsed.ms };
});

/** `window`: how far back to look; at most 90 days. */
export const StatsQuery = z.strictObject({ window: StatsWindow.prefault('24h') });
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
  /** Mean time to acknowledge: created → first acknowledgement. */
  mtta: Timing;
  /** Mean time to resolve: started → closed as RESOLVED (counted once the execution has closed). */
  mttr: Timing;
}

// Bounds keep one stats call cheap however busy the namespace is.
const MTTR_SAMPLE = 1000;
const MTTA_SAMPLE = 100;
const RECORD_READS_AT_ONCE = 8;
const OPEN_STATES = INCIDENT_STATES.filter((state) => !isTerminal(state));

/**
 * Counts and timings from Temporal visibility. MTTR is the execution's start to close time.
 * MTTA needs when the incident was acknowledged, which no search attribute holds yet: it reads the
 * records of the newest acknowledged incidents (at most MTTA_SAMPLE). An `AcknowledgedAt` Datetime
 * search attribute would let visibility answer it alone.
 */
export async function incidentStats(
  scope: VisibilityScope,
  incidents: IncidentClient,
  query: StatsQuery,
  now = Date.now(),
): Promise<IncidentStats> {
  const since = new Date(now - query.window.ms).toISOString();
  const inWindow = [`StartTime >= "${since}"`];
  const [byStateCounts, bySeverityCounts, open, unreached, shadow] = await Promise.all([
    Promise.all(INCIDENT_STATES.map((state) => countIncidents(scope, { state }, inWindow))),
    Promise.all(SEVERITIES.map((severity) => countIncidents(scope, { severity }, inWindow))),
    countIncidents(scope, {}, [`IncidentState IN (${OPEN_STATES.map((state) => `"${state}"`).join(', ')})`]),
    countIncidents(scope, {}, [...inWindow, 'IncidentUnreached = true']),
    countIncidents(scope, {}, [...inWindow, SHADOW_CLAUSE]),
  ]);
  const byState = Object.fromEntries(INCIDENT_STATES.map((state, i) => [state, byStateCounts[i] ?? 0]));
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity, i) => [severity, bySeverityCounts[i] ?? 0]));

  const resolved = await listAll(scope, { state: 'RESOLVED' }, inWindow, MTTR_SAMPLE);
  const resolveTimes = resolved.flatMap((i) =>
    i.startedAt && i.closedAt ? [(Date.parse(i.closedAt) - Date.parse(i.startedAt)) / 1000] : [],
  );

  const acknowledged = await listAll(scope, {}, [...inWindow, 'AcknowledgedBy IS NOT NULL'], MTTA_SAMPLE);
  const ackTimes: number[] = [];
  for (let i = 0; i < acknowledged.length; i += RECORD_READS_AT_ONCE) {
    const batch = acknowledged.slice(i, i + RECORD_READS_AT_ONCE);
    const records = await Promise.all(batch.map((summary) => incidents.getIncident(summary.workflowId).catch(() => undefined)));
    for (const record of records) {
      const seconds = record && secondsToAcknowledge(record);
      if (seconds !== undefined) ackTimes.push(seconds);
    }
  }

  return {
    window: query.window.text,
    since,
    total: Object.values(byState).reduce((a, b) => a + b, 0),
    byState,
    bySeverity,
    open,
    unreached,
    shadow,
    mtta: timing(ackTimes, acknowledged.length >= MTTA_SAMPLE),
    mttr: timing(resolveTimes, resolved.length >= MTTR_SAMPLE),
  };
}

export function secondsToAcknowledge(record: IncidentRecord): number | undefined {
  const firstAck = record.timeline.find((entry) => entry.kind === 'move' && entry.to === 'ACKNOWLEDGED');
  const at = firstAck?.at ?? record.acknowledgedAt;
  if (!at) return undefined;
  return Math.max(0, (Date.parse(at) - Date.parse(record.createdAt)) / 1000);
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
