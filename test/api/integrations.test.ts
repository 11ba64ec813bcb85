import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('POST /v1/integrations/alertmanager', () => {
  it('raises one incident per alert keyed by fingerprint, counts a second delivery, and resolves on the resolved delivery', async () => {
    stack = await startApiStack();
    const firing = await stack.call('POST', '/v1/integrations/alertmanager', {
      body: fixture('alertmanager-firing.json'),
      token: TOKENS.write,
    });
    expect(firing.status).toBe(200);
    expect(firing.body.results).toEqual([
      expect.objectContaining({ fingerprint: '1a30ba71cca2921f', incidentId: 'incident-1a30ba71cca2921f', action: 'created' }),
      expect.objectContaining({ fingerprint: '7be2c1f0a9d3e410', incidentId: 'incident-7be2c1f0a9d3e410', action: 'created' }),
    ]);
    const checkout = await stack.incidents.getIncident('1a30ba71cca2921f');
    expect(checkout).toMatchObject({
      summary: 'BlackBox Probe Failure: https://checkout.example.org',
      severity: 'critical',
      service: 'checkout',
      source: 'alertmanager',
    });
    expect(checkout.labels).toMatchObject({ team: 'payments', alertname: 'ProbeFailure' });
    expect(checkout.details).toMatchObject({ description: expect.stringContaining('down for over 5m') });
    expect(checkout.links).toEqual(expect.arrayContaining([{ href: 'https://runbooks.example.org/probe-failure', text: 'Runbook' }]));
    // No service label: the job names the service.
    expect((await stack.incidents.getIncident('7be2c1f0a9d3e410')).service).toBe('http_checks');

    // The same delivery again (a retry) counts nothing twice; the alert firing anew (a new startsAt) counts.
    const retried = await stack.call('POST', '/v1/integrations/alertmanager', { body: fixture('alertmanager-firing.json') });
    expect(retried.status).toBe(200);
    expect((await stack.incidents.getIncident('1a30ba71cca2921f')).occurrences).toBe(1);
    const refired = fixture('alertmanager-firing.json');
    for (const alert of refired.alerts as { startsAt: string }[]) alert.startsAt = '2026-01-05T16:00:00Z';
    const again = await stack.call('POST', '/v1/integrations/alertmanager', { body: refired });
    expect(again.body.results.map((r: { action: string }) => r.action)).toEqual(['occurrence', 'occurrence']);
    expect((await stack.incidents.getIncident('1a30ba71cca2921f')).occurrences).toBe(2);

    const resolved = await stack.call('POST', '/v1/integrations/alertmanager', { body: fixture('alertmanager-resolved.json') });
    expect(resolved.body.results.map((r: { action: string }) => r.action)).toEqual(['resolved', 'resolved']);
    const record = await stack.incidents.getIncident('1a30ba71cca2921f');
    expect(record).toMatchObject({ state: 'RESOLVED', resolvedBy: 'alertmanager' });

    // Alertmanager sends a resolved notification again and again: the same answer from the same
    // sender is taken as that answer (idempotent), and changes nothing.
    const late = await stack.call('POST', '/v1/integrations/alertmanager', { body: fixture('alertmanager-resolved.json') });
    expect(late.body.results.map((r: { action: string }) => r.action)).toEqual(['resolved', 'resolved']);
    expect((await stack.incidents.getIncident('1a30ba71cca2921f')).resolvedAt).toBe(record.resolvedAt);
  });

  it('answers a resolved alert it never saw with not_found, and an alert with an unknown severity as invalid', async () => {
    stack = await startApiStack();
    const payload = fixture('alertmanager-firing.json');
    const alerts = payload.alerts as { status: string; labels: Record<string, string>; fingerprint: string }[];
    alerts[0]!.status = 'resolved';
    alerts[0]!.fingerprint = 'never-seen-0001';
    alerts[1]!.labels.severity = 'apocalyptic';
    const answer = await stack.call('POST', '/v1/integrations/alertmanager', { body: payload });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].action).toBe('not_found');
    expect(answer.body.results[1]).toMatchObject({ action: 'invalid', details: [expect.objectContaining({ path: 'severity' })] });
  });

  it("refuses a payload that is not Alertmanager's with 400, and an unauthenticated delivery with 401", async () => {
    stack = await startApiStack();
    const bad = await stack.call('POST', '/v1/integrations/alertmanager', { body: { status: 'firing', alerts: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('alerts');
    const payload = fixture('alertmanager-firing.json');
    for (const alert of payload.alerts as { fingerprint: string }[]) alert.fingerprint = `unauthenticated-${alert.fingerprint}`;
    expect((await stack.call('POST', '/v1/integrations/alertmanager', { body: payload, token: null })).status).toBe(401);
    expect((await stack.call('GET', '/v1/incidents/unauthenticated-1a30ba71cca2921f')).status).toBe(404);
  });
});

describe('POST /v1/integrations/grafana', () => {
  it("raises the documented example's alerts, routes them by their team label, and resolves them", async () => {
    stack = await startApiStack({
      routes: [{ match: { team: 'blue' }, policy: 'blue-team' }, { policy: 'default' }],
      policies: [
        { name: 'default', levels: [{ targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/unused' }] }] },
        { name: 'blue-team', levels: [{ delay: '30s', targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/unused' }] }] },
      ],
    });
    const firing = await stack.call('POST', '/v1/integrations/grafana', { body: fixture('grafana-firing.json') });
    expect(firing.status).toBe(200);
    expect(firing.body.results.map((r: { action: string }) => r.action)).toEqual(['created', 'created']);
    const cpu = await stack.incidents.getIncident('bc97ff14869b13e3');
    expect(cpu).toMatchObject({
      summary: 'This alert was triggered for zone eu-1',
      severity: 'warning',
      source: 'grafana',
      policy: 'blue-team',
    });
    expect(cpu.links.map((l) => l.text)).toEqual(['Runbook', 'Alert rule', 'Dashboard', 'Panel']);

    const payload = fixture('grafana-firing.json');
    expect((await stack.call('POST', '/v1/integrations/grafana', { body: payload })).body.results[0].action).toBe('occurrence');
    payload.status = 'resolved';
    for (const alert of payload.alerts as { status: string }[]) alert.status = 'resolved';
    const resolved = await stack.call('POST', '/v1/integrations/grafana', { body: payload });
    expect(resolved.body.results.map((r: { action: string }) => r.action)).toEqual(['resolved', 'resolved']);
    expect((await stack.incidents.getIncident('c6eadffa33fcdf37')).state).toBe('RESOLVED');
  });
});
