import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// ackReminder (issue 12, item 3): whoever acknowledged hears it again while it stays acknowledged.
let peer: WebhookPeer;
let stack: Stack;

beforeEach(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({
    directory: { users: [{ id: 'dana', contacts: [{ channel: 'webhook', address: `${peer.url}?who=dana` }] }] },
    policies: [
      {
        name: 'reminded',
        levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '30s' })],
        ackReminder: { every: '400ms', count: 2 },
      },
    ],
  });
});
afterEach(async () => {
  await stack.stop();
  await peer.close();
});

const remindersTo = (who: string) => peer.received.filter((r) => r.path.endsWith(`?who=${who}`));

async function openIncident(key: string): Promise<void> {
  await stack.incidents.startIncident({ summary: `incident ${key}`, severity: 'critical', key });
  await stack.waitForState(key, 'ACTIVE');
}

describe('ackReminder', () => {
  it('reminds whoever acknowledged every interval, count times, and then stops', async () => {
    await openIncident('reminded');
    const acked = await stack.incidents.acknowledge('reminded', 'dana');
    // The count moves before the reminder's target is resolved: wait for both notifications too.
    const record = await stack.waitForRecord(
      'reminded',
      (r) => r.ackReminders === 2 && r.notifications.filter((n) => n.idempotencyKey.endsWith('/reminder')).length === 2,
    );
    await peer.waitFor(() => remindersTo('dana').length === 2);
    const reminders = record.notifications.filter((n) => n.idempotencyKey.endsWith('/reminder'));
    expect(reminders.map((n) => [n.kind, n.repeat, n.recipient])).toEqual([
      ['repeat', 1, 'dana'],
      ['repeat', 2, 'dana'],
    ]);
    const notes = record.timeline.filter((e) => e.reason?.startsWith('reminder '));
    expect(notes.map((e) => e.reason)).toEqual([
      'reminder 1 to user:dana: still acknowledged and not resolved',
      'reminder 2 to user:dana: still acknowledged and not resolved',
    ]);
    // Their due times are the planner's (test/unit/planner.test.ts); here: after the ack, in order.
    const ackAt = Date.parse(acked.acknowledgedAt ?? '');
    expect(Date.parse(notes[0]?.at ?? '')).toBeGreaterThan(ackAt);
    expect(Date.parse(notes[1]?.at ?? '')).toBeGreaterThan(Date.parse(notes[0]?.at ?? ''));
    expect(record.state).toBe('ACKNOWLEDGED');
    // Past a third interval: still two.
    await new Promise((r) => setTimeout(r, 600));
    expect((await stack.incidents.getIncident('reminded')).ackReminders).toBe(2);
    expect(remindersTo('dana')).toHaveLength(2);
  });

  it('stops reminding once the incident is resolved', async () => {
    await openIncident('reminded-resolved');
    await stack.incidents.acknowledge('reminded-resolved', 'dana');
    await stack.incidents.resolve('reminded-resolved', 'dana');
    await new Promise((r) => setTimeout(r, 1_000));
    const record = (await stack.incidents.handle('reminded-resolved').result()) as { ackReminders?: number };
    expect(record.ackReminders).toBeUndefined();
    expect(remindersTo('dana')).toHaveLength(0);
  });

  it('records a reminder to someone the directory does not know as not reached', async () => {
    await openIncident('reminded-unknown');
    await stack.incidents.acknowledge('reminded-unknown', 'api:ci');
    const record = await stack.waitForRecord('reminded-unknown', (r) =>
      r.timeline.some((e) => e.reason?.startsWith('user:api:ci not paged')),
    );
    expect(record.state).toBe('ACKNOWLEDGED');
  });
});
