import { z } from 'zod';
import { ANALYTICS_GROUPINGS, incidentAnalytics, type AnalyticsFigures } from '../domain/analytics.js';
import { isValidTimeZone } from '../domain/business-hours.js';
import type { Config } from '../domain/config.js';
import { oncallLoad, type OncallLoad } from '../domain/oncall-load.js';
import type { IncidentClient } from './incidents.js';
import { activeSince, MAX_RECORD_READS, readRecords, type RecordSample } from './records.js';
import { windowParam } from './stats.js';
import type { VisibilityScope } from './visibility.js';

/**
 * `GET /v1/analytics`, `GET /v1/analytics/oncall-load` and `escalate stats --by / --oncall-load`:
 * the records are read here (bounded, see client/records.ts), the figures computed in domain/.
 */
const common = {
  window: windowParam('30d'),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(MAX_RECORD_READS).default(500),
};

export const AnalyticsQuery = z.strictObject({ ...common, by: z.enum(ANALYTICS_GROUPINGS).default('service') });
export type AnalyticsQuery = z.output<typeof AnalyticsQuery>;

export const OncallLoadQuery = z.strictObject({
  ...common,
  timezone: z
    .string()
    .default('UTC')
    .refine(isValidTimeZone, 'is not an IANA time zone (Europe/Berlin, America/Chicago, UTC)')
    .describe('for people without a time zone in the directory; default UTC'),
});
export type OncallLoadQuery = z.output<typeof OncallLoadQuery>;

/** How the figures were read: a sample of the newest incidents when more matched than the limit. */
export type Source = Omit<RecordSample, 'records'> & { note?: string };

export type AnalyticsAnswer = AnalyticsFigures & { window: string; source: Source };
export type OncallLoadAnswer = OncallLoad & { window: string; source: Source };

export async function analytics(
  scope: VisibilityScope,
  incidents: Pick<IncidentClient, 'getIncident'>,
  query: AnalyticsQuery,
  now = Date.now(),
): Promise<AnalyticsAnswer> {
  const since = now - query.window.ms;
  // Every run of an incident opened in the window started in it (continue-as-new starts later).
  const sample = await readRecords(scope, incidents, {}, [`StartTime >= "${new Date(since).toISOString()}"`], query.limit);
  return { window: query.window.text, ...incidentAnalytics(sample.records, query.by, since, now), source: sourceOf(sample) };
}

export async function oncallLoadReport(
  scope: VisibilityScope,
  incidents: Pick<IncidentClient, 'getIncident'>,
  config: Pick<Config, 'directory'>,
  query: OncallLoadQuery,
  now = Date.now(),
): Promise<OncallLoadAnswer> {
  const since = now - query.window.ms;
  // Pages in the window may belong to incidents opened before it: read those still open or closed since.
  const sample = await readRecords(scope, incidents, {}, [activeSince(new Date(since).toISOString())], query.limit);
  const zones = new Map(config.directory.users.flatMap((user) => (user.timezone ? [[user.id, user.timezone] as const] : [])));
  const load = oncallLoad(sample.records, since, now, (person) => zones.get(person), query.timezone);
  return { window: query.window.text, ...load, source: sourceOf(sample) };
}

function sourceOf(sample: RecordSample): Source {
  const { records: _records, ...source } = sample;
  const notes = [
    ...(sample.sampled
      ? [
          `${sample.matched} incidents matched; the figures come from the newest ${sample.limit} (raise limit, up to ${MAX_RECORD_READS}, or narrow the window)`,
        ]
      : []),
    ...(sample.unreadable > 0
      ? [`${sample.unreadable} incident(s) could not be read now (open ones need a running worker to answer)`]
      : []),
  ];
  return { ...source, ...(notes.length > 0 && { note: notes.join('; ') }) };
}
