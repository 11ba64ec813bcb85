import type { IncidentRecord } from './incident.js';
import { countOf, firstResponder, percentile, secondsToAcknowledge, secondsToResolve, type TimedRecord } from './incident-timing.js';

/**
 * The figures on-call managers ask for (issue 14, item 4), computed from incident records alone:
 * pure, so a hand-computed fixture checks them (test/unit/analytics.test.ts). The API and the CLI
 * read the records (client/analytics.ts) and hand them here.
 */
export const ANALYTICS_GROUPINGS = ['service', 'policy', 'responder'] as const;
export type AnalyticsGrouping = (typeof ANALYTICS_GROUPINGS)[number];

export type AnalyticsRecord = TimedRecord & Pick<IncidentRecord, 'service' | 'policy' | 'escalationCount'>;

/** Incidents without the grouping's value land in these groups. */
export const NO_SERVICE = '(no service)';
export const NO_RESPONDER = '(unacknowledged)';

export interface Percentiles {
  /** Incidents measured. */
  count: number;
  p50Seconds?: number;
  p90Seconds?: number;
}

export interface GroupFigures {
  /** The service, policy or first responder; `(all)` for the total. */
  group: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  /** Opened → first acknowledgement. */
  mtta: Percentiles;
  /** Opened (or re-opened) → resolved; RESOLVED incidents only. */
  mttr: Percentiles;
  /** Level changes per incident (escalationCount, mean, 2 decimals). */
  escalationsPerIncident: number;
  /** Levels (and fallbacks) that reached nobody (the record's `unreachedLevels`). */
  unreachedLevels: number;
  /** Response-time SLA breaches (the record's `slaBreaches`). */
  slaBreaches: number;
}

export interface AnalyticsFigures {
  by: AnalyticsGrouping;
  since: string;
  until: string;
  total: GroupFigures;
  /** Most incidents first, then by name. */
  groups: GroupFigures[];
}

/** The group an incident counts in. */
export function groupOf(record: AnalyticsRecord, by: AnalyticsGrouping): string {
  switch (by) {
    case 'service':
      return record.service ?? NO_SERVICE;
    case 'policy':
      return record.policy;
    case 'responder':
      return firstResponder(record) ?? NO_RESPONDER;
    default: {
      const unknownGrouping: never = by;
      throw new Error(`unknown grouping ${String(unknownGrouping)}`);
    }
  }
}

/**
 * The incidents opened within [since, until] (by the record's createdAt: a run that continued as new
 * later still counts when its incident opened), grouped.
 */
export function incidentAnalytics(
  records: readonly AnalyticsRecord[],
  by: AnalyticsGrouping,
  since: number,
  until: number,
): AnalyticsFigures {
  const inWindow = records.filter((record) => {
    const opened = Date.parse(record.createdAt);
    return opened >= since && opened <= until;
  });
  const grouped = new Map<string, AnalyticsRecord[]>();
  for (const record of inWindow) {
    const group = groupOf(record, by);
    grouped.set(group, [...(grouped.get(group) ?? []), record]);
  }
  const groups = [...grouped.entries()]
    .map(([group, members]) => figures(group, members))
    .sort((a, b) => b.incidents - a.incidents || a.group.localeCompare(b.group));
  return {
    by,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    total: figures('(all)', inWindow),
    groups,
  };
}

function figures(group: string, records: readonly AnalyticsRecord[]): GroupFigures {
  const ack = records.flatMap((r) => defined(secondsToAcknowledge(r)));
  const resolve = records.flatMap((r) => defined(secondsToResolve(r)));
  const escalations = records.reduce((sum, r) => sum + r.escalationCount, 0);
  return {
    group,
    incidents: records.length,
    acknowledged: ack.length,
    resolved: resolve.length,
    mtta: percentiles(ack),
    mttr: percentiles(resolve),
    escalationsPerIncident: records.length === 0 ? 0 : round(escalations / records.length, 2),
    unreachedLevels: records.reduce((sum, r) => sum + countOf(r.unreachedLevels), 0),
    slaBreaches: records.reduce((sum, r) => sum + countOf(r.slaBreaches), 0),
  };
}

export function percentiles(values: readonly number[]): Percentiles {
  const p50 = percentile(values, 50);
  const p90 = percentile(values, 90);
  return {
    count: values.length,
    ...(p50 !== undefined && { p50Seconds: round(p50, 3) }),
    ...(p90 !== undefined && { p90Seconds: round(p90, 3) }),
  };
}

const CSV_HEADER = [
  'group',
  'incidents',
  'acknowledged',
  'resolved',
  'mtta_p50_seconds',
  'mtta_p90_seconds',
  'mttr_p50_seconds',
  'mttr_p90_seconds',
  'escalations_per_incident',
  'unreached_levels',
  'sla_breaches',
];

/** One line per group, then the total as `(all)`; empty cells where nothing was measured. */
export function analyticsCsv(figures: AnalyticsFigures): string {
  const rows = [...figures.groups, figures.total].map((g) =>
    [
      g.group,
      g.incidents,
      g.acknowledged,
      g.resolved,
      g.mtta.p50Seconds,
      g.mtta.p90Seconds,
      g.mttr.p50Seconds,
      g.mttr.p90Seconds,
      g.escalationsPerIncident,
      g.unreachedLevels,
      g.slaBreaches,
    ].map(csvCell),
  );
  return [CSV_HEADER, ...rows].map((row) => row.join(',')).join('\n') + '\n';
}

/** RFC 4180: quote a cell holding a comma, quote or line break; double the quotes inside. */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function defined<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
