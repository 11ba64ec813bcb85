import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// repeatFrom (issue 12, item 2): the repeatPolicy loops start at the named level.
let peer: WebhookPeer;
let stack: Stack;

beforeEach(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({
    policies: [
      {
        name: 'loop-from-2',
        levels: [
          webhookLevel(peer.url, '1'),
          webhookLevel(peer.url, '2', { delay: '300ms' }),
          webhookLevel(peer.url, '3', { delay: '300ms' }),
        ],
        repeatPolicy: 1,
        repeatFrom: 2,
        finalWait: '300ms',
      },
    ],
  });
});
afterEach(async () => {
  await stack.stop();
  await peer.close();
});

describe('repeatFrom', () => {
  it('walks levels 1 to 3, then loops from level 2 under a new epoch, then times out', async () => {
    await stack.incidents.startIncident({ summary: 'queue backlog', severity: 'critical', key: 'repeat-from' });
    const record = await stack.waitForState('repeat-from', 'TIMED_OUT');
    await peer.waitFor(() => peer.keysFor('incident-repeat-from').length === 5);
    // Dispatch order from the record (a page may reach the peer after the next on a loaded machine).
    const pages = record.notifications.filter((n) => n.kind === 'page');
    expect(pages.map((n) => n.level)).toEqual([1, 2, 3, 2, 3]);
    expect(pages.map((n) => n.idempotencyKey.split('/').slice(1, 3).join('/'))).toEqual(['L1/R0', 'L2/R0', 'L3/R0', 'E1/L2', 'E1/L3']);
    expect(new Set(peer.keysFor('incident-repeat-from'))).toEqual(new Set(pages.map((n) => n.idempotencyKey)));
    expect(record).toMatchObject({ cycle: 1, level: 3, escalationCount: 4 });
    expect(record.closedReason ?? record.timeline.at(-1)?.reason).toContain('walked 2 time(s)');
  });
});
