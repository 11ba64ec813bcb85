import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentMoveRefusedError, InvalidIncidentRequestError } from '../../client/incidents.js';
import { escalateSignal } from '../../workflows/messages.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Escalate to a named level (issue 12, item 1): from ACTIVE, from ACKNOWLEDGED, back to a level
// paged before, and refused for a level the policy lacks. Levels are 30 s apart: nothing moves by itself.
let peer: WebhookPeer;
let stack: Stack;

beforeEach(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({
    policies: [
      {
        name: 'three-levels',
        levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '30s' }), webhookLevel(peer.url, '3', { delay: '30s' })],
        finalWait: '30s',
      },
    ],
  });
});
afterEach(async () => {
  await stack.stop();
  await peer.close();
});

/** The levels paged for one incident, in arrival order (`?level=N` on each level's webhook). */
const levelsPaged = (workflowId: string) =>
  peer.received
    .filter((r) => r.body.incident.workflowId === workflowId && r.body.event === 'incident.page')
    .map((r) => new URL(r.path, 'http://peer').searchParams.get('level'));

async function openIncident(key: string): Promise<void> {
  await stack.incidents.startIncident({ summary: `incident ${key}`, severity: 'critical', key });
  await stack.waitForState(key, 'ACTIVE');
  await peer.waitFor(() => levelsPaged(`incident-${key}`).length === 1);
}

describe('escalating to a named level', () => {
  it('jumps an ACTIVE incident from level 1 to level 3 and pages level 3 now', async () => {
    await openIncident('jump-3');
    const record = await stack.incidents.escalate('jump-3', 'dana', 'the database team owns this', { toLevel: 3 });
    expect(record).toMatchObject({ state: 'ACTIVE', level: 3, escalationCount: 1 });
    expect(record.timeline.filter((e) => e.kind === 'move').map((e) => `${e.from}→${e.to}`)).toEqual([
      'PENDING→ACTIVE',
      'ACTIVE→ESCALATING',
      'ESCALATING→ACTIVE',
    ]);
    await peer.waitFor(() => levelsPaged('incident-jump-3').length === 2);
    expect(levelsPaged('incident-jump-3')).toEqual(['1', '3']);
  });

  it('makes an acknowledged incident ACTIVE at the level asked for and pages it', async () => {
    await openIncident('ack-jump');
    await stack.incidents.acknowledge('ack-jump', 'eve', 'looking');
    const record = await stack.incidents.escalate('ack-jump', 'eve', undefined, { toLevel: 2 });
    expect(record).toMatchObject({ state: 'ACTIVE', level: 2 });
    expect(record.acknowledgedBy).toBeUndefined();
    expect(record.timeline.some((e) => e.from === 'ACKNOWLEDGED' && e.to === 'ACTIVE' && e.by === 'eve')).toBe(true);
    await peer.waitFor(() => levelsPaged('incident-ack-jump').length === 2);
    expect(levelsPaged('incident-ack-jump')).toEqual(['1', '2']);
    // Escalation goes on from there: level 3 is due 30 s after level 2 was paged.
    expect(Date.parse(record.nextEscalationAt ?? '') - Date.parse(record.updatedAt)).toBeGreaterThan(25_000);
  });

  it('escalates an acknowledged incident to the next level when no level is named', async () => {
    await openIncident('ack-next');
    await stack.incidents.acknowledge('ack-next', 'eve');
    const record = await stack.incidents.escalate('ack-next', 'eve');
    expect(record).toMatchObject({ state: 'ACTIVE', level: 2, escalationCount: 1 });
    await peer.waitFor(() => levelsPaged('incident-ack-next').length === 2);
  });

  it('pages the level it is at again under new idempotency keys', async () => {
    await openIncident('same-level');
    const record = await stack.incidents.escalate('same-level', 'dana', 'nobody answered', { toLevel: 1 });
    expect(record).toMatchObject({ state: 'ACTIVE', level: 1, escalationCount: 0, epoch: 1 });
    expect(record.timeline.at(-1)?.reason).toBe('nobody answered: level 1 paged again');
    await peer.waitFor(() => peer.keysFor('incident-same-level').length === 2);
    const [first, again] = peer.keysFor('incident-same-level');
    expect(first).toMatch(/^incident-same-level\/L1\/R0\//);
    expect(again).toMatch(/^incident-same-level\/E1\/L1\/R0\//);
  });

  it('refuses a level the policy lacks, saying which levels exist, and changes nothing', async () => {
    await openIncident('no-level-9');
    const before = await stack.incidents.getIncident('no-level-9');
    const refusal = await stack.incidents.escalate('no-level-9', 'dana', undefined, { toLevel: 9 }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
    expect((refusal as Error).message).toBe('incident-no-level-9: policy three-levels has levels 1 to 3; there is no level 9');
    const after = await stack.incidents.getIncident('no-level-9');
    expect(after).toMatchObject({ state: 'ACTIVE', level: 1 });
    expect(after.timeline).toHaveLength(before.timeline.length);
  });

  it('refuses a level that is not a whole number before it reaches the incident', async () => {
    await openIncident('bad-level');
    const refusal = await stack.incidents.escalate('bad-level', 'dana', undefined, { toLevel: 0 }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InvalidIncidentRequestError);
    expect((refusal as InvalidIncidentRequestError).errors).toEqual([{ path: 'toLevel', message: 'levels count from 1' }]);
  });

  it('takes the level by signal too, and records a refused one on the timeline', async () => {
    await openIncident('level-by-signal');
    const handle = stack.incidents.handle('level-by-signal');
    await handle.signal(escalateSignal, { by: 'slack:U1', toLevel: 3 });
    await stack.waitForRecord('level-by-signal', (r) => r.level === 3 && r.state === 'ACTIVE');
    await handle.signal(escalateSignal, { by: 'slack:U2', toLevel: 7 });
    const record = await stack.waitForRecord('level-by-signal', (r) => r.timeline.some((e) => e.kind === 'refused'));
    expect(record.timeline.find((e) => e.kind === 'refused')).toMatchObject({
      by: 'slack:U2',
      reason: 'incident-level-by-signal: policy three-levels has levels 1 to 3; there is no level 7',
    });
  });
});
