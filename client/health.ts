import { z } from 'zod';
import type { Config } from '../domain/config.js';
import { SEVERITIES, type Severity } from '../domain/severity.js';
import { DEFAULT_SLA_TARGETS, serviceHealth, type ServiceHealth, type SlaTargets } from '../domain/service-health.js';
import type { IncidentClient } from './incidents.js';
import { activeSince, MAX_RECORD_READS, readRecords } from './records.js';
import { windowParam } from './stats.js';
import type { VisibilityScope } from './visibility.js';
import type { Source } from './analytics.js';

/** `GET /v1/services/{service}/health`: the service's records read here, the score in domain/service-health.ts. */
export const HealthQuery = z.strictObject({
  window: windowParam('7d'),
  limit: z.coerce.number().int().min(1).max(MAX_RECORD_READS).default(500),
});
export type HealthQuery = z.output<typeof HealthQuery>;

export type HealthAnswer = ServiceHealth & {
  service: string;
  window: string;
  since: string;
  until: string;
  /** The SLA targets scored against, in seconds, and whether they came from the config's `slas`. */
  slas: { from: 'config' | 'defaults'; targets: Record<Severity, { respondWithinSeconds: number; resolveWithinSeconds: number }> };
  source: Source;
};

export async function serviceHealthReport(
  scope: VisibilityScope,
  incidents: Pick<IncidentClient, 'getIncident'>,
  config: Pick<Config, 'slas'>,
  service: string,
  query: HealthQuery,
  now = Date.now(),
): Promise<HealthAnswer> {
  const since = now - query.window.ms;
  const sample = await readRecords(scope, incidents, { service }, [activeSince(new Date(since).toISOString())], query.limit);
  const { targets, fromConfig } = slaTargets(config);
  const { records: _records, ...source } = sample;
  return {
    service,
    window: query.window.text,
    since: new Date(since).toISOString(),
    until: new Date(now).toISOString(),
    ...serviceHealth(sample.records, targets, since, now),
    slas: {
      from: fromConfig ? 'config' : 'defaults',
      targets: Object.fromEntries(
        SEVERITIES.map((s) => [
          s,
          { respondWithinSeconds: targets[s].respondWithinMs / 1000, resolveWithinSeconds: targets[s].resolveWithinMs / 1000 },
        ]),
      ) as HealthAnswer['slas']['targets'],
    },
    source: {
      ...source,
      ...(sample.sampled && { note: `${sample.matched} incidents matched; the score comes from the newest ${sample.limit}` }),
    },
  };
}

/** The config's `slas` (a severity or a target it does not set keeps DEFAULT_SLA_TARGETS). */
export function slaTargets(config: Pick<Config, 'slas'>): { targets: SlaTargets; fromConfig: boolean } {
  if (!config.slas) return { targets: DEFAULT_SLA_TARGETS, fromConfig: false };
  const targets = { ...DEFAULT_SLA_TARGETS };
  for (const severity of SEVERITIES) {
    const set = config.slas[severity];
    if (!set) continue;
    const base = DEFAULT_SLA_TARGETS[severity];
    targets[severity] = {
      respondWithinMs: set.respondWithin ?? base.respondWithinMs,
      resolveWithinMs: set.resolveWithin ?? base.resolveWithinMs,
    };
  }
  return { targets, fromConfig: true };
}
