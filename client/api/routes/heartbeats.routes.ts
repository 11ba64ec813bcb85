import { createRoute, z } from '@hono/zod-openapi';
import { HeartbeatName, HeartbeatPingAnswer, HeartbeatPingBody, HeartbeatStatus } from '../../../domain/heartbeat.js';
import { errorResponse } from '../schemas.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const bearer = [{ bearer: [] }];
const auth = {
  401: errorResponse('no or invalid bearer token'),
  403: errorResponse('the token lacks the scope'),
  429: errorResponse('this token is over api.rateLimit; retry after Retry-After'),
};

// Clones: the domain schemas were built before @hono/zod-openapi was imported (see schemas.ts).
const NameParam = z.object({
  name: HeartbeatName.clone().openapi({ param: { name: 'name', in: 'path' }, example: 'nightly-backup' }),
});
const StatusList = z.object({ heartbeats: z.array(HeartbeatStatus.clone().openapi('HeartbeatStatus')) }).openapi('HeartbeatList');

export const pingHeartbeat = createRoute({
  method: 'post',
  path: '/v1/heartbeats/{name}',
  tags: ['heartbeats'],
  summary: "Record a ping of a heartbeat (a dead-man's switch); the next ping after a miss resolves its incident",
  description:
    'Needs a token with the heartbeats:write scope. Answers as soon as the Temporal server has the ping, whether or not a worker runs; ' +
    'the body is optional (`curl -X POST -H "Authorization: Bearer $TOKEN" .../v1/heartbeats/nightly-backup`).',
  security: bearer,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: HeartbeatPingBody.clone().openapi('HeartbeatPing') } }, required: false },
  },
  responses: {
    202: json(HeartbeatPingAnswer.clone().openapi('HeartbeatPingAnswer'), 'the ping is recorded'),
    400: errorResponse('the name or the body is not valid; nothing was recorded'),
    404: errorResponse('the config has no heartbeat with this name (the answer lists the configured ones); nothing was recorded'),
    503: errorResponse('the Temporal server is unreachable or did not take the ping within 2 s; retry after Retry-After (pinging twice is harmless)'),
    ...auth,
  },
});

export const listHeartbeats = createRoute({
  method: 'get',
  path: '/v1/heartbeats',
  tags: ['heartbeats'],
  summary: 'Every heartbeat with its last ping, next deadline and state (healthy, late, missing, never-pinged)',
  description:
    "Read from each watch's memo on the Temporal server: answers while no worker runs (pings taken since then show once one runs).",
  security: bearer,
  responses: {
    200: json(StatusList, "the configured heartbeats and the engine's own (escalation-engine)"),
    503: errorResponse('the Temporal server is unreachable; retry after Retry-After'),
    ...auth,
  },
});
