import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './maintenance.routes.js';

type Handler<R extends RouteConfig> = RouteHandler<R, ApiEnv>;

export function maintenanceHandlers(deps: ApiDeps) {
  const book = deps.incidents.maintenance;

  const startMaintenance: Handler<typeof routes.startMaintenance> = async (c) => {
    const window = await book.start(c.req.valid('json'));
    deps.logger.info(
      { maintenance: window.name, by: window.by, token: c.get('actor'), until: window.to },
      `maintenance window ${window.name} opened by ${window.by} (${c.get('actor')}) until ${window.to}`,
    );
    return c.json(window, 201);
  };

  const listMaintenance: Handler<typeof routes.listMaintenance> = async (c) => c.json({ windows: await book.list() }, 200);

  const endMaintenance: Handler<typeof routes.endMaintenance> = async (c) => {
    const { name } = c.req.valid('param');
    const query = c.req.valid('query');
    const by = query.by ?? c.get('actor');
    const window = await book.end(name, by, query.reason);
    deps.logger.info(
      { maintenance: name, by, token: c.get('actor') },
      `maintenance window ${name} ended early by ${by} (${c.get('actor')})`,
    );
    return c.json(window, 200);
  };

  return { startMaintenance, listMaintenance, endMaintenance };
}
