import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { IncidentUnreachedKey } from '../../workflows/search-attributes.js';
import { FAST_DELIVERY, startStack, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// "Nobody was reached" is an outcome (issue 11): a level whose every page failed for good, or whose
// targets resolved to no one, moves the escalation on instead of waiting out its delay as if
// someone had been paged. On the real dev server, with the production worker.
let peer: WebhookPeer;
let stack: Stack | undefined;

beforeEach(async () => {
  peer = await startWebhookPeer();
  // Level "dead" refuses every page for good (400 is not retried); the others take them.
  peer.respondWith(({ path }) => ({ status: path.includes('level=dead') ? 400 : 200 }));
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await peer.close();
});

const hook = (level: string) => ({ type: 'webhook', url: `${peer.url}?level=${level}` });
const levelsOf = (stackPeer: WebhookPeer) => stackPeer.received.map((r) => new URL(r.path, 'http://peer').searchParams.get('level'));

describe('a level that reaches nobody', () => {
  it('pages the next level at once instead of after its delay, and says so', async () => {
    stack = await startStack({
      policies: [{ name: 'onward', levels: [{ targets: [hook('dead')] }, { delay: '1h', targets: [hook('2')] }] }],
    });
    await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'unreached-next' });

    const record = await stack.waitForRecord('unreached-next', (r) =>
      r.notifications.some((n) => n.level === 2 && n.status === 'delivered'),
    );
    expect(record.unreachedLevels).toBe(1);
    expect(record.state).toBe('ACTIVE');
    expect(record.level).toBe(2);
    const said = record.timeline.map((e) => e.reason ?? '');
    expect(said.find((r) => r.startsWith('level 1 reached nobody'))).toMatch(/webhook:.*level=dead via webhook: .*400/);
    expect(said).toContain('level 2 paged now: level 1 reached nobody');
    const attributes = (await stack.incidents.handle('unreached-next').describe()).typedSearchAttributes;
    expect(attributes.get(IncidentUnreachedKey)).toBe(true);
  });

  it('pages the fallback with onUnreached: fallback, and keeps the next level on its own time', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'with-fallback',
          onUnreached: 'fallback',
          fallback: [hook('fallback')],
          levels: [{ targets: [hook('dead')] }, { delay: '1h', targets: [hook('2')] }],
        },
      ],
    });
    const started = Date.now();
    await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'unreached-fallback' });

    const record = await stack.waitForRecord('unreached-fallback', (r) =>
      r.notifications.some((n) => n.kind === 'fallback' && n.status === 'delivered'),
    );
    expect(levelsOf(peer)).toEqual(['fallback']);
    expect(record.notifications.find((n) => n.kind === 'fallback')).toMatchObject({
      level: 1,
      target: `webhook:${peer.url}?level=fallback`,
    });
    expect(record.level).toBe(1);
    expect(Date.parse(record.nextEscalationAt ?? '')).toBeGreaterThan(started + 50 * 60_000);
  });

  it('pages the fallback when the last level reaches nobody, whatever onUnreached says', async () => {
    stack = await startStack({
      policies: [{ name: 'last', fallback: [hook('fallback')], levels: [{ targets: [hook('dead')] }], finalWait: '1h' }],
    });
    await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'unreached-last' });

    const record = await stack.waitForRecord('unreached-last', (r) =>
      r.notifications.some((n) => n.kind === 'fallback' && n.status !== 'pending'),
    );
    expect(record.notifications.find((n) => n.kind === 'fallback')?.status).toBe('delivered');
    expect(record.unreachedLevels).toBe(1);
  });

  it('counts a level reached when any one of its pages got through', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'half',
          fallback: [hook('fallback')],
          levels: [{ targets: [hook('dead'), hook('1')] }, { delay: '1h', targets: [hook('2')] }],
        },
      ],
    });
    await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'half-reached' });

    const record = await stack.waitForRecord(
      'half-reached',
      (r) => r.notifications.length === 2 && r.notifications.every((n) => n.status !== 'pending'),
    );
    expect(record.notifications.map((n) => n.status).sort()).toEqual(['delivered', 'failed']);
    expect(record.unreachedLevels).toBeUndefined();
    expect(levelsOf(peer)).toEqual(['1']);
    expect(record.timeline.some((e) => e.reason?.includes('reached nobody'))).toBe(false);
  });

  it('pages the targets it can resolve when another has left the directory, and records the one it cannot', async () => {
    const directory = {
      users: [
        { id: 'bob', contacts: [{ channel: 'webhook', address: `${peer.url}?level=bob` }] },
        { id: 'dana', contacts: [{ channel: 'webhook', address: `${peer.url}?level=dana` }] },
      ],
    };
    const policy = (targets: { type: string; id: string }[]) => ({
      name: 'people',
      levels: [{ targets: [hook('1')] }, { delay: '2s', targets }],
    });
    stack = await startStack({
      directory,
      policies: [
        policy([
          { type: 'user', id: 'bob' },
          { type: 'user', id: 'dana' },
        ]),
      ],
    });
    await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'bob-left' });
    await stack.waitForRecord('bob-left', (r) => r.notifications.some((n) => n.level === 1 && n.status === 'delivered'));
    // Bob leaves the company: a reload drops him while the incident runs on its policy snapshot.
    stack.holder.replace(
      Config.parse({
        delivery: FAST_DELIVERY,
        directory: { users: directory.users.slice(1) },
        policies: [policy([{ type: 'user', id: 'dana' }])],
      }),
    );

    const record = await stack.waitForRecord('bob-left', (r) => {
      const second = r.notifications.filter((n) => n.level === 2);
      return second.length === 2 && second.every((n) => n.status !== 'pending');
    });
    expect(levelsOf(peer)).toEqual(['1', 'dana']);
    expect(record.notifications.filter((n) => n.level === 2).map((n) => [n.target, n.status])).toEqual(
      expect.arrayContaining([
        ['user:bob', 'failed'],
        ['user:dana', 'delivered'],
      ]),
    );
    expect(record.timeline.find((e) => e.reason?.startsWith('user:bob not paged'))?.reason).toMatch(/not in directory\.users/);
    expect(record.unreachedLevels).toBeUndefined();
  });
});
