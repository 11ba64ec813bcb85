import { createRoute, z } from '@hono/zod-openapi';

export const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    temporal: z.object({ namespace: z.string(), reachable: z.boolean(), reason: z.string().optional() }),
  })
  .openapi('Health');

export const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['system'],
  summary: 'Is Temporal reachable (the namespace answers within 2 seconds)?',
  responses: {
    200: { content: { 'application/json': { schema: Health } }, description: 'ready' },
    503: { content: { 'application/json': { schema: Health } }, description: 'Temporal is unreachable: the reason says why' },
  },
});

export const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['system'],
  summary: 'Prometheus metrics of the API process',
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text exposition format' } },
});
