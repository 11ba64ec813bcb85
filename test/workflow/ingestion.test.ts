import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSignal } from '../../workflows/messages.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Alerts are accepted by the server (signal-with-start) and never wait on a worker.
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

const policy = (extra: Record<string, unknown> = {}) => ({
  name: 'default',
  levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '20s' })],
  ...extra,
});

describe('accepting alerts', () => {
  it('answers at once with no worker running, and pages level 1 once a worker starts', async () => {
    stack = await startStack({ policies: [policy()] }, { worker: false });
    const started = Date.now();
    const answer = await stack.incidents.startIncident({ summary: 'queue backlog', severity: 'critical', key: 'no-worker' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer).toMatchObject({ escalated: true, accepted: true, created: true, incidentId: 'incident-no-worker' });
    expect(peer.received).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 1_000));
    const workerAt = Date.now();
    await stack.startWorker();
    const record = await stack.waitForState('no-worker', 'ACTIVE');
    expect(record).toMatchObject({ level: 1, occurrences: 1 });
    await peer.waitFor(() => peer.keysFor('incident-no-worker').length > 0);
    expect(peer.keysFor('incident-no-worker')).toEqual([expect.stringMatching(/^incident-no-worker\/L1\/R0\//)]);
    // The policy counted from the acceptance, not from when the worker came.
    expect(Date.parse(record.createdAt)).toBeLessThan(workerAt);
  });

  it('opens the next incident with the key for an alert that arrived while the last one was closing', async () => {
    stack = await startStack({ policies: [policy()] }, { worker: false });
    await stack.incidents.startIncident({ summary: 'disk full', severity: 'warning', key: 'closing' });
    // Resolved before any worker ran it, then the alert fires again: both wait in the history, so
    // the first run sees the repeat only after it closed.
    await stack.incidents.handle('closing').signal(resolveSignal, { by: 'dana', note: 'freed space' });
    const again = await stack.incidents.startIncident({ summary: 'disk full again', severity: 'critical', key: 'closing' });
    const third = await stack.incidents.startIncident({ summary: 'disk full again', severity: 'critical', key: 'closing' });
    expect([again, third]).toMatchObject([{ created: false }, { created: false }]);

    await stack.startWorker();
    const reopened = await stack.waitForRecord('closing', (r) => r.state === 'ACTIVE');
    expect(reopened).toMatchObject({ summary: 'disk full again', severity: 'critical', occurrences: 2, level: 1 });
    expect(reopened.timeline.some((e) => e.to === 'RESOLVED')).toBe(false);
    await peer.waitFor((received) => received.some((r) => r.body.incident.summary === 'disk full again'));
  });

  it('re-opens within the cooldown an incident resolved while an alert for it was on its way', async () => {
    stack = await startStack({ policies: [policy({ cooldown: '1h' })] }, { worker: false });
    await stack.incidents.startIncident({ summary: 'disk full', severity: 'warning', key: 'cooling' });
    await stack.incidents.handle('cooling').signal(resolveSignal, { by: 'dana' });
    await stack.incidents.startIncident({ summary: 'disk full', severity: 'warning', key: 'cooling' });

    await stack.startWorker();
    const reopened = await stack.waitForRecord('cooling', (r) => r.state === 'ACTIVE');
    expect(reopened.occurrences).toBe(2);
    expect(reopened.timeline.map((e) => e.to).filter(Boolean)).toEqual(expect.arrayContaining(['RESOLVED', 'PENDING', 'ACTIVE']));
    expect(reopened.timeline.find((e) => e.reason?.startsWith('re-opened'))).toBeDefined();
  });
});
