import { afterEach, describe, expect, it } from 'vitest';
import { escalateOn } from '../helpers/cli.js';
import { incidentAnalytics } from '../../domain/analytics.js';
import type { IncidentRecord } from '../../domain/incident.js';
import { WORKFLOW_TYPE } from '../../workflows/messages.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';
import { webhookLevel } from '../helpers/stack.js';
import { startWebhookPeer } from '../helpers/webhook-peer.js';

let stack: ApiStack | undefined;
let closePeer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await closePeer?.();
  closePeer = undefined;
});

/** Dana is paged through a webhook contact, so the pages carry her directory id. */
const danaConfig = (url: string) => ({
  directory: { users: [{ id: 'dana', timezone: 'Europe/Berlin', contacts: [{ channel: 'webhook', address: url }] }] },
  policies: [
    { name: 'default', levels: [{ targets: [{ type: 'user', id: 'dana' }] }, { delay: '30s', targets: [{ type: 'user', id: 'dana' }] }] },
  ],
});

describe('GET /v1/analytics', () => {
  it('gives the figures of the incidents opened in the window, grouped by service, as JSON and CSV', async () => {
    stack = await startApiStack();
    const raise = (key: string, service: string) =>
      stack!.call('POST', '/v1/incidents', { body: { summary: key, severity: 'critical', service, key } });
    await raise('an-a', 'checkout');
    await raise('an-b', 'checkout');
    await raise('an-c', 'search');
    await stack.waitForState('an-a', 'ACTIVE');
    await stack.call('POST', '/v1/incidents/an-a/acknowledge', { body: { by: 'dana' } });
    await stack.call('POST', '/v1/incidents/an-a/resolve', { body: { by: 'dana' } });
    await stack.call('POST', '/v1/incidents/an-b/resolve', { body: { by: 'bob' } });

    const answer = await stack.eventually(
      () => stack!.call('GET', '/v1/analytics?window=1h&by=service', { token: TOKENS.read }).then((r) => r.body),
      (body) => body.total?.incidents === 3 && body.total?.resolved === 2,
    );
    expect(answer).toMatchObject({ window: '1h', by: 'service', source: { matched: 3, read: 3, unreadable: 0, sampled: false } });
    expect(answer.groups.map((g: { group: string; incidents: number }) => [g.group, g.incidents])).toEqual([
      ['checkout', 2],
      ['search', 1],
    ]);
    expect(answer.total).toMatchObject({ acknowledged: 1, resolved: 2, mtta: { count: 1 }, mttr: { count: 2 }, slaBreaches: 0 });

    // The same figures as the pure function gives over the records themselves.
    const records = await Promise.all(['an-a', 'an-b', 'an-c'].map((key) => stack!.incidents.getIncident(key)));
    const expected = incidentAnalytics(records, 'service', Date.parse(answer.since), Date.parse(answer.until));
    expect(answer.groups).toEqual(expected.groups);

    const csv = await fetch(`${stack.api.url}/v1/analytics?window=1h&by=policy&format=csv`, {
      headers: { authorization: `Bearer ${TOKENS.read}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^group,incidents,acknowledged,resolved,mtta_p50_seconds/);
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 4).join(','))).toEqual(['default,3,1,2', '(all),3,1,2']);
  });

  it('answers 400 naming a bad grouping, window or limit', async () => {
    stack = await startApiStack();
    expect((await stack.call('GET', '/v1/analytics?by=team')).body.details[0].path).toBe('query.by');
    expect((await stack.call('GET', '/v1/analytics?window=forever')).body.details[0].path).toBe('query.window');
    expect((await stack.call('GET', '/v1/analytics?limit=100000')).body.details[0].path).toBe('query.limit');
    expect((await stack.call('GET', '/v1/analytics/oncall-load?timezone=Mars/Olympus')).body.details[0].path).toBe('query.timezone');
  });
});

describe('GET /v1/analytics/oncall-load', () => {
  it("counts each person's pages in their directory time zone, per week", async () => {
    const peer = await startWebhookPeer();
    closePeer = () => peer.close();
    stack = await startApiStack(danaConfig(peer.url));
    for (const key of ['load-a', 'load-b'])
      await stack.call('POST', '/v1/incidents', { body: { summary: key, severity: 'critical', key } });
    await stack.waitForRecord('load-b', (r) => r.notifications.some((n) => n.status === 'delivered'));
    await stack.waitForRecord('load-a', (r) => r.notifications.some((n) => n.status === 'delivered'));

    const load = await stack.eventually(
      () => stack!.call('GET', '/v1/analytics/oncall-load?window=1h', { token: TOKENS.read }).then((r) => r.body),
      (body) => body.people?.[0]?.pages === 2,
    );
    expect(load.people).toHaveLength(1);
    const dana = load.people[0];
    expect(dana).toMatchObject({ person: 'dana', timezone: 'Europe/Berlin', pages: 2 });
    expect(dana.businessHours + dana.offHours + dana.night).toBe(2);
    expect(dana.weeks.reduce((sum: number, w: { pages: number }) => sum + w.pages, 0)).toBe(2);
  });
});

describe('GET /v1/stats after continue-as-new', () => {
  it('measures MTTR from the record, not from the last run', async () => {
    stack = await startApiStack({
      policies: [
        {
          name: 'chatty',
          levels: [webhookLevel('http://127.0.0.1:9/unused', '1', { repeat: { count: 12, interval: '60ms' } })],
          finalWait: '200ms',
        },
      ],
    });
    const client = stack.incidents.temporal;
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'incident-stats-long',
      args: [
        {
          incident: { key: 'stats-long', summary: 'stats long', severity: 'critical', service: 'long', labels: {}, links: [] },
          policy: stack.config.policies[0],
          occurrenceId: 'first',
          settings: { delivery: { ...stack.config.delivery, maximumAttempts: 1 }, maxHistoryEvents: 60 },
        },
      ],
    });
    await stack.waitForRecord(
      'stats-long',
      (r) => r.state === 'TIMED_OUT' && r.runs >= 1 && r.notifications.every((n) => n.status !== 'pending'),
    );
    const record: IncidentRecord = await stack.incidents.resolve('stats-long', 'dana');
    const expected = (Date.parse(record.resolvedAt!) - Date.parse(record.createdAt)) / 1000;

    const description = await client.workflow.getHandle('incident-stats-long').describe();
    const lastRun = (description.closeTime!.getTime() - description.startTime.getTime()) / 1000;
    expect(expected).toBeGreaterThan(lastRun);

    const stats = await stack.eventually(
      () => stack!.call('GET', '/v1/stats?window=1h', { token: TOKENS.read }).then((r) => r.body),
      (s) => s.mttr?.count === 1,
    );
    expect(stats.mttr.meanSeconds).toBeCloseTo(expected, 3);
  });
});

describe('escalate stats --by and --oncall-load', () => {
  // Several CLI processes (tsx start-up each): slow on a loaded machine, hence the longer bound.
  it('prints the analytics and the on-call load from the command line, as a table, JSON or CSV', { timeout: 150_000 }, async () => {
    const peer = await startWebhookPeer();
    closePeer = () => peer.close();
    stack = await startApiStack(danaConfig(peer.url));
    const cli = escalateOn(stack.taskQueue, danaConfig(peer.url));
    const escalate = (args: string[]) => cli(['stats', ...args]);
    await stack.incidents.startIncident({ summary: 'cli analytics', severity: 'critical', service: 'cli', key: 'cli-analytics' });
    await stack.waitForRecord('cli-analytics', (r) => r.notifications.some((n) => n.status === 'delivered'));
    await stack.incidents.acknowledge('cli-analytics', 'dana');

    // Visibility catches up first (polled through the API: a CLI process per poll is slow), then the CLI.
    await stack.eventually(
      () => stack!.call('GET', '/v1/analytics?window=1h&by=responder', { token: TOKENS.read }).then((r) => r.body),
      (body) => body.total?.acknowledged === 1 && body.groups?.[0]?.group === 'dana',
    );
    const json = await escalate(['--by', 'responder', '--window', '1h', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).groups).toMatchObject([{ group: 'dana', incidents: 1, mtta: { count: 1 } }]);

    const table = await escalate(['--by', 'service', '--window', '1h']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^cli\s+1\s+1\s+0\s/m);

    const csv = await escalate(['--oncall-load', '--window', '1h', '--csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split('\n')).toEqual([
      'person,timezone,week,pages,business_hours,off_hours,night',
      expect.stringMatching(/^dana,Europe\/Berlin,\d{4}-W\d\d,1,/),
    ]);

    const bad = await escalate(['--by', 'team']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--by');
  });
});

describe('GET /v1/services/{service}/health', () => {
  it("scores the service's open incidents against the default SLAs, with an hourly trend", async () => {
    stack = await startApiStack();
    const raise = (key: string, severity: string, service: string) =>
      stack!.call('POST', '/v1/incidents', { body: { summary: key, severity, service, key } });
    await raise('health-a', 'critical', 'ledger');
    await raise('health-b', 'error', 'ledger');
    await raise('health-other', 'critical', 'elsewhere');
    await stack.waitForState('health-a', 'ACTIVE');
    await stack.call('POST', '/v1/incidents/health-b/resolve', { body: { by: 'dana' } });

    const health = await stack.eventually(
      () => stack!.call('GET', '/v1/services/ledger/health?window=6h', { token: TOKENS.read }).then((r) => r.body),
      (body) => body.source?.read === 2 && body.inputs?.openBySeverity?.critical === 1 && body.inputs?.openBySeverity?.error === undefined,
    );
    // One critical open (20); b was resolved within its SLA; nobody waited past 15 minutes.
    expect(health).toMatchObject({
      service: 'ledger',
      window: '6h',
      score: 80,
      band: 'good',
      penalties: { open: 20, respond: 0, resolve: 0, breaches: 0 },
      slas: { from: 'defaults', targets: { critical: { respondWithinSeconds: 900, resolveWithinSeconds: 14_400 } } },
    });
    expect(health.trend).toHaveLength(6);
    expect(health.trend.at(-1)).toMatchObject({ score: 80, band: 'good' });
    expect(health.trend[0]).toMatchObject({ score: 100, band: 'excellent' });
  });

  it('answers 400 for a service name visibility cannot be asked about', async () => {
    stack = await startApiStack();
    const answer = await stack.call('GET', '/v1/services/a%22%20OR%20true/health');
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].path).toBe('param.service');
  });
});
