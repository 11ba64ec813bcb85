import { afterEach, describe, expect, it } from 'vitest';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

interface Page {
  incidents: { key: string; state?: string; severity?: string; service?: string; policy?: string; level?: number }[];
  nextCursor?: string;
}

describe('GET /v1/incidents', () => {
  it('filters by the search attributes and pages with a cursor', async () => {
    stack = await startApiStack();
    const raise = (key: string, severity: string, service: string) =>
      stack!.call('POST', '/v1/incidents', { body: { summary: key, severity, service, key } });
    await raise('list-a', 'critical', 'checkout');
    await raise('list-b', 'error', 'checkout');
    await raise('list-c', 'warning', 'search');
    await stack.waitForState('list-c', 'ACTIVE');
    const page = (query: string) => stack!.call('GET', `/v1/incidents?${query}`, { token: TOKENS.read }).then((r) => r.body as Page);

    const all = await stack.eventually(
      () => page('state=ACTIVE'),
      (p) => p.incidents.length === 3,
    );
    expect(all.incidents.map((i) => i.key).sort()).toEqual(['list-a', 'list-b', 'list-c']);
    expect(all.incidents.find((i) => i.key === 'list-a')).toMatchObject({
      severity: 'critical',
      service: 'checkout',
      policy: 'default',
      level: 1,
    });

    expect((await page('severity=P1')).incidents.map((i) => i.key)).toEqual(['list-a']);
    expect((await page('service=checkout&state=ACTIVE')).incidents.map((i) => i.key).sort()).toEqual(['list-a', 'list-b']);
    expect((await page('policy=default&level=1')).incidents).toHaveLength(3);
    expect((await page('level=2')).incidents).toHaveLength(0);

    const first = await page('limit=2');
    expect(first.incidents).toHaveLength(2);
    expect(first.nextCursor).toBeTypeOf('string');
    const second = await page(`limit=2&cursor=${first.nextCursor}`);
    expect(second.incidents).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();
    expect([...first.incidents, ...second.incidents].map((i) => i.key).sort()).toEqual(['list-a', 'list-b', 'list-c']);

    await stack.call('POST', '/v1/incidents/list-a/acknowledge', { body: { by: 'dana' } });
    const acked = await stack.eventually(
      () => page('state=ACKNOWLEDGED'),
      (p) => p.incidents.length === 1,
    );
    expect(acked.incidents[0]).toMatchObject({ key: 'list-a' });
  });

  it('answers 400 naming the bad filter', async () => {
    stack = await startApiStack();
    const state = await stack.call('GET', '/v1/incidents?state=ON_FIRE');
    expect(state.status).toBe(400);
    expect(state.body.details[0].path).toBe('query.state');
    const service = await stack.call('GET', '/v1/incidents?service=a"%20OR%20true');
    expect(service.status).toBe(400);
    expect(service.body.details[0].path).toBe('query.service');
    expect((await stack.call('GET', '/v1/incidents?limit=5000')).body.details[0].path).toBe('query.limit');
    expect((await stack.call('GET', '/v1/incidents?cursor=not%20a%20cursor')).status).toBe(400);
    expect((await stack.call('GET', '/v1/incidents', { token: null })).status).toBe(401);
  });
});

describe('GET /v1/stats', () => {
  it('counts incidents by state and severity and gives MTTA and MTTR over the window', async () => {
    stack = await startApiStack();
    const raise = (key: string, severity: string) => stack!.call('POST', '/v1/incidents', { body: { summary: key, severity, key } });
    await raise('stats-a', 'critical');
    await raise('stats-b', 'critical');
    await raise('stats-c', 'warning');
    await stack.waitForState('stats-a', 'ACTIVE');
    await stack.call('POST', '/v1/incidents/stats-a/acknowledge', { body: { by: 'dana' } });
    await stack.call('POST', '/v1/incidents/stats-a/resolve', { body: { by: 'dana' } });
    await stack.call('POST', '/v1/incidents/stats-b/resolve', { body: { by: 'dana' } });

    const stats = await stack.eventually(
      () => stack!.call('GET', '/v1/stats?window=1h', { token: TOKENS.read }).then((r) => r.body),
      (s) => s.byState?.RESOLVED === 2 && s.mttr?.count === 2 && s.mtta?.count === 1 && s.byState?.ACTIVE + s.byState?.PENDING === 1,
    );
    expect(stats).toMatchObject({ window: '1h', total: 3, open: 1, bySeverity: { critical: 2, warning: 1, error: 0 } });
    // Measured from the records: opened → resolved, opened → acknowledged.
    const [a, b] = await Promise.all([stack.incidents.getIncident('stats-a'), stack.incidents.getIncident('stats-b')]);
    const span = (from: string, to?: string) => (Date.parse(to!) - Date.parse(from)) / 1000;
    expect(stats.mttr.count).toBe(2);
    expect(stats.mttr.meanSeconds).toBeCloseTo((span(a.createdAt, a.resolvedAt) + span(b.createdAt, b.resolvedAt)) / 2, 3);
    expect(stats.mtta.meanSeconds).toBeCloseTo(span(a.createdAt, a.acknowledgedAt), 3);
  });

  it('answers 400 for a window that is not a duration', async () => {
    stack = await startApiStack();
    const answer = await stack.call('GET', '/v1/stats?window=forever');
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].path).toBe('query.window');
  });
});
