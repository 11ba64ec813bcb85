import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import { levelRotations, RotationNotFoundError } from '../../rotations.js';
import type { ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import { errorBody } from '../errors.js';
import type * as routes from './rotations.routes.js';

type Handler<R extends RouteConfig> = RouteHandler<R, ApiEnv>;

export function rotationHandlers(deps: ApiDeps) {
  const levelRotation: Handler<typeof routes.levelRotation> = async (c) => {
    const { policy, level } = c.req.valid('param');
    try {
      return c.json(await levelRotations(deps.incidents.temporal, deps.config, policy, level), 200);
    } catch (error) {
      if (!(error instanceof RotationNotFoundError)) throw error;
      return c.json(errorBody(error.message, [{ path: error.field, message: error.message }]), 404);
    }
  };
  return { levelRotation };
}
