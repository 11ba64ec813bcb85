import { Validator } from '@seriousme/openapi-schema-validator';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApi } from '../../client/api/app.js';
import { HeartbeatClient } from '../../client/heartbeats.js';
import { IncidentClient } from '../../client/incidents.js';
import { Config } from '../../domain/config.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('GET /healthz', () => {
  it('answers 200 when Temporal answers', async () => {
    stack = await startApiStack();
    const answer = await stack.call('GET', '/healthz', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', temporal: { reachable: true } });
  });

  it('answers 503 with the reason when Temporal is unreachable', async () => {
    const connection = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const client = new Client({ connection, namespace: 'default' });
    const config = Config.parse({ policies: [{ name: 'p', levels: [{ targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/' }] }] }] });
    const app = createApi({ incidents: new IncidentClient({ client, config }), config, logger: pino({ level: 'silent' }) });
    const answer = await app.request('/healthz');
    expect(answer.status).toBe(503);
    const body = (await answer.json()) as { status: string; temporal: { reason: string } };
    expect(body.status).toBe('unavailable');
    expect(body.temporal.reason.length).toBeGreaterThan(0);
    await connection.close().catch(() => undefined);
  });
});

describe('POST /v1/incidents with the Temporal server away', () => {
  it('answers 503 with Retry-After once its deadline passes, rather than hanging on reconnects', async () => {
    const connection = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const client = new Client({ connection, namespace: 'default' });
    const config = Config.parse({
      api: { tokens: [{ name: 'ci', token: 'server-away-token-0001', scopes: ['incidents:write'] }] },
      policies: [{ name: 'p', levels: [{ targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/' }] }] }],
    });
    const incidents = new IncidentClient({ client, config, acceptTimeoutMs: 500 });
    const app = createApi({ incidents, config, logger: pino({ level: 'silent' }) });
    const answer = await app.request('/v1/incidents', {
      method: 'POST',
      headers: { authorization: 'Bearer server-away-token-0001', 'content-type': 'application/json' },
      body: JSON.stringify({ summary: 'server away', severity: 'critical', key: 'server-away' }),
    });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('2');
    const body = (await answer.json()) as { error: string };
    expect(body.error).toContain('unreachable or did not answer in time');
    // Not closed: after a call ran out of its deadline, the SDK's retry interceptor may still hold a
    // retry timer that throws "Channel has been shut down" if it fires after close(). Nothing
    // listens on port 1, so the idle channel goes with the test worker.
  });
});

describe('POST /v1/heartbeats/{name} with the Temporal server away', () => {
  it('answers 503 with Retry-After once its deadline passes, so a cron job can retry instead of hanging', async () => {
    const connection = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const client = new Client({ connection, namespace: 'default' });
    const config = Config.parse({
      api: { tokens: [{ name: 'cron', token: 'server-away-heartbeat-token-01', scopes: ['heartbeats:write', 'incidents:read'] }] },
      policies: [{ name: 'p', levels: [{ targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/' }] }] }],
      heartbeats: [{ name: 'nightly-backup', every: '24h', grace: '1h' }],
    });
    const app = createApi({ incidents: new IncidentClient({ client, config }), config, logger: pino({ level: 'silent' }) });
    const headers = { authorization: 'Bearer server-away-heartbeat-token-01' };
    const ping = await app.request('/v1/heartbeats/nightly-backup', { method: 'POST', headers });
    expect(ping.status).toBe(503);
    expect(ping.headers.get('retry-after')).toBe('2');
    expect(((await ping.json()) as { error: string }).error).toContain('unreachable or did not answer in time');
    const list = await app.request('/v1/heartbeats', { headers });
    expect(list.status).toBe(503);
    // The deadline ends the wait, not the SDK's reconnects giving up (UNAVAILABLE) some time later.
    const heartbeats = new HeartbeatClient({ client, config, taskQueue: 'server-away', deadlineMs: 300 });
    expect(grpcCode(await heartbeats.ping('nightly-backup', 'cron').catch((e: unknown) => e))).toBe(4); // DEADLINE_EXCEEDED
    expect(grpcCode(await heartbeats.list().catch((e: unknown) => e))).toBe(4);
    // Not closed: after a call ran out of its deadline, the SDK's retry interceptor may still hold a
    // retry timer that throws "Channel has been shut down" if it fires after close(). Nothing
    // listens on port 1, so the idle channel goes with the test worker.
  });
});

/** The gRPC status code under the SDK's wrapping (ServiceError → cause), if any. */
function grpcCode(error: unknown): number | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('counts incidents started, moves by outcome and request latency by route', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'metrics', severity: 'critical', key: 'metrics-a' } });
    await stack.call('POST', '/v1/incidents/metrics-a/resolve', { body: { by: 'dana' } });
    await stack.call('POST', '/v1/incidents/metrics-a/acknowledge', { body: { by: 'dana' } });
    const answer = await stack.call('GET', '/metrics', { token: null });
    expect(answer.status).toBe(200);
    const text = String(answer.body);
    expect(text).toContain('escalation_incidents_started_total{source="api",outcome="created"} 1');
    expect(text).toContain('escalation_incident_moves_total{operation="resolve",outcome="ok"} 1');
    expect(text).toContain('escalation_incident_moves_total{operation="acknowledge",outcome="refused"} 1');
    expect(text).toMatch(
      /escalation_api_request_duration_seconds_count\{method="POST",route="\/v1\/incidents\/:id\/resolve",status="200"\} 1/,
    );
  });
});

// Beyond the schema: every route present, and every $ref and path parameter resolves.
const Operation = z.object({
  responses: z
    .record(z.string().regex(/^([1-5]\d\d|default)$/), z.object({ description: z.string().min(1) }))
    .refine((r) => Object.keys(r).length > 0),
  parameters: z
    .array(z.object({ name: z.string(), in: z.enum(['path', 'query', 'header', 'cookie']), required: z.boolean().optional() }))
    .optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});
const OpenApi31 = z.object({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.object({ title: z.string().min(1), version: z.string().min(1) }),
  paths: z.record(z.string().startsWith('/'), z.partialRecord(z.enum(['get', 'post', 'put', 'patch', 'delete']), Operation)),
  components: z.object({
    schemas: z.record(z.string(), z.unknown()),
    securitySchemes: z.record(z.string(), z.object({ type: z.string() })),
  }),
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route, generated from the zod schemas', async () => {
    stack = await startApiStack();
    const answer = await stack.call('GET', '/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    // The official OpenAPI 3.1 JSON schema first, then the structure this API promises.
    const verdict = await new Validator().validate(answer.body as Record<string, unknown>);
    expect(verdict.errors, JSON.stringify(verdict.errors)).toBeUndefined();
    expect(verdict.valid).toBe(true);
    expect(Validator.supportedVersions.has('3.1')).toBe(true);
    const doc = OpenApi31.parse(answer.body);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/metrics',
        '/v1/act/{token}',
        '/v1/admin/reload',
        '/v1/analytics',
        '/v1/analytics/oncall-load',
        '/v1/chat/slack/commands',
        '/v1/chat/slack/interactions',
        '/v1/heartbeats',
        '/v1/heartbeats/{name}',
        '/v1/incidents',
        '/v1/incidents/{id}',
        '/v1/incidents/{id}/acknowledge',
        '/v1/incidents/{id}/annotate',
        '/v1/incidents/{id}/cancel',
        '/v1/incidents/{id}/escalate',
        '/v1/incidents/{id}/reassign',
        '/v1/incidents/{id}/resolve',
        '/v1/incidents/{id}/snooze',
        '/v1/incidents/{id}/status',
        '/v1/incidents/{id}/unacknowledge',
        '/v1/integrations/alertmanager',
        '/v1/integrations/grafana',
        '/v1/integrations/twilio/sms',
        '/v1/integrations/twilio/status',
        '/v1/integrations/twilio/voice',
        '/v1/integrations/twilio/voice/answer',
        '/v1/policies/{policy}/levels/{level}/rotation',
        '/v1/maintenance',
        '/v1/maintenance/{name}',
        '/v1/services/{service}/health',
        '/v1/stats',
      ].sort(),
    );
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const operation of Object.values(item).filter((o) => o !== undefined)) {
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          expect(
            operation.parameters?.some((p) => p.in === 'path' && p.name === name && p.required === true),
            `${path} declares ${name}`,
          ).toBe(true);
        }
        for (const requirement of operation.security ?? [])
          for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
      }
    }
    const refs = [...JSON.stringify(answer.body).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas, `$ref ${ref}`).toHaveProperty(ref);
    const body = (answer.body.paths['/v1/incidents'].post.requestBody.content['application/json'].schema as { $ref: string }).$ref;
    expect(body).toBe('#/components/schemas/IncidentInput');
    expect(answer.body.components.schemas.IncidentInput.required).toEqual(expect.arrayContaining(['summary', 'severity']));
    void TOKENS;
  });
});
