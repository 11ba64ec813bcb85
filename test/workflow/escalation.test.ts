import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Walking the policy on the real dev server, with millisecond delays.
let peer: WebhookPeer;
let stack: Stack | undefined;

beforeEach(async () => {
  peer = await startWebhookPeer();
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await peer.close();
});

function levelOf(key: string): string {
  const match = /\/(L\d+\/R\d+)\//.exec(key);
  return match?.[1] ?? key;
}

describe('the incident workflow walks its policy', () => {
  it('notifies level 1, repeats it once, escalates to levels 2 and 3, then times out', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'three-levels',
          levels: [
            webhookLevel(peer.url, '1', { delay: '0s', repeat: { count: 1, interval: '400ms' } }),
            webhookLevel(peer.url, '2', { delay: '800ms' }),
            webhookLevel(peer.url, '3', { delay: '800ms' }),
          ],
          finalWait: '400ms',
        },
      ],
    });
    const started = await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'walk-three' });
    expect(started).toMatchObject({ escalated: true, created: true, workflowId: 'incident-walk-three' });

    const record = await stack.waitForRecord(
      'walk-three',
      (r) => r.state === 'TIMED_OUT' && r.notifications.every((n) => n.status !== 'pending'),
    );
    const keys = peer.keysFor('incident-walk-three');
    // Dispatch order is the record's; two overdue steps on a loaded machine may reach the peer in either order.
    expect(record.notifications.map((n) => `L${n.level}/R${n.repeat}`)).toEqual(['L1/R0', 'L1/R1', 'L2/R0', 'L3/R0']);
    expect(keys.map(levelOf).sort()).toEqual(['L1/R0', 'L1/R1', 'L2/R0', 'L3/R0']);
    expect(new Set(keys).size).toBe(keys.length);
    expect(record).toMatchObject({ level: 3, escalationCount: 2, notificationCount: 4 });
    expect(record.notifications.every((n) => n.status === 'delivered' && n.attempt === 1)).toBe(true);
    const moves = record.timeline.filter((e) => e.kind === 'move').map((e) => `${e.from}→${e.to}`);
    expect(moves).toEqual([
      'PENDING→ACTIVE',
      'ACTIVE→ESCALATING',
      'ESCALATING→ACTIVE',
      'ACTIVE→ESCALATING',
      'ESCALATING→ACTIVE',
      'ACTIVE→TIMED_OUT',
    ]);
  });

  it('fires each level at its due time counted from the level before, not from when a timer fired', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'timed',
          levels: [
            webhookLevel(peer.url, '1'),
            webhookLevel(peer.url, '2', { delay: '700ms' }),
            webhookLevel(peer.url, '3', { delay: '700ms' }),
          ],
          finalWait: '10s',
        },
      ],
    });
    const triggeredAt = Date.now();
    await stack.incidents.startIncident({ summary: 'timed', severity: 'error', key: 'timed-levels' });
    await peer.waitFor((r) => r.filter((x) => x.body.incident.workflowId === 'incident-timed-levels').length >= 3);
    const record = await stack.incidents.getIncident('timed-levels');
    const created = Date.parse(record.createdAt);
    // The workflow's own clock: each level moves at its due time (created + 700ms, + 1400ms).
    const escalations = record.timeline.filter((e) => e.to === 'ESCALATING').map((e) => Date.parse(e.at) - created);
    expect(escalations).toHaveLength(2);
    expect(escalations[0]).toBeGreaterThanOrEqual(700);
    expect(escalations[1]).toBeGreaterThanOrEqual(1400);
    // Lateness does not add up: level 3 is no later after level 2 than its own delay allows.
    expect((escalations[1] ?? 0) - 1400).toBeLessThan(1000);
    const arrivals = peer.received.filter((r) => r.body.incident.workflowId === 'incident-timed-levels').map((r) => r.at - triggeredAt);
    expect(arrivals[2]).toBeGreaterThanOrEqual(1400 - 50);
  });

  it('walks all levels again for repeatPolicy, then times out', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'loops',
          levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '300ms' })],
          repeatPolicy: 1,
          finalWait: '300ms',
        },
      ],
    });
    await stack.incidents.startIncident({ summary: 'loops', severity: 'error', key: 'loop-twice' });
    const record = await stack.waitForState('loop-twice', 'TIMED_OUT');
    await peer.waitFor(() => peer.keysFor('incident-loop-twice').length >= 4);
    // The record keeps dispatch order; steps overdue together on a loaded machine may arrive in either order.
    const keys = record.notifications.map((n) => n.idempotencyKey);
    expect(keys.map(levelOf)).toEqual(['L1/R0', 'L2/R0', 'L1/R0', 'L2/R0']);
    expect([...peer.keysFor('incident-loop-twice')].sort()).toEqual([...keys].sort());
    // The second walk's keys differ from the first's: receivers must not drop them as duplicates.
    expect(keys[2]).toContain('/E1/');
    expect(new Set(keys).size).toBe(4);
    expect(record).toMatchObject({ cycle: 1, escalationCount: 3 });
  });

  it('stops at maxEscalations with TIMED_OUT and never notifies the level beyond', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'bounded',
          levels: [
            webhookLevel(peer.url, '1'),
            webhookLevel(peer.url, '2', { delay: '300ms' }),
            webhookLevel(peer.url, '3', { delay: '300ms' }),
          ],
          maxEscalations: 1,
        },
      ],
    });
    await stack.incidents.startIncident({ summary: 'bounded', severity: 'error', key: 'max-one' });
    const record = await stack.waitForRecord(
      'max-one',
      (r) => r.state === 'TIMED_OUT' && r.notifications.every((n) => n.status !== 'pending'),
    );
    expect(peer.keysFor('incident-max-one').map(levelOf)).toEqual(['L1/R0', 'L2/R0']);
    expect(record.escalationCount).toBe(1);
    expect(record.timeline.at(-1)?.reason).toContain('maxEscalations (1)');
  });

  it('keeps escalating on time while a provider always fails, and records the failure', async () => {
    peer.respondWith(({ path }) => ({ status: path.includes('level=1') ? 503 : 200 }));
    stack = await startStack({
      policies: [
        { name: 'flaky', levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '500ms' })], finalWait: '10s' },
      ],
    });
    await stack.incidents.startIncident({ summary: 'provider down', severity: 'critical', key: 'failing-provider' });
    await peer.waitFor((r) => r.some((x) => x.body.incident.workflowId === 'incident-failing-provider' && x.body.level === 2));

    const record = await stack.waitForRecord('failing-provider', (r) => r.notifications.some((n) => n.status === 'failed'));
    const failed = record.notifications.find((n) => n.level === 1);
    // Level 1's retries (100ms, 200ms, 400ms backoff: the last one ends past 700 ms) run beside the
    // timer, not in front of it: level 2 (due at 500 ms) escalated before level 1 gave up. Both
    // times are the workflow's, so a loaded machine shifts them together.
    const escalatedAt = record.timeline.find((e) => e.to === 'ESCALATING')?.at ?? '';
    expect(Date.parse(escalatedAt)).toBeLessThan(Date.parse(failed?.settledAt ?? ''));
    expect(Date.parse(escalatedAt) - Date.parse(record.createdAt)).toBeGreaterThanOrEqual(500);
    expect(failed).toMatchObject({ status: 'failed', attempt: 4, retryable: true });
    expect(failed?.error).toContain('503');
    expect(record.state).toBe('ACTIVE');
    expect(record.level).toBe(2);
  });

  it('does not retry a provider that refuses the request (4xx)', async () => {
    peer.respondWith(() => ({ status: 404 }));
    stack = await startStack({ policies: [{ name: 'refused', levels: [webhookLevel(peer.url, '1')], finalWait: '10s' }] });
    await stack.incidents.startIncident({ summary: 'no such hook', severity: 'critical', key: 'refused-hook' });
    const record = await stack.waitForRecord('refused-hook', (r) => r.notifications[0]?.status === 'failed');
    expect(record.notifications[0]).toMatchObject({ attempt: 1, retryable: false });
    expect(record.notifications[0]?.error).toContain('404');
  });
});
