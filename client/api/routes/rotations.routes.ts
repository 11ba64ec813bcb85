import { createRoute, z } from '@hono/zod-openapi';
import { LevelRotations } from '../../../domain/rotation-schema.js';
import { errorResponse } from '../schemas.js';

const RotationParams = z.object({
  policy: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'policy', in: 'path' }, example: 'production-critical' }),
  level: z.coerce
    .number()
    .int('must be a whole level number')
    .min(1, 'levels count from 1')
    .openapi({ param: { name: 'level', in: 'path' }, description: '1-based', example: 1 }),
});

export const levelRotation = createRoute({
  method: 'get',
  path: '/v1/policies/{policy}/levels/{level}/rotation',
  tags: ['policies'],
  summary: 'Whose turn it is on a round-robin level: its people, how many were paged, who went last and who is next',
  description:
    'A level with `notify: round-robin` has one rotation; a level that pages everyone has one per directory team with `notify: round-robin`. ' +
    'The turn lives in the rotation’s workflow (`rotation-<policy>-<level>`), shared by every incident and worker.',
  security: [{ bearer: [] }],
  request: { params: RotationParams },
  responses: {
    200: { content: { 'application/json': { schema: LevelRotations.clone().openapi('LevelRotations') } }, description: 'the rotations' },
    400: errorResponse('a bad level number'),
    401: errorResponse('no or invalid bearer token'),
    403: errorResponse('the token lacks the scope'),
    404: errorResponse('no such policy or level, or the level has no round robin'),
  },
});
