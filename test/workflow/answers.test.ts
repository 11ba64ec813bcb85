import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentMoveRefusedError, IncidentNotFoundError } from '../../client/incidents.js';
import { acknowledgeSignal, escalateSignal, resolveSignal } from '../../workflows/messages.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Acknowledge, resolve, cancel, escalate and annotate, as updates and as signals.
let peer: WebhookPeer;
let stack: Stack;

function policy(extra: Record<string, unknown> = {}) {
  return {
    name: 'answers',
    // Levels far enough apart that a busy machine answers before the next one is due.
    levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '4s' }), webhookLevel(peer.url, '3', { delay: '4s' })],
    finalWait: '30s',
    ...extra,
  };
}

beforeEach(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({ policies: [policy()] });
});
afterEach(async () => {
  await stack.stop();
  await peer.close();
});

async function openIncident(key: string): Promise<void> {
  await stack.incidents.startIncident({ summary: `incident ${key}`, severity: 'critical', key });
  await stack.waitForState(key, 'ACTIVE');
}

describe('answering an incident', () => {
  it('stops escalating once acknowledged', async () => {
    await openIncident('ack-stops');
    const record = await stack.incidents.acknowledge('ack-stops', 'dana', 'looking');
    expect(record).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });
    expect(record.nextEscalationAt).toBeUndefined();
    // Past level 2's due time: no page went out after the acknowledgement.
    const level2Due = Date.parse(record.createdAt) + 4_000;
    await new Promise((r) => setTimeout(r, Math.max(0, level2Due - Date.now()) + 500));
    const after = await stack.incidents.getIncident('ack-stops');
    expect(after.state).toBe('ACKNOWLEDGED');
    const pagedAfterAck = after.notifications.filter(
      (n) => n.kind !== 'update' && Date.parse(n.at) > Date.parse(after.acknowledgedAt ?? ''),
    );
    expect(pagedAfterAck).toEqual([]);
    expect(peer.keysFor('incident-ack-stops')).toHaveLength(after.notifications.filter((n) => n.kind !== 'update').length);
  });

  it('closes the incident on resolve and returns the record as the workflow result', async () => {
    await openIncident('resolve-closes');
    const record = await stack.incidents.resolve('resolve-closes', 'dana', 'restarted the primary');
    expect(record).toMatchObject({ state: 'RESOLVED', resolvedBy: 'dana' });
    const result = await stack.incidents.handle('resolve-closes').result();
    expect(result).toMatchObject({ state: 'RESOLVED', workflowId: 'incident-resolve-closes' });
  });

  it('closes the incident as CANCELLED with its reason', async () => {
    await openIncident('cancel-closes');
    const record = await stack.incidents.cancel('cancel-closes', 'dana', 'false alarm');
    expect(record).toMatchObject({ state: 'CANCELLED', closedReason: 'false alarm' });
  });

  it('escalates to the next level at once on request', async () => {
    await openIncident('escalate-now');
    const record = await stack.incidents.escalate('escalate-now', 'dana', 'need the database team');
    expect(record).toMatchObject({ state: 'ACTIVE', level: 2, escalationCount: 1 });
    await peer.waitFor(() => peer.keysFor('incident-escalate-now').length === 2, 3_000);
  });

  it('refuses to acknowledge a resolved incident, with the reason, and changes nothing', async () => {
    await openIncident('ack-resolved');
    const resolved = await stack.incidents.resolve('ack-resolved', 'dana');
    const refusal = await stack.incidents.acknowledge('ack-resolved', 'eve').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
    expect((refusal as Error).message).toMatch(/RESOLVED/);
    const after = await stack.incidents.getIncident('ack-resolved');
    expect(after.state).toBe('RESOLVED');
    expect(after.timeline).toHaveLength(resolved.timeline.length);
  });

  it('refuses a second acknowledgement of an open incident without touching its history', async () => {
    await openIncident('ack-twice');
    const first = await stack.incidents.acknowledge('ack-twice', 'dana');
    const refusal = await stack.incidents.acknowledge('ack-twice', 'eve').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
    expect((refusal as Error).message).toContain('already ACKNOWLEDGED');
    const after = await stack.incidents.getIncident('ack-twice');
    expect(after).toMatchObject({ acknowledgedBy: 'dana' });
    expect(after.timeline).toHaveLength(first.timeline.length);
  });

  it('tells the provider of a page that landed while the answer was being taken', async () => {
    // The page reaches its provider, which answers only after the acknowledgement was taken: the
    // delivery settles delivered after the answer's announcement, and is followed up on its own.
    let arrived!: () => void;
    const atPeer = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    peer.respondWith(async ({ body }) => {
      if (body.incident.workflowId === 'incident-ack-late-page' && body.event === 'incident.page') {
        arrived();
        await released;
      }
      return { status: 200 };
    });
    await stack.incidents.startIncident({ summary: 'late page', severity: 'critical', key: 'ack-late-page' });
    await atPeer;
    const acknowledged = await stack.incidents.acknowledge('ack-late-page', 'dana');
    expect(acknowledged.notifications.find((n) => n.kind === 'page')?.status).toBe('pending');
    release();
    const record = await stack.waitForRecord('ack-late-page', (r) =>
      r.notifications.some((n) => n.kind === 'update' && n.event === 'acknowledged' && n.status === 'delivered'),
    );
    expect(record.notifications.find((n) => n.kind === 'page')?.status).toBe('delivered');
    expect(record.notifications.filter((n) => n.kind === 'update')).toHaveLength(1);
    expect(peer.eventsFor('incident-ack-late-page')).toEqual(['incident.page', 'incident.acknowledged']);
  });

  it('takes the same answer from the same person again as a retry: the record as it stands, nothing added', async () => {
    await openIncident('ack-retried');
    const first = await stack.incidents.acknowledge('ack-retried', 'dana');
    const retried = await stack.incidents.acknowledge('ack-retried', 'dana');
    expect(retried).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana', acknowledgedAt: first.acknowledgedAt });
    expect(retried.timeline).toHaveLength(first.timeline.length);
    // A resolve retried after its first try closed the incident answers with the closed record.
    const resolved = await stack.incidents.resolve('ack-retried', 'dana');
    const again = await stack.incidents.resolve('ack-retried', 'dana');
    expect(again).toMatchObject({ state: 'RESOLVED', resolvedBy: 'dana', resolvedAt: resolved.resolvedAt });
    const refusal = await stack.incidents.resolve('ack-retried', 'eve').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
  });

  it('refuses to escalate past the last level when no repeat is left', async () => {
    await openIncident('escalate-end');
    await stack.incidents.escalate('escalate-end', 'dana');
    await stack.incidents.escalate('escalate-end', 'dana');
    const refusal = await stack.incidents.escalate('escalate-end', 'dana').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
    expect((refusal as Error).message).toContain('last level');
  });

  it('writes annotations to the timeline', async () => {
    await openIncident('annotated');
    const record = await stack.incidents.annotate('annotated', 'dana', 'failover started');
    expect(record.timeline.at(-1)).toMatchObject({ kind: 'note', by: 'dana', reason: 'failover started' });
  });

  it('tells the webhook that paged the incident when it is acknowledged and resolved', async () => {
    await openIncident('announced');
    await peer.waitFor((r) => r.some((x) => x.body.incident.workflowId === 'incident-announced'));
    // Answered only once the page is on the record as delivered: a page still settling when the answer
    // comes is not followed up (a known gap, see the closing note of 2026-12-01).
    await stack.waitForRecord('announced', (r) => r.notifications.some((n) => n.kind === 'page' && n.status === 'delivered'));
    await stack.incidents.acknowledge('announced', 'dana');
    await stack.incidents.resolve('announced', 'dana');
    await peer.waitFor(() => peer.eventsFor('incident-announced').length >= 3);
    expect(peer.eventsFor('incident-announced')).toEqual(['incident.page', 'incident.acknowledged', 'incident.resolved']);
    const resolved = peer.received.find((x) => x.body.event === 'incident.resolved' && x.body.incident.workflowId === 'incident-announced');
    expect(resolved?.body.incident.state).toBe('RESOLVED');
    expect(resolved?.headers['idempotency-key']).toMatch(/^incident-announced\/U2-resolved\//);
    const record = (await stack.incidents.handle('announced').result()) as { notifications: { kind: string; status: string }[] };
    expect(record.notifications.filter((n) => n.kind === 'update').every((n) => n.status === 'delivered')).toBe(true);
  });

  it('answers an unknown incident with not found', async () => {
    const error = await stack.incidents.acknowledge('no-such-incident', 'dana').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncidentNotFoundError);
  });

  it('takes acknowledge, escalate and resolve as signals too, and records refused signals', async () => {
    await openIncident('by-signal');
    const handle = stack.incidents.handle('by-signal');
    await handle.signal(escalateSignal, { by: 'slack:U1' });
    await stack.waitForRecord('by-signal', (r) => r.level === 2);
    await handle.signal(acknowledgeSignal, { by: 'slack:U1' });
    await stack.waitForState('by-signal', 'ACKNOWLEDGED');
    await handle.signal(acknowledgeSignal, { by: 'slack:U2' });
    await handle.signal(resolveSignal, { by: 'slack:U1', note: 'fixed' });
    const record = await stack.waitForState('by-signal', 'RESOLVED');
    expect(record.acknowledgedBy).toBe('slack:U1');
    expect(record.timeline.some((e) => e.kind === 'refused' && e.by === 'slack:U2')).toBe(true);
  });
});
