import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { processAlerts, type AlertmanagerPayload } from '../alerts.js';
import type { ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './integrations.routes.js';
import type { z } from '@hono/zod-openapi';

export function integrationHandlers(deps: ApiDeps) {
  /** 200 with every result; 503 with every result when some alerts must be sent again (safe: nothing counts twice). */
  const answer = async (c: Context<ApiEnv>, source: 'alertmanager' | 'grafana', payload: z.infer<typeof AlertmanagerPayload>) => {
    const { results, failed } = await processAlerts(deps, source, payload);
    if (failed === 0) return c.json({ results }, 200);
    const details = results.flatMap((r, index) =>
      r.action === 'failed' ? [{ path: `alerts[${index}]`, message: r.reason ?? 'failed' }] : [],
    );
    return c.json(
      {
        error: `${failed} of ${results.length} alerts could not be handled now; the others were. Send the delivery again: nothing counts twice`,
        details,
        results,
      },
      503,
      { 'Retry-After': '5' },
    );
  };
  const alertmanager: RouteHandler<typeof routes.alertmanager, ApiEnv> = (c) => answer(c, 'alertmanager', c.req.valid('json'));
  const grafana: RouteHandler<typeof routes.grafana, ApiEnv> = (c) => answer(c, 'grafana', c.req.valid('json'));
  return { alertmanager, grafana };
}
