import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import { analyticsCsv } from '../../../domain/analytics.js';
import { oncallLoadCsv } from '../../../domain/oncall-load.js';
import { analytics as readAnalytics, oncallLoadReport } from '../../analytics.js';
import { serviceHealthReport } from '../../health.js';
import type { ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './analytics.routes.js';

type Handler<R extends RouteConfig> = RouteHandler<R, ApiEnv>;
const CSV = { 'content-type': 'text/csv; charset=utf-8' };

export function analyticsHandlers(deps: ApiDeps) {
  const analytics: Handler<typeof routes.analytics> = async (c) => {
    const query = c.req.valid('query');
    const answer = await readAnalytics(deps.scope, deps.incidents, query, deps.now());
    if (query.format === 'csv') return c.text(analyticsCsv(answer), 200, CSV);
    return c.json(answer, 200);
  };

  const oncallLoad: Handler<typeof routes.oncallLoad> = async (c) => {
    const query = c.req.valid('query');
    const answer = await oncallLoadReport(deps.scope, deps.incidents, deps.config, query, deps.now());
    if (query.format === 'csv') return c.text(oncallLoadCsv(answer), 200, CSV);
    return c.json(answer, 200);
  };

  const serviceHealth: Handler<typeof routes.serviceHealth> = async (c) => {
    const answer = await serviceHealthReport(
      deps.scope,
      deps.incidents,
      deps.config,
      c.req.valid('param').service,
      c.req.valid('query'),
      deps.now(),
    );
    return c.json(answer, 200);
  };

  return { analytics, oncallLoad, serviceHealth };
}
