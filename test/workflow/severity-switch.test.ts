import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { policyVersion } from '../../domain/policy-version.js';
import { EscalationPolicyKey } from '../../workflows/search-attributes.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Issue 6: a repeat at a higher severity raises the incident's severity and, when the routes now
// choose another policy, moves the incident to that policy's matching level. Real dev server.
let stack: Stack | undefined;
let peer: WebhookPeer | undefined;
afterEach(async () => {
  await stack?.stop();
  await peer?.close();
  stack = undefined;
  peer = undefined;
});

async function startSwitching(warningLevels: (url: string) => Record<string, unknown>[]): Promise<{ stack: Stack; peer: WebhookPeer }> {
  peer = await startWebhookPeer();
  stack = await startStack({
    policies: [
      { name: 'critical-policy', levels: [webhookLevel(peer.url, 'crit-1'), webhookLevel(peer.url, 'crit-2', { delay: '10m' })] },
      { name: 'warning-policy', levels: warningLevels(peer.url) },
    ],
    routes: [{ matchers: ['severity=critical'], policy: 'critical-policy' }, { policy: 'warning-policy' }],
  });
  return { stack, peer };
}

const pagesFor = (p: WebhookPeer, workflowId: string) =>
  p.received.filter((r) => r.body.incident.workflowId === workflowId && r.body.event === 'incident.page');

const switchNotes = (timeline: { reason?: string }[]) => timeline.map((e) => e.reason ?? '').filter((r) => r.startsWith('policy '));

describe('severity raise moving the incident to another policy', () => {
  it('moves a PENDING warning incident to critical-policy, pages its level 1 now, and ignores a lower repeat', async () => {
    const { stack: s, peer: p } = await startSwitching((url) => [
      webhookLevel(url, 'warn-1', { delay: '10m' }),
      webhookLevel(url, 'warn-2', { delay: '10m' }),
    ]);
    const key = `disk-${randomUUID().slice(0, 8)}`;
    const alert = (severity: string) => s.incidents.startIncident({ key, summary: 'disk filling up', severity, service: 'db' });

    const opened = await alert('warning');
    if (!opened.escalated) throw new Error('the warning alert should escalate');
    expect(opened).toMatchObject({ created: true, policy: 'warning-policy' });
    expect(await s.incidents.getIncident(opened.incidentId)).toMatchObject({ state: 'PENDING', severity: 'warning', level: 0 });
    const id = opened.incidentId;

    const raised = await alert('critical');
    if (!raised.escalated) throw new Error('the critical repeat should escalate');
    expect(raised).toMatchObject({ created: false, incidentId: id, policy: 'critical-policy' });
    const critical = s.config.policies.find((x) => x.name === 'critical-policy');
    if (!critical) throw new Error('critical-policy is configured');
    expect(raised.policyVersion).toBe(policyVersion(critical));
    expect(raised.policyVersion).not.toBe(opened.policyVersion);
    const afterRaise = await s.incidents.getIncident(id);
    expect(afterRaise.severity).toBe('critical');
    expect(switchNotes(afterRaise.timeline)).toEqual(['policy warning-policy → critical-policy (severity raised to critical)']);

    // critical-policy's level 1 goes out now, under a new epoch.
    await p.waitFor(() => pagesFor(p, id).length >= 1);
    const active = await s.waitForRecord(id, (r) => r.state === 'ACTIVE' && r.level === 1);
    expect(active).toMatchObject({ policy: 'critical-policy', severity: 'critical', occurrences: 2, epoch: 1 });
    expect(Date.parse(active.nextEscalationAt ?? '')).toBeGreaterThan(Date.now() + 5 * 60_000);
    const [page] = pagesFor(p, id);
    expect(page?.path).toBe('/hook?level=crit-1');
    expect(page?.body).toMatchObject({ level: 1, repeat: 0, incident: { severity: 'critical' } });
    expect(page?.body.idempotencyKey).toMatch(new RegExp(`^${id}/E1/L1/R0/`));
    const attributes = (await s.incidents.handle(id).describe()).typedSearchAttributes;
    expect(attributes.get(EscalationPolicyKey)).toBe('critical-policy');

    // A lower severity repeat is counted and changes nothing else.
    const lower = await alert('warning');
    if (!lower.escalated) throw new Error('the warning repeat should escalate');
    // The answer names the policy this alert routed to; the incident keeps the one it moved to.
    expect(lower).toMatchObject({ created: false, policy: 'warning-policy' });
    const afterLower = await s.incidents.getIncident(id);
    expect(afterLower).toMatchObject({ severity: 'critical', policy: 'critical-policy', state: 'ACTIVE', level: 1, occurrences: 3 });
    expect(switchNotes(afterLower.timeline)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(pagesFor(p, id).map((r) => r.path)).toEqual(['/hook?level=crit-1']);
  });

  it('moves an ACTIVE incident at level 3 to the last level of a two-level policy', async () => {
    const { stack: s, peer: p } = await startSwitching((url) => [
      webhookLevel(url, 'warn-1'),
      webhookLevel(url, 'warn-2', { delay: '100ms' }),
      webhookLevel(url, 'warn-3', { delay: '100ms' }),
      webhookLevel(url, 'warn-4', { delay: '10m' }),
    ]);
    const key = `cpu-${randomUUID().slice(0, 8)}`;
    const alert = (severity: string) => s.incidents.startIncident({ key, summary: 'cpu hot', severity, service: 'api' });

    const opened = await alert('warning');
    if (!opened.escalated) throw new Error('the warning alert should escalate');
    const id = opened.incidentId;
    await s.waitForRecord(id, (r) => r.state === 'ACTIVE' && r.level === 3);

    const raised = await alert('critical');
    expect(raised).toMatchObject({ escalated: true, created: false, policy: 'critical-policy' });
    await p.waitFor(() => ['/hook?level=warn-3', '/hook?level=crit-2'].every((path) => pagesFor(p, id).some((r) => r.path === path)));
    const moved = await s.waitForRecord(id, (r) => r.policy === 'critical-policy' && r.level === 2);
    expect(moved).toMatchObject({ state: 'ACTIVE', severity: 'critical' });
    // Dispatch order is the record's; warn-3 and crit-2 may reach the peer in either order on a loaded machine.
    expect(moved.notifications.map((n) => n.target)).toEqual(
      ['warn-1', 'warn-2', 'warn-3', 'crit-2'].map((level) => expect.stringContaining(`level=${level}`)),
    );
    expect(
      pagesFor(p, id)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/hook?level=crit-2', '/hook?level=warn-1', '/hook?level=warn-2', '/hook?level=warn-3']);
  });
});
