import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// A route's grouping window (groupBy + groupWait) on the real dev server, through the client library.
let stack: Stack | undefined;
let peer: WebhookPeer | undefined;
afterEach(async () => {
  await stack?.stop();
  await peer?.close();
  stack = undefined;
  peer = undefined;
});

const GROUP_WAIT_MS = 1_500;
/** Group keys are workflow ids on the shared dev server: each test groups its own alertname. */
const alertname = () => `DiskFull-${randomUUID().slice(0, 8)}`;

async function startGrouping(): Promise<{ stack: Stack; peer: WebhookPeer }> {
  peer = await startWebhookPeer();
  stack = await startStack({
    policies: [{ name: 'default', levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '30s' })] }],
    routes: [{ policy: 'default', groupBy: ['alertname', 'service'], groupWait: `${GROUP_WAIT_MS}ms` }],
  });
  return { stack, peer };
}

const pagesFor = (p: WebhookPeer, workflowId: string) =>
  p.received.filter((r) => r.body.incident.workflowId === workflowId && r.body.event === 'incident.page');

describe('grouping window', () => {
  it('gathers three alerts sharing alertname and service into one incident and pages level 1 once, after groupWait', async () => {
    const { stack: s, peer: p } = await startGrouping();
    const name = alertname();
    const alert = (summary: string, instance: string, extra: Record<string, unknown> = {}) =>
      s.incidents.startIncident({
        summary,
        severity: 'warning',
        service: 'db',
        source: 'prometheus',
        labels: { alertname: name, instance },
        ...extra,
      });

    const first = await alert('disk 91% on db-1', 'db-1');
    const second = await alert('disk 93% on db-2', 'db-2', { key: 'fp-db-2' });
    const third = await alert('disk 95% on db-3', 'db-3');
    if (!first.escalated || !second.escalated || !third.escalated) throw new Error('every alert should escalate');
    expect(first.created).toBe(true);
    expect([second.created, third.created]).toEqual([false, false]);
    expect(second.incidentId).toBe(first.incidentId);
    expect(third.incidentId).toBe(first.incidentId);
    expect(first.incidentId).toMatch(/^incident-group-r0-[0-9a-f]{16}$/);

    const pending = await s.incidents.getIncident(first.incidentId);
    expect(pending).toMatchObject({ state: 'PENDING', occurrences: 3, summary: 'disk 91% on db-1' });
    expect(Date.parse(pending.nextEscalationAt ?? '')).toBe(Date.parse(pending.createdAt) + GROUP_WAIT_MS);
    const joined = pending.timeline.filter((e) => e.kind === 'occurrence').map((e) => e.reason);
    expect(joined).toEqual([
      expect.stringMatching(/^alert joined the group: \[warning\] disk 93% on db-2 \(key fp-db-2\) \(2 occurrences\)$/),
      expect.stringMatching(/^alert joined the group: \[warning\] disk 95% on db-3 \(3 occurrences\)$/),
    ]);

    const active = await s.waitForState(first.incidentId, 'ACTIVE');
    await p.waitFor(() => pagesFor(p, first.incidentId).length >= 1);
    const firstPage = pagesFor(p, first.incidentId)[0];
    expect(firstPage?.at).toBeGreaterThanOrEqual(Date.parse(active.createdAt) + GROUP_WAIT_MS);
    // Level 2 is 30s away: nothing else may page in the meantime.
    await new Promise((r) => setTimeout(r, 500));
    expect(pagesFor(p, first.incidentId).map((r) => r.body.level)).toEqual([1]);
    expect(await s.incidents.getIncident(first.incidentId)).toMatchObject({ occurrences: 3, level: 1 });
  });

  it('opens another incident for an alert of another service', async () => {
    const { stack: s } = await startGrouping();
    const labels = { alertname: alertname() };
    const db = await s.incidents.startIncident({ summary: 'disk full', severity: 'warning', service: 'db', labels });
    const web = await s.incidents.startIncident({ summary: 'disk full', severity: 'warning', service: 'web', labels });
    expect(db).toMatchObject({ escalated: true, created: true });
    expect(web).toMatchObject({ escalated: true, created: true });
    if (!db.escalated || !web.escalated) return;
    expect(web.incidentId).not.toBe(db.incidentId);
    expect((await s.incidents.getIncident(web.incidentId)).occurrences).toBe(1);
  });
});
