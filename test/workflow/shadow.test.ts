import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRecord } from '../../client/cli/format.js';
import { shadowReport, ShadowReportQuery } from '../../client/shadow.js';
import { incidentStats, StatsQuery } from '../../client/stats.js';
import { listIncidents, ListOptions } from '../../client/visibility.js';
import { IncidentShadowKey } from '../../workflows/search-attributes.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Shadow mode (issue 15): incidents open and escalate as usual, every page is recorded as
// "would page <target> via <channel>", and nothing reaches the peer. On the real dev server, with
// the production worker and a real webhook peer on 127.0.0.1.
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

/** Polls visibility (eventually consistent) until `predicate` holds. */
async function eventually<T>(read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`visibility did not show the expected value within ${timeoutMs}ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('shadow mode', () => {
  it('escalates through every level, records each would-be page and sends nothing', async () => {
    stack = await startStack({
      gates: { mode: 'shadow' },
      policies: [
        { name: 'shadowed', levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '300ms' })], finalWait: '1h' },
      ],
    });
    const started = await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', key: 'shadow-walk' });
    expect(started).toMatchObject({ escalated: true, created: true });

    const record = await stack.waitForRecord('shadow-walk', (r) => r.level === 2 && r.notifications.every((n) => n.status !== 'pending'));
    expect(record.shadow).toBe(true);
    expect(record.state).toBe('ACTIVE');
    expect(record.notifications.map((n) => [n.level, n.status, n.reason])).toEqual([
      [1, 'skipped', `would page webhook:${peer.url}?level=1 via webhook (shadow mode)`],
      [2, 'skipped', `would page webhook:${peer.url}?level=2 via webhook (shadow mode)`],
    ]);
    expect(peer.received).toEqual([]);

    // The CLI's timeline shows the would-be pages among the moves.
    const shown = formatRecord(record, { timeline: true });
    expect(shown).toContain('SHADOW MODE');
    expect(shown).toMatch(/shadow\s+engine: would page webhook:.*level=1 via webhook \(shadow mode\)/);

    // An answer is announced only to providers that were paged: none, so nothing goes out either.
    const acknowledged = await stack.incidents.acknowledge('shadow-walk', 'dana');
    expect(acknowledged.state).toBe('ACKNOWLEDGED');
    expect(acknowledged.notifications.filter((n) => n.kind === 'update')).toEqual([]);
    expect(peer.received).toEqual([]);

    const handle = stack.incidents.handle('shadow-walk');
    expect((await handle.describe()).typedSearchAttributes.get(IncidentShadowKey)).toBe(true);

    const scope = { client: stack.incidents.temporal, taskQueue: stack.taskQueue };
    const stats = await eventually(
      () => incidentStats(scope, stack!.incidents, StatsQuery.parse({ window: '1h' })),
      (s) => s.shadow === 1,
    );
    expect(stats.total).toBe(1);
    const listed = await listIncidents(scope, ListOptions.parse({}));
    expect(listed.incidents.map((i) => [i.key, i.shadow])).toEqual([['shadow-walk', true]]);

    const report = await shadowReport(scope, stack.incidents, ShadowReportQuery.parse({ since: '1h' }));
    expect(report.incidents).toHaveLength(1);
    expect(report.incidents[0]).toMatchObject({ key: 'shadow-walk', policy: 'shadowed', state: 'ACKNOWLEDGED' });
    expect(report.incidents[0]?.pages.map((p) => [p.level, p.target, p.channel])).toEqual([
      [1, `webhook:${peer.url}?level=1`, 'webhook'],
      [2, `webhook:${peer.url}?level=2`, 'webhook'],
    ]);
  });

  it('pages for real on a route set to live, and only records on the others', async () => {
    stack = await startStack({
      gates: { mode: 'shadow' },
      routes: [{ match: { service: 'db' }, policy: 'cut-over', mode: 'live' }, { policy: 'trial' }],
      policies: [
        { name: 'cut-over', levels: [webhookLevel(peer.url, 'db')] },
        { name: 'trial', levels: [webhookLevel(peer.url, 'web')] },
      ],
    });
    await stack.incidents.startIncident({ summary: 'db down', severity: 'critical', service: 'db', key: 'shadow-live-db' });
    await stack.incidents.startIncident({ summary: 'web slow', severity: 'critical', service: 'web', key: 'shadow-trial-web' });

    const live = await stack.waitForRecord('shadow-live-db', (r) => r.notifications.some((n) => n.status === 'delivered'));
    const trial = await stack.waitForRecord('shadow-trial-web', (r) => r.notifications.some((n) => n.status === 'skipped'));
    expect(live.shadow).toBeUndefined();
    expect(trial.shadow).toBe(true);
    expect(trial.notifications[0]?.reason).toBe(`would page webhook:${peer.url}?level=web via webhook (shadow mode)`);
    expect(peer.received.map((r) => [r.body.incident.workflowId, new URL(r.path, 'http://peer').searchParams.get('level')])).toEqual([
      ['incident-shadow-live-db', 'db'],
    ]);
  });
});
