import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentMoveRefusedError, InvalidIncidentRequestError } from '../../client/incidents.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Un-acknowledge, reassign and snooze (issue 12, item 4) on the run's Temporal server. Levels are
// 30 s apart: nothing moves by itself during a test unless the test says when.
let peer: WebhookPeer;
let stack: Stack;

beforeEach(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({
    policies: [
      {
        name: 'two-levels',
        levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '30s' })],
        finalWait: '30s',
      },
    ],
  });
});
afterEach(async () => {
  await stack.stop();
  await peer.close();
});

/** Where each page for one incident went (`?level=N` or `?to=NAME`), in arrival order. */
const paged = (workflowId: string) =>
  peer.received
    .filter((r) => r.body.incident.workflowId === workflowId && r.body.event === 'incident.page')
    .map((r) => new URL(r.path, 'http://peer').search.slice(1));

async function openIncident(key: string): Promise<void> {
  await stack.incidents.startIncident({ summary: `incident ${key}`, severity: 'critical', key });
  await stack.waitForState(key, 'ACTIVE');
  await peer.waitFor(() => paged(`incident-${key}`).length === 1);
}

describe('un-acknowledging', () => {
  it('makes the incident ACTIVE again and pages the level it is at again, under new keys', async () => {
    await openIncident('unack');
    await stack.incidents.acknowledge('unack', 'dana');
    const record = await stack.incidents.unacknowledge('unack', 'dana', 'handing over to the day shift');
    expect(record).toMatchObject({ state: 'ACTIVE', level: 1 });
    expect(record.acknowledgedBy).toBeUndefined();
    expect(record.timeline.find((e) => e.from === 'ACKNOWLEDGED')).toMatchObject({
      to: 'ACTIVE',
      by: 'dana',
      reason: 'handing over to the day shift',
    });
    await peer.waitFor(() => paged('incident-unack').length === 2);
    expect(paged('incident-unack')).toEqual(['level=1', 'level=1']);
    expect(peer.keysFor('incident-unack')[1]).toMatch(/^incident-unack\/E1\/L1\/R0\//);
    expect(peer.eventsFor('incident-unack')).toContain('incident.reopened');
  });

  it('refuses an incident nobody acknowledged, saying so, and changes nothing', async () => {
    await openIncident('unack-active');
    const before = await stack.incidents.getIncident('unack-active');
    const refusal = await stack.incidents.unacknowledge('unack-active', 'dana').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
    expect((refusal as Error).message).toBe('incident-unack-active: cannot unacknowledge: the incident is ACTIVE, not ACKNOWLEDGED');
    expect((await stack.incidents.getIncident('unack-active')).timeline).toHaveLength(before.timeline.length);
  });
});

describe('reassigning', () => {
  it('pages the named targets now, makes an acknowledged incident ACTIVE, and records who and to whom', async () => {
    await openIncident('reassign');
    await stack.incidents.acknowledge('reassign', 'dana');
    const record = await stack.incidents.reassign(
      'reassign',
      'dana',
      [{ type: 'webhook', url: `${peer.url}?to=bob` }],
      'bob knows the billing service',
    );
    expect(record).toMatchObject({ state: 'ACTIVE', level: 1, epoch: 1 });
    expect(record.timeline.at(-1)).toMatchObject({
      kind: 'move',
      from: 'ACKNOWLEDGED',
      to: 'ACTIVE',
      by: 'dana',
      reason: `reassigned to webhook:${peer.url}?to=bob: bob knows the billing service`,
    });
    await peer.waitFor(() => paged('incident-reassign').length === 2);
    expect(paged('incident-reassign')).toEqual(['level=1', 'to=bob']);
    // The walk goes on from the reassignment: level 2 is due its delay after it.
    const reassignedAt = Date.parse(record.timeline.at(-1)?.at ?? '');
    expect(Date.parse(record.nextEscalationAt ?? '') - reassignedAt).toBeGreaterThanOrEqual(29_000);
  });

  it('refuses a target that is not one, naming it, before anything reaches the incident', async () => {
    await openIncident('reassign-bad');
    const refusal = await stack.incidents.reassign('reassign-bad', 'dana', [{ type: 'email', address: 'bob' }]).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InvalidIncidentRequestError);
    expect((refusal as InvalidIncidentRequestError).errors).toEqual([{ path: 'targets[0].address', message: 'must be an email address' }]);
  });

  it('refuses a resolved incident', async () => {
    await openIncident('reassign-closed');
    await stack.incidents.resolve('reassign-closed', 'dana');
    const refusal = await stack.incidents
      .reassign('reassign-closed', 'dana', [{ type: 'webhook', url: `${peer.url}?to=bob` }])
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(IncidentMoveRefusedError);
    expect((refusal as Error).message).toContain('RESOLVED');
  });
});

describe('snoozing', () => {
  it('keeps the incident ACKNOWLEDGED until the snooze ends, then makes it ACTIVE at its level and pages it', async () => {
    await openIncident('snooze');
    const record = await stack.incidents.snooze('snooze', 'dana', '2s', 'after the deploy');
    expect(record).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana', snoozed: { by: 'dana' } });
    const until = Date.parse(record.snoozed?.until ?? '');
    expect(until - Date.parse(record.acknowledgedAt ?? '')).toBe(2_000);
    expect(record.timeline.at(-1)?.reason).toBe(`snoozed for 2s, until ${record.snoozed?.until}: after the deploy`);
    expect(paged('incident-snooze')).toEqual(['level=1']);

    const woken = await stack.waitForRecord('snooze', (r) => r.state === 'ACTIVE' && r.epoch === 1);
    expect(woken.snoozed).toBeUndefined();
    const reopened = woken.timeline.find((e) => e.from === 'ACKNOWLEDGED' && e.to === 'ACTIVE');
    expect(reopened?.reason).toBe(`the snooze by dana until ${record.snoozed?.until} ended`);
    // When it wakes is the planner's (snoozeEnds at the snooze's end, test/unit/planner.test.ts).
    expect(Date.parse(reopened?.at ?? '')).toBeGreaterThan(Date.parse(record.acknowledgedAt ?? ''));
    await peer.waitFor(() => paged('incident-snooze').length === 2);
    expect(paged('incident-snooze')).toEqual(['level=1', 'level=1']);
  });

  it('ends early when the incident is un-acknowledged, and the old snooze wakes nothing', async () => {
    await openIncident('snooze-unack');
    await stack.incidents.snooze('snooze-unack', 'dana', '1s');
    const record = await stack.incidents.unacknowledge('snooze-unack', 'dana');
    expect(record.snoozed).toBeUndefined();
    await peer.waitFor(() => paged('incident-snooze-unack').length === 2);
    await stack.incidents.acknowledge('snooze-unack', 'eve');
    // Past the first snooze's end: still acknowledged, and no third page.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await stack.incidents.getIncident('snooze-unack');
    expect(after).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'eve' });
    expect(paged('incident-snooze-unack')).toHaveLength(2);
  });

  it('refuses a snooze that is no duration, and a closed incident', async () => {
    await openIncident('snooze-bad');
    const bad = await stack.incidents.snooze('snooze-bad', 'dana', 'half an hour').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidIncidentRequestError);
    expect((bad as InvalidIncidentRequestError).errors[0]?.path).toBe('for');
    await stack.incidents.cancel('snooze-bad', 'dana');
    const closed = await stack.incidents.snooze('snooze-bad', 'dana', '30m').catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(IncidentMoveRefusedError);
  });
});
