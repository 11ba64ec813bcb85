import type { RouteHandler } from '@hono/zod-openapi';
import { HeartbeatClient, HeartbeatNotFoundError } from '../../heartbeats.js';
import type { ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import { errorBody } from '../errors.js';
import type * as routes from './heartbeats.routes.js';

export function heartbeatHandlers(deps: ApiDeps) {
  // Per request: the config in force (after reloads) says which heartbeats exist.
  const heartbeats = () => new HeartbeatClient({ client: deps.scope.client, config: deps.config, taskQueue: deps.incidents.taskQueue });

  const pingHeartbeat: RouteHandler<typeof routes.pingHeartbeat, ApiEnv> = async (c) => {
    const { name } = c.req.valid('param');
    // The body is optional: a cron job's bare POST is a ping. A JSON body was validated by the route.
    const body = c.req.header('content-type')?.includes('json') ? (c.req.valid('json') as { note?: string } | undefined) : undefined;
    const note = body?.note || undefined;
    try {
      return c.json(await heartbeats().ping(name, c.get('actor'), note), 202);
    } catch (error) {
      if (!(error instanceof HeartbeatNotFoundError)) throw error;
      return c.json(errorBody(error.message, [{ path: 'name', message: `configured: ${error.configured.join(', ') || 'none'}` }]), 404);
    }
  };

  const listHeartbeats: RouteHandler<typeof routes.listHeartbeats, ApiEnv> = async (c) => {
    return c.json({ heartbeats: await heartbeats().list() }, 200);
  };

  return { pingHeartbeat, listHeartbeats };
}
