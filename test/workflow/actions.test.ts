import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Automated responses (issue 14): a level's HTTP actions run beside (or instead of) its pages, each
// with its own attempts and idempotency key, recorded in actions[] and on the timeline, and a
// failing one never holds up paging. The automation peer stands in for a runbook service.
let automation: WebhookPeer;
let humans: WebhookPeer;
let stack: Stack | undefined;

beforeEach(async () => {
  [automation, humans] = await Promise.all([startWebhookPeer(), startWebhookPeer()]);
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await Promise.all([automation.close(), humans.close()]);
});

const policy = (actionUrl: string, extra: Record<string, unknown> = {}) => ({
  name: 'self-healing',
  levels: [
    {
      actions: [
        {
          name: 'restart-checkout',
          http: {
            url: actionUrl,
            headers: { authorization: 'Bearer runbook-token' },
            body: { service: '{{ incident.service }}', incident: '{{ incident.id }}' },
          },
          timeout: '2s',
          maxAttempts: 2,
          ...extra,
        },
      ],
    },
    { delay: '3s', targets: [{ type: 'webhook', url: `${humans.url}?level=2` }] },
  ],
});

describe('automated responses', () => {
  it('runs the action, and no human is paged when it clears the alert before the next level', async () => {
    stack = await startStack({ policies: [policy(`${automation.url}/restart`)] });
    const current = stack;
    // The runbook restarts the service, which then resolves its own alert.
    automation.respondWith(() => {
      void current.incidents.resolve('healed', 'runbook', 'checkout restarted').catch(() => undefined);
      return { status: 200 };
    });
    await stack.incidents.startIncident({ summary: 'checkout 5xx', severity: 'critical', service: 'checkout', key: 'healed' });

    const record = await stack.waitForRecord('healed', (r) => r.state === 'RESOLVED' && r.actions?.[0]?.status === 'succeeded');
    expect(record.actions?.[0]).toMatchObject({ name: 'restart-checkout', level: 1, status: 'succeeded', httpStatus: 200, attempt: 1 });
    const call = automation.received[0];
    expect(call?.headers['authorization']).toBe('Bearer runbook-token');
    expect(call?.headers['idempotency-key']).toBe(record.actions?.[0]?.idempotencyKey);
    expect(JSON.parse(call?.rawBody ?? '{}')).toEqual({ service: 'checkout', incident: 'incident-healed' });
    expect(record.timeline.some((e) => e.reason?.startsWith('action restart-checkout succeeded: HTTP 200'))).toBe(true);
    await new Promise((r) => setTimeout(r, 3_500));
    expect(humans.received).toEqual([]);
  });

  it('records a failing action with its attempts, and the next level still pages on time', async () => {
    stack = await startStack({ policies: [policy(`${automation.url}/restart`)] });
    automation.respondWith(() => ({ status: 503 }));
    await stack.incidents.startIncident({ summary: 'checkout 5xx', severity: 'critical', service: 'checkout', key: 'unhealed' });

    const record = await stack.waitForRecord(
      'unhealed',
      (r) => r.actions?.[0]?.status === 'failed' && r.notifications.some((n) => n.level === 2 && n.status === 'delivered'),
    );
    expect(record.actions?.[0]).toMatchObject({ status: 'failed', attempt: 2 });
    expect(record.actions?.[0]?.error).toMatch(/action restart-checkout for incident-unhealed .* answered 503/);
    expect(humans.received.map((r) => new URL(r.path, 'http://peer').searchParams.get('level'))).toEqual(['2']);
    expect(record.unreachedLevels).toBeUndefined();
  });

  it('does not retry an action its endpoint refuses (4xx)', async () => {
    stack = await startStack({ policies: [policy(`${automation.url}/restart`, { maxAttempts: 3 })] });
    automation.respondWith(() => ({ status: 403 }));
    await stack.incidents.startIncident({ summary: 'checkout 5xx', severity: 'critical', service: 'checkout', key: 'refused-action' });
    const record = await stack.waitForRecord('refused-action', (r) => r.actions?.[0]?.status === 'failed');
    expect(record.actions?.[0]).toMatchObject({ attempt: 1 });
    expect(record.actions?.[0]?.error).toContain('not retried');
  });
});
