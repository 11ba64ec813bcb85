import { z } from '@hono/zod-openapi';

/** Answers of the analytics, on-call load and service health routes, for the OpenAPI document. */
const Percentiles = z.object({ count: z.number().int(), p50Seconds: z.number().optional(), p90Seconds: z.number().optional() });

export const SourceSchema = z
  .object({
    matched: z.number().int().openapi({ description: 'incidents the visibility query matched' }),
    read: z.number().int().openapi({ description: 'incident records read (the figures come from these)' }),
    unreadable: z.number().int(),
    limit: z.number().int(),
    sampled: z.boolean().openapi({ description: 'true: more matched than the limit; the newest were read' }),
    note: z.string().optional(),
  })
  .openapi('AnalyticsSource');

const GroupFigures = z.object({
  group: z.string(),
  incidents: z.number().int(),
  acknowledged: z.number().int(),
  resolved: z.number().int(),
  mtta: Percentiles,
  mttr: Percentiles,
  escalationsPerIncident: z.number(),
  unreachedLevels: z.number().int(),
  slaBreaches: z.number().int(),
});

export const AnalyticsSchema = z
  .object({
    window: z.string(),
    by: z.enum(['service', 'policy', 'responder']),
    since: z.string(),
    until: z.string(),
    total: GroupFigures,
    groups: z.array(GroupFigures),
    source: SourceSchema,
  })
  .openapi('Analytics');

const Counts = { pages: z.number().int(), businessHours: z.number().int(), offHours: z.number().int(), night: z.number().int() };
export const OncallLoadSchema = z
  .object({
    window: z.string(),
    since: z.string(),
    until: z.string(),
    people: z.array(
      z.object({ person: z.string(), timezone: z.string(), ...Counts, weeks: z.array(z.object({ week: z.string(), ...Counts })) }),
    ),
    source: SourceSchema,
  })
  .openapi('OncallLoad');

const Score = {
  score: z.number().int(),
  band: z.enum(['excellent', 'good', 'fair', 'poor', 'critical']),
  penalties: z.object({ open: z.number(), respond: z.number(), resolve: z.number(), breaches: z.number() }),
};
export const ServiceHealthSchema = z
  .object({
    service: z.string(),
    window: z.string(),
    since: z.string(),
    until: z.string(),
    ...Score,
    inputs: z.object({
      openBySeverity: z.record(z.string(), z.number().int()),
      respondRatio: z.number().optional(),
      resolveRatio: z.number().optional(),
      breaches: z.number().int(),
    }),
    trend: z.array(z.object({ at: z.string(), ...Score })),
    slas: z.object({
      from: z.enum(['config', 'defaults']),
      targets: z.record(z.string(), z.object({ respondWithinSeconds: z.number(), resolveWithinSeconds: z.number() })),
    }),
    source: SourceSchema,
  })
  .openapi('ServiceHealth');
