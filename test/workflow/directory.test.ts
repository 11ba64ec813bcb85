import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minutes, useTimeSkipping } from '../helpers/time-skipping.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Users, teams and schedules, the configuration most teams run, end to end on the time-skipping
// Temporal server with the production activities: who is paged, when, and what an answer stops.
const timeSkipping = useTimeSkipping();
let peer: WebhookPeer;

beforeAll(async () => {
  peer = await startWebhookPeer();
});
afterAll(async () => {
  await peer.close();
});

/** A user whose only contacts are the peer (`?who=<id>`) and the log. */
const user = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  contacts: [
    { channel: 'webhook', address: `${peer.url}?who=${id}` },
    { channel: 'log', address: id },
  ],
  ...extra,
});
const paged = (key: string) =>
  peer.received
    .filter((r) => r.body.incident.workflowId === `incident-${key}`)
    .map((r) => new URL(r.path, 'http://peer').searchParams.get('who'));

describe('directory targets on the real server', () => {
  it("stops a user's later notification rules when the first one is acknowledged", async () => {
    const stack = await timeSkipping.start({
      directory: { users: [user('dana', { rules: [{ channels: ['webhook'] }, { after: '2m', channels: ['log'] }] })] },
      policies: [{ name: 'chain', levels: [{ targets: [{ type: 'user', id: 'dana' }] }], finalWait: '1h' }],
    });
    const handle = await stack.startIncident('rule-chain-ack');
    await stack.waitForRecord(handle, (r) => r.notifications.some((n) => n.channel === 'webhook' && n.status === 'delivered'));
    await stack.incidents.acknowledge('rule-chain-ack', 'dana', 'on it');
    await stack.skipUntil((await stack.now()) + minutes(3));

    const record = await stack.waitForRecord(handle, (r) => r.notifications.every((n) => n.status !== 'pending'));
    const pages = record.notifications.filter((n) => n.kind !== 'update');
    expect(pages.map((n) => [n.channel, n.status])).toEqual([
      ['webhook', 'delivered'],
      ['log', 'cancelled'],
    ]);
    // The webhook that paged her hears the acknowledgement; nothing else reached her.
    expect(record.notifications.filter((n) => n.kind === 'update').map((n) => [n.channel, n.event])).toEqual([['webhook', 'acknowledged']]);
    expect(paged('rule-chain-ack')).toEqual(['dana', 'dana']);
  });

  it("sends a user's later notification rule after its delay when nobody answers", async () => {
    const stack = await timeSkipping.start({
      directory: { users: [user('erin', { rules: [{ channels: ['webhook'] }, { after: '2m', channels: ['log'] }] })] },
      policies: [{ name: 'chain', levels: [{ targets: [{ type: 'user', id: 'erin' }] }], finalWait: '1h' }],
    });
    const handle = await stack.startIncident('rule-chain-unanswered');
    const first = await stack.waitForRecord(handle, (r) => r.notifications.length === 2);
    expect(first.notifications.find((n) => n.channel === 'log')?.status).toBe('pending');
    await stack.skipUntil((await stack.now()) + minutes(3));

    const record = await stack.waitForRecord(handle, (r) => r.notifications.every((n) => n.status !== 'pending'));
    expect(record.notifications.map((n) => [n.channel, n.status])).toEqual([
      ['webhook', 'delivered'],
      ['log', 'delivered'],
    ]);
  });

  it('pages every member of a notify: all team, and one member per incident of a round-robin team', async () => {
    const stack = await timeSkipping.start({
      directory: {
        users: [user('ann'), user('ben'), user('cat')],
        teams: [
          { id: 'everyone', members: ['ann', 'ben', 'cat'] },
          { id: 'rota', members: ['ann', 'ben', 'cat'], notify: 'round-robin' },
        ],
      },
      policies: [
        { name: 'teams', levels: [{ targets: [{ type: 'team', id: 'everyone' }] }], finalWait: '1h' },
        { name: 'rota', levels: [{ targets: [{ type: 'team', id: 'rota' }] }], finalWait: '1h' },
      ],
    });
    const all = await stack.startIncident('team-all');
    const record = await stack.waitForRecord(all, (r) => r.notifications.filter((n) => n.status === 'delivered').length === 6);
    expect(new Set(record.notifications.map((n) => n.recipient))).toEqual(new Set(['ann', 'ben', 'cat']));

    const picked = new Map<string, string[]>();
    for (let i = 0; i < 9; i += 1) {
      const key = `team-rota-${i}`;
      await stack.incidents.startIncident({ summary: 'rota', severity: 'critical', key, policy: 'rota' });
      const r = await stack.waitForRecord(stack.handle(key), (x) => x.notifications.filter((n) => n.status === 'delivered').length === 2);
      picked.set(key, [...new Set(r.notifications.map((n) => n.recipient ?? ''))]);
    }
    for (const people of picked.values()) expect(people).toHaveLength(1);
    expect(new Set([...picked.values()].flat()).size).toBeGreaterThan(1);
  });

  it("pages whoever is on call when a level comes due: the local handoff across a DST change, and an override's person", async () => {
    // Daily shifts handed over at 09:00 Berlin time from Monday 30 November 2026: ann, ben, ann, …
    // Clocks go forward on 28 March 2027; on the 29th, shift 119 (odd: ben) starts at 09:00 CEST =
    // 07:00 UTC. A handoff kept at winter's 08:00 UTC would still say ann at 07:30 UTC.
    const rotation = { members: ['ann', 'ben'], shift: '1d', handoff: '09:00', start: '2026-11-30' };
    const due = Date.parse('2027-03-29T07:30:00Z');
    const now = await timeSkipping.env().currentTimeMs();
    const stack = await timeSkipping.start({
      directory: {
        users: [user('ann'), user('ben'), user('cat')],
        schedules: [
          { id: 'primary', timezone: 'Europe/Berlin', rotation },
          {
            id: 'covered',
            timezone: 'Europe/Berlin',
            rotation,
            overrides: [{ user: 'cat', from: '2027-03-29T07:00:00Z', to: '2027-03-29T08:00:00Z' }],
          },
        ],
      },
      policies: [
        {
          name: 'oncall',
          levels: [
            { targets: [{ type: 'log', id: 'start' }] },
            {
              delay: due - now,
              targets: [
                { type: 'schedule', id: 'primary' },
                { type: 'schedule', id: 'covered' },
              ],
            },
          ],
          finalWait: '1h',
        },
      ],
    });
    const handle = await stack.startIncident('schedule-dst');
    await stack.waitForRecord(handle, (r) => r.level === 1 && r.nextEscalationAt !== undefined);
    await stack.skipUntil(due + minutes(1));

    const record = await stack.waitForRecord(
      handle,
      (r) => r.notifications.filter((n) => n.level === 2 && n.status === 'delivered').length === 4,
    );
    const byTarget = Object.fromEntries(record.notifications.filter((n) => n.level === 2).map((n) => [n.target, n.recipient]));
    expect(byTarget).toEqual({ 'schedule:primary': 'ben', 'schedule:covered': 'cat' });
  });
});
