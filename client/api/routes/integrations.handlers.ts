import type { RouteHandler } from '@hono/zod-openapi';
import { processAlerts } from '../alerts.js';
import type { ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './integrations.routes.js';

export function integrationHandlers(deps: ApiDeps) {
  const alertmanager: RouteHandler<typeof routes.alertmanager, ApiEnv> = async (c) => {
    return c.json({ results: await processAlerts(deps, 'alertmanager', c.req.valid('json')) }, 200);
  };
  const grafana: RouteHandler<typeof routes.grafana, ApiEnv> = async (c) => {
    return c.json({ results: await processAlerts(deps, 'grafana', c.req.valid('json')) }, 200);
  };
  return { alertmanager, grafana };
}
