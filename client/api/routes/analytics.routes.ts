import { createRoute, z } from '@hono/zod-openapi';
import { AnalyticsQuery, OncallLoadQuery } from '../../analytics.js';
import { HealthQuery } from '../../health.js';
import { IncidentFilter } from '../../visibility.js';
import { AnalyticsSchema, OncallLoadSchema, ServiceHealthSchema } from '../analytics-schemas.js';
import { errorResponse } from '../schemas.js';

const bearer = [{ bearer: [] }];
const auth = { 401: errorResponse('no or invalid bearer token'), 403: errorResponse('the token lacks the scope') };
const ServiceParam = z.object({
  service: IncidentFilter.shape.service
    .unwrap()
    .clone()
    .openapi({ param: { name: 'service', in: 'path' }, example: 'checkout' }),
});
const jsonOrCsv = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema }, 'text/csv': { schema: z.string() } },
  description,
});

export const analytics = createRoute({
  method: 'get',
  path: '/v1/analytics',
  tags: ['analytics'],
  summary: 'Incidents, MTTA and MTTR p50/p90, escalations, unreached levels and SLA breaches by service, policy or responder',
  description:
    'Measured from the incident records (right across continue-as-new) of incidents opened within the window. ' +
    'Reads at most `limit` records, newest first; `source` says how many matched and were read.',
  security: bearer,
  request: { query: AnalyticsQuery },
  responses: { 200: jsonOrCsv(AnalyticsSchema, 'the figures (CSV with format=csv)'), 400: errorResponse('a bad query'), ...auth },
});

export const oncallLoad = createRoute({
  method: 'get',
  path: '/v1/analytics/oncall-load',
  tags: ['analytics'],
  summary: 'Pages per person per ISO week, split into business hours, off hours and night',
  description:
    "Bands in the person's time zone (the directory's, else `timezone`): night 22:00–07:00 any day, business hours Mon–Fri 09:00–18:00, off hours the rest.",
  security: bearer,
  request: { query: OncallLoadQuery },
  responses: { 200: jsonOrCsv(OncallLoadSchema, 'the load (CSV with format=csv)'), 400: errorResponse('a bad query'), ...auth },
});

export const serviceHealth = createRoute({
  method: 'get',
  path: '/v1/services/{service}/health',
  tags: ['analytics'],
  summary: "A service's health: a 0–100 score, its band and an hourly (window up to 48h) or daily trend",
  description:
    'score = 100 − open incidents by severity (≤ 40) − MTTA against the SLA (≤ 20) − MTTR against the SLA (≤ 20) − 5 per SLA breach (≤ 20); ' +
    'bands: 90+ excellent, 75+ good, 60+ fair, 40+ poor, below critical. README "Service health" has the formula and worked examples.',
  security: bearer,
  request: { params: ServiceParam, query: HealthQuery },
  responses: {
    200: { content: { 'application/json': { schema: ServiceHealthSchema } }, description: 'the score' },
    400: errorResponse('a bad service name or window'),
    ...auth,
  },
});
