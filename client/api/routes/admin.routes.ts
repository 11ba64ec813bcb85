import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../schemas.js';

export const ReloadAnswer = z
  .object({
    reloaded: z.literal(true),
    file: z.string(),
    generation: z.number().int().openapi({ description: 'counts config loads in this process: 1 at start, +1 per reload' }),
    policies: z.array(z.object({ name: z.string(), version: z.string() })),
  })
  .openapi('ReloadAnswer');

export const reload = createRoute({
  method: 'post',
  path: '/v1/admin/reload',
  tags: ['admin'],
  summary: 'Re-read the config file: new incidents use it, running incidents keep their policy snapshot',
  description:
    'The whole file is validated first; a bad file is refused (422, one detail per field) and the config in force stays. ' +
    'Reloads this API process only: workers reload on SIGHUP (kill -HUP <pid>).',
  security: [{ bearer: [] }],
  responses: {
    200: { content: { 'application/json': { schema: ReloadAnswer } }, description: 'the new config is in force' },
    401: errorResponse('no or invalid bearer token'),
    403: errorResponse('the token lacks the admin scope'),
    429: errorResponse('this token is over api.rateLimit; retry after Retry-After'),
    409: errorResponse('this API was not started from a config file, so there is nothing to re-read'),
    422: errorResponse('the file is not a valid config; the previous config stays in force'),
  },
});
