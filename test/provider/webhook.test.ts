import { closedPort } from '../helpers/ports.js';
import { testIncident } from '../helpers/deliver.js';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, verifyWebhookSignature, type ActivityDeps, type WebhookPayload } from '../../activities/index.js';
import { Config } from '../../domain/config.js';
import type { DeliveryRequest, DeliveryResult, IncidentSnapshot } from '../../domain/delivery.js';
import type { IncidentState } from '../../domain/incident.js';

/**
 * The webhook provider against a real HTTP server on 127.0.0.1, run as the `deliver` activity in
 * MockActivityEnvironment (an activity context, no Temporal server needed).
 */

const NOW = Date.parse('2026-01-05T15:00:00Z');
const SECRET = 'whsec-test-only';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let received: Received[];
let handler: Handler;

beforeEach(async () => {
  received = [];
  handler = (_req, res) => res.writeHead(204).end();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(req, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/page?token=t0p-secret`;
});

afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function config(
  webhook: Record<string, unknown> = { secret: SECRET, timeout: '500ms', headers: { Authorization: 'Bearer receiver-token' } },
) {
  return Config.parse({ providers: { webhook }, policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }] });
}

const incident: IncidentSnapshot = testIncident({ id: 'db-down', labels: { region: 'eu-1' }, policy: 'p', timeline: [] });

function deliveryRequest(overrides: Partial<DeliveryRequest['delivery']> = {}): DeliveryRequest {
  return {
    idempotencyKey: 'incident-db-down/L1/R0/user:alice/webhook',
    kind: 'page',
    incident,
    level: 0,
    repeat: 0,
    delivery: { target: 'user:alice', channel: 'webhook', address: url, recipient: 'Alice Kim', ...overrides },
    uiUrl: 'http://localhost:8233/namespaces/default/workflows/incident-db-down',
  };
}

interface DeliverOptions {
  config?: Config;
  attempt?: number;
  logs?: LogEntry[];
  incidentState?: ActivityDeps['incidentState'];
  startToCloseTimeoutMs?: number;
  /** Called with the activity environment before it runs (to cancel it mid-way). */
  onEnv?: (env: MockActivityEnvironment) => void;
}

async function deliver(request: DeliveryRequest, options: DeliverOptions = {}): Promise<DeliveryResult> {
  const activities = createActivities({
    config: options.config ?? config(),
    now: () => NOW,
    version: '9.9.9',
    ...(options.incidentState && { incidentState: options.incidentState }),
  });
  const logger = new DefaultLogger('DEBUG', (entry) => options.logs?.push(entry));
  const env = new MockActivityEnvironment(
    {
      attempt: options.attempt ?? 1,
      ...(options.startToCloseTimeoutMs !== undefined && { startToCloseTimeoutMs: options.startToCloseTimeoutMs }),
    },
    { logger },
  );
  options.onEnv?.(env);
  return env.run(activities.deliver, request);
}

async function failure(request: DeliveryRequest, options: Parameters<typeof deliver>[1] = {}): Promise<ApplicationFailure> {
  const error = await deliver(request, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('a page that raced an answer', () => {
  it('is not sent when the incident was acknowledged while it was on its way, and says so', async () => {
    const asked: string[] = [];
    const result = await deliver(deliveryRequest(), {
      incidentState: (workflowId) => (asked.push(workflowId), Promise.resolve('ACKNOWLEDGED')),
    });
    expect(asked).toEqual(['incident-db-down']);
    expect(result).toEqual({
      status: 'skipped',
      reason: 'not sent: incident-db-down was ACKNOWLEDGED before this page went out',
      attempt: 1,
      at: '2026-01-05T15:00:00.000Z',
    });
    expect(received).toHaveLength(0);
  });

  it('is sent when the incident is still unanswered, or its state cannot be read in time (paging beats silence)', async () => {
    expect((await deliver(deliveryRequest(), { incidentState: () => Promise.resolve('ACTIVE') })).status).toBe('delivered');
    const logs: LogEntry[] = [];
    const unreadable = () => Promise.reject(new Error('deadline exceeded'));
    expect((await deliver(deliveryRequest(), { incidentState: unreadable, logs })).status).toBe('delivered');
    expect(received).toHaveLength(2);
    // The on-call engineer reading the worker's log sees why a page went out unchecked.
    const warning = logs.find((entry) => entry.level === 'WARN');
    expect(warning?.message).toContain('could not read whether the incident was answered; paging anyway');
    expect(warning?.meta).toMatchObject({ incidentWorkflowId: 'incident-db-down', problem: 'deadline exceeded' });
  });

  it('asks for at most a quarter of its attempt timeout (a state nobody can read still pages), and is not sent once cancelled', async () => {
    const asked: number[] = [];
    const result = await deliver(deliveryRequest(), {
      incidentState: (_workflowId, timeoutMs) => (asked.push(timeoutMs), Promise.resolve('ACTIVE')),
      startToCloseTimeoutMs: 2_000,
    });
    expect(result.status).toBe('delivered');
    expect(asked).toEqual([500]);
    let env: MockActivityEnvironment | undefined;
    const answeredMeanwhile = async (): Promise<IncidentState> => {
      env?.cancel();
      return 'ACTIVE';
    };
    const cancelled = await deliver(deliveryRequest(), { incidentState: answeredMeanwhile, onEnv: (e) => (env = e) }).catch(
      (e: unknown) => e,
    );
    expect(cancelled).toBeInstanceOf(CancelledFailure);
    expect(received).toHaveLength(1);
  });

  it('never holds back the announcement of the answer itself', async () => {
    const update = { ...deliveryRequest(), kind: 'update' as const, event: 'acknowledged' as const };
    const result = await deliver(update, { incidentState: () => Promise.resolve('ACKNOWLEDGED') });
    expect(result.status).toBe('delivered');
    expect(received).toHaveLength(1);
  });
});

describe('webhook provider', () => {
  it('posts the incident as signed JSON with the idempotency key and reports it delivered', async () => {
    const result = await deliver(deliveryRequest(), { attempt: 2 });

    expect(result).toEqual({ status: 'delivered', attempt: 2, at: '2026-01-05T15:00:00.000Z' });
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received as [Received];
    expect(headers['content-type']).toBe('application/json');
    expect(headers['idempotency-key']).toBe('incident-db-down/L1/R0/user:alice/webhook');
    expect(headers['user-agent']).toBe('escalation-engine/9.9.9');
    expect(headers['x-escalation-event']).toBe('incident.page');
    expect(headers['authorization']).toBe('Bearer receiver-token');
    expect(JSON.parse(body) as WebhookPayload).toEqual({
      event: 'incident.page',
      idempotencyKey: 'incident-db-down/L1/R0/user:alice/webhook',
      incident,
      level: 1,
      repeat: 0,
      target: 'user:alice',
      recipient: 'Alice Kim',
      uiUrl: 'http://localhost:8233/namespaces/default/workflows/incident-db-down',
      sentAt: '2026-01-05T15:00:00.000Z',
    });
  });

  it('signs the raw body so a receiver holding the secret can verify it', async () => {
    await deliver(deliveryRequest());
    const [{ headers, body }] = received as [Received];
    const timestamp = headers['x-escalation-timestamp'] as string;
    const signature = headers['x-escalation-signature'] as string;

    expect(timestamp).toBe(String(NOW / 1000));
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, timestamp, body, signature, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature('another-secret', timestamp, body, signature, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, body.replace('critical', 'info'), signature, { now: NOW })).toBe(false);
    // A captured request replayed an hour later is refused.
    expect(verifyWebhookSignature(SECRET, timestamp, body, signature, { now: NOW + 3_600_000 })).toBe(false);
  });

  it('sends no signature headers when no secret is configured', async () => {
    await deliver(deliveryRequest(), { config: config({}) });
    const [{ headers }] = received as [Received];
    expect(headers['x-escalation-signature']).toBeUndefined();
    expect(headers['x-escalation-timestamp']).toBeUndefined();
    expect(headers['idempotency-key']).toBe('incident-db-down/L1/R0/user:alice/webhook');
  });

  it('marks repeats as incident.repeat', async () => {
    await deliver({ ...deliveryRequest(), kind: 'repeat', repeat: 2 });
    const [{ headers, body }] = received as [Received];
    expect(headers['x-escalation-event']).toBe('incident.repeat');
    expect(JSON.parse(body)).toMatchObject({ event: 'incident.repeat', repeat: 2 });
  });

  it('retries a 500 as ProviderUnavailable, with the attempt and status in its details', async () => {
    handler = (_req, res) => res.writeHead(500).end('database is locked');
    const error = await failure(deliveryRequest(), { attempt: 3 });

    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
    expect(error.details).toEqual([{ attempt: 3, channel: 'webhook', status: 500 }]);
    expect(error.message).toContain('incident-db-down');
    expect(error.message).toContain('500 Internal Server Error (database is locked)');
    expect(error.message).not.toContain('t0p-secret');
  });

  it('retries a 429 after the Retry-After seconds as ProviderRateLimited', async () => {
    handler = (_req, res) => res.writeHead(429, { 'Retry-After': '7' }).end();
    const error = await failure(deliveryRequest());

    expect(error.type).toBe('ProviderRateLimited');
    expect(error.nonRetryable).toBe(false);
    expect(error.nextRetryDelay).toBe(7_000);
    expect(error.details).toEqual([{ attempt: 1, channel: 'webhook', status: 429 }]);
    expect(error.message).toContain('retrying in 7s');
  });

  it('reads a Retry-After HTTP date and caps long waits at ten minutes', async () => {
    handler = (_req, res) => res.writeHead(503, { 'Retry-After': new Date(NOW + 30_000).toUTCString() }).end();
    expect((await failure(deliveryRequest())).nextRetryDelay).toBe(30_000);

    handler = (_req, res) => res.writeHead(429, { 'Retry-After': '3600' }).end();
    const capped = await failure(deliveryRequest());
    expect(capped.nextRetryDelay).toBe(600_000);
    expect(capped.message).toContain('it asked for 1h');
  });

  it('does not retry a 404: ProviderRejected, telling the engineer to check the url', async () => {
    handler = (_req, res) => res.writeHead(404).end('no such hook');
    const error = await failure(deliveryRequest());

    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.details).toEqual([{ attempt: 1, channel: 'webhook', status: 404 }]);
    expect(error.message).toMatch(/^webhook refused incident-db-down: http:\/\/127\.0\.0\.1:\d+\/hooks\/page answered 404 Not Found/);
    expect(error.message).toContain('check the url');
    expect(error.message).toContain('escalation.yaml');
  });

  it('retries a 408 as ProviderUnavailable', async () => {
    handler = (_req, res) => res.writeHead(408).end();
    const error = await failure(deliveryRequest());
    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
  });

  it('retries a refused connection as ProviderUnavailable', async () => {
    const port = await closedPort();

    const error = await failure(deliveryRequest({ address: `http://127.0.0.1:${port}/hook` }), { attempt: 2 });
    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
    expect(error.details).toEqual([{ attempt: 2, channel: 'webhook' }]);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('incident-db-down');
  });

  it('gives up on a receiver slower than the configured timeout and retries', async () => {
    handler = (_req, res) => {
      setTimeout(() => res.writeHead(204).end(), 3_000).unref();
    };
    const started = Date.now();
    const error = await failure(deliveryRequest());

    expect(Date.now() - started).toBeLessThan(2_500);
    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
    expect(error.message).toContain('did not answer within 500ms');
    expect(error.message).toContain('providers.webhook.timeout');
  });

  it('ends as cancelled, not failed, when the activity is cancelled mid-request', async () => {
    handler = () => undefined;
    const activities = createActivities({ config: config({ timeout: '10s' }), now: () => NOW });
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN', () => undefined) });
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const running = env.run(activities.deliver, deliveryRequest());
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // Temporal only passes a cancellation on in reply to a heartbeat: a request still hanging a
    // second in beats (and not before: one answered sooner has nothing left to stop).
    expect(heartbeats).toBe(0);
    while (heartbeats === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });
});

describe('deliver on other channels', () => {
  it('writes one structured line through the activity logger for the log channel', async () => {
    const logs: LogEntry[] = [];
    const result = await deliver(deliveryRequest({ channel: 'log', address: 'default', target: 'log:default' }), { logs });

    expect(result.status).toBe('delivered');
    const page = logs.filter((entry) => entry.meta?.['event'] === 'incident.page');
    expect(page).toHaveLength(1);
    expect(page[0]?.level).toBe('INFO');
    expect(page[0]?.message).toContain('incident-db-down');
    expect(page[0]?.meta).toMatchObject({
      incidentWorkflowId: 'incident-db-down',
      level: 1,
      repeat: 0,
      target: 'log:default',
      recipient: 'Alice Kim',
      address: 'default',
      summary: 'primary database is down',
      severity: 'critical',
      idempotencyKey: 'incident-db-down/L1/R0/user:alice/webhook',
    });
  });

  it('refuses a channel with no provider without retrying, saying what to configure', async () => {
    const error = await failure(deliveryRequest({ channel: 'slack', address: 'U-ALICE' }));

    expect(error.type).toBe('ProviderNotConfigured');
    expect(error.nonRetryable).toBe(true);
    expect(error.details).toEqual([{ attempt: 1, channel: 'slack' }]);
    expect(error.message).toContain('incident-db-down');
    expect(error.message).toContain('slack');
    expect(error.message).toContain('escalation.yaml');
  });
});
