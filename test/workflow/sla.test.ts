import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlaBreachedKey } from '../../workflows/search-attributes.js';
import { minutes, useTimeSkipping } from '../helpers/time-skipping.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Response-time SLAs (issue 14) on the time-skipping server: a breach is said once per incident and
// kind, on the timeline and in visibility, and pages the config's onBreach targets, even when the
// incident was acknowledged meanwhile (a resolve SLA breaks while someone works on it).
const timeSkipping = useTimeSkipping();
let peer: WebhookPeer;

beforeAll(async () => {
  peer = await startWebhookPeer();
});
afterAll(async () => {
  await peer.close();
});

const breachPages = (key: string) =>
  peer.received.filter((r) => r.body.incident.workflowId === `incident-${key}` && r.path.includes('to=managers')).map((r) => r.body.event);

describe('response-time SLAs', () => {
  it('records each breach once, marks the incident and pages onBreach, acknowledged or not', async () => {
    const stack = await timeSkipping.start({
      policies: [
        {
          name: 'sla',
          levels: [{ targets: [{ type: 'log', id: 'team-lead' }] }, { delay: '1h', targets: [{ type: 'log', id: 'managers' }] }],
        },
      ],
      slas: { critical: { respondWithin: '15m', resolveWithin: '2h' }, warning: { respondWithin: '1h' } },
      onBreach: [{ type: 'webhook', url: `${peer.url}?to=managers` }],
    });
    const opened = await stack.now();
    await stack.incidents.startIncident({ summary: 'checkout down', severity: 'critical', key: 'sla-breach', policy: 'sla' });
    const handle = stack.handle('sla-breach');
    await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE');

    await stack.skipUntil(opened + minutes(16));
    const late = await stack.waitForRecord(
      handle,
      (r) => (r.slaBreaches ?? []).length === 1 && r.notifications.some((n) => n.kind === 'breach' && n.status === 'delivered'),
    );
    expect(late.slaBreaches).toEqual(['respond']);
    expect(late.timeline.find((e) => e.by === 'sla')?.reason).toBe('SLA breached: not acknowledged within 15m (critical respondWithin)');
    expect((await handle.describe()).typedSearchAttributes.get(SlaBreachedKey)).toBe(true);

    await stack.incidents.acknowledge('sla-breach', 'dana', 'on it');
    await stack.skipUntil(opened + minutes(125));
    const record = await stack.waitForRecord(
      handle,
      (r) => r.notifications.filter((n) => n.kind === 'breach' && n.status === 'delivered').length === 2,
    );
    expect(record.state).toBe('ACKNOWLEDGED');
    expect(record.slaBreaches).toEqual(['respond', 'resolve']);
    expect(record.timeline.filter((e) => e.by === 'sla').map((e) => e.reason)).toEqual([
      'SLA breached: not acknowledged within 15m (critical respondWithin)',
      'SLA breached: not resolved within 2h (critical resolveWithin)',
    ]);
    await stack.skipUntil(opened + minutes(300));
    expect((await stack.record(handle)).slaBreaches).toEqual(['respond', 'resolve']);
    // Two breach pages; the managers' webhook also heard the acknowledgement, as every paged webhook does.
    expect(breachPages('sla-breach')).toEqual(['incident.page', 'incident.acknowledged', 'incident.page']);
  });

  it('breaks no SLA when the incident is answered in time, and none for a severity without one', async () => {
    const stack = await timeSkipping.start({
      policies: [{ name: 'sla', levels: [{ targets: [{ type: 'log', id: 'team-lead' }] }] }],
      slas: { critical: { respondWithin: '15m' } },
      onBreach: [{ type: 'webhook', url: `${peer.url}?to=managers` }],
    });
    const opened = await stack.now();
    await stack.incidents.startIncident({ summary: 'fast answer', severity: 'critical', key: 'sla-kept', policy: 'sla' });
    await stack.incidents.startIncident({ summary: 'no sla', severity: 'error', key: 'sla-none', policy: 'sla' });
    await stack.waitForRecord(stack.handle('sla-kept'), (r) => r.state === 'ACTIVE');
    await stack.incidents.acknowledge('sla-kept', 'dana', 'on it');
    await stack.skipUntil(opened + minutes(30));
    for (const key of ['sla-kept', 'sla-none']) {
      const record = await stack.record(stack.handle(key));
      expect(record.slaBreaches).toBeUndefined();
      expect(breachPages(key)).toEqual([]);
    }
  });
});
