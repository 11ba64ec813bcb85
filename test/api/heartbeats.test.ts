import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatClient } from '../../client/heartbeats.js';
import { Config } from '../../domain/config.js';
import { heartbeatWorkflowId } from '../../domain/heartbeat-state.js';
import { heartbeatStatusQuery } from '../../workflows/heartbeat-messages.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';
import { escalateOn } from '../helpers/cli.js';
import { startHttpPeer, type HttpPeer } from '../helpers/peers/http.js';

// Heartbeats through the HTTP API on the real stack: the dev server, the production worker and
// the API. Names carry an `api-hb-` prefix: watch and incident ids are shared by the whole run.
const HEARTBEAT_TOKEN = 'test-heartbeat-token-0123456789';

let stack: ApiStack | undefined;
const watched: string[] = [];

afterEach(async () => {
  if (stack) {
    const client = stack.incidents.temporal;
    for (const name of watched.splice(0)) {
      await client.workflow
        .getHandle(heartbeatWorkflowId(name))
        .terminate('test over')
        .catch(() => undefined);
    }
    await stack.stop();
  }
  stack = undefined;
});

const tokens = {
  api: {
    tokens: [
      { name: 'ops', token: TOKENS.admin, scopes: ['admin'] },
      { name: 'ci', token: TOKENS.write, scopes: ['incidents:write'] },
      { name: 'dashboard', token: TOKENS.read, scopes: ['incidents:read'] },
      { name: 'backup-cron', token: HEARTBEAT_TOKEN, scopes: ['heartbeats:write'] },
    ],
  },
};

function withHeartbeats(heartbeats: Record<string, unknown>[]) {
  for (const heartbeat of heartbeats) watched.push(String(heartbeat.name));
  return (peerUrl: string) => ({
    ...tokens,
    policies: [{ name: 'default', levels: [{ targets: [{ type: 'webhook', url: `${peerUrl}?level=1` }] }] }],
    heartbeats,
  });
}

describe('POST /v1/heartbeats/{name} and GET /v1/heartbeats', () => {
  it('records a ping with a heartbeats:write token and lists the heartbeat as healthy with its last ping and next deadline', async () => {
    stack = await startApiStack(withHeartbeats([{ name: 'api-hb-backup', every: '24h', grace: '1h', service: 'backups' }]));
    const ping = await stack.call('POST', '/v1/heartbeats/api-hb-backup', { token: HEARTBEAT_TOKEN, body: { note: 'run 41 ok' } });
    expect(ping.status).toBe(202);
    expect(ping.body).toMatchObject({ name: 'api-hb-backup', workflowId: 'heartbeat-api-hb-backup', accepted: true });

    const listed = await stack.call('GET', '/v1/heartbeats', { token: TOKENS.read });
    expect(listed.status).toBe(200);
    const backup = listed.body.heartbeats.find((h: { name: string }) => h.name === 'api-hb-backup');
    expect(backup).toMatchObject({
      engine: false,
      every: '1d',
      grace: '1h',
      severity: 'critical',
      service: 'backups',
      state: 'healthy',
      watching: true,
      lastPing: { at: ping.body.receivedAt, by: 'api:backup-cron', note: 'run 41 ok' },
      nextDeadline: new Date(Date.parse(ping.body.receivedAt) + 25 * 3_600_000).toISOString(),
    });
    // The engine's own heartbeat is always listed; nothing started its watch in this test.
    expect(listed.body.heartbeats.map((h: { name: string }) => h.name)).toEqual(['api-hb-backup', 'escalation-engine']);
  });

  it('takes a bare POST without a body, as a cron job sends it', async () => {
    stack = await startApiStack(withHeartbeats([{ name: 'api-hb-bare', every: '1h' }]));
    const response = await fetch(`${stack.api.url}/v1/heartbeats/api-hb-bare`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HEARTBEAT_TOKEN}` },
    });
    expect(response.status).toBe(202);
  });

  it('answers 404 naming the configured heartbeats for an unknown name, and starts nothing', async () => {
    stack = await startApiStack(withHeartbeats([{ name: 'api-hb-known', every: '1h' }]));
    const response = await stack.call('POST', '/v1/heartbeats/api-hb-unknown', { token: HEARTBEAT_TOKEN });
    expect(response.status).toBe(404);
    expect(response.body.error).toContain('api-hb-known');
    expect(response.body.details).toEqual([{ path: 'name', message: 'configured: api-hb-known' }]);
    const described = await stack.incidents.temporal.workflow
      .getHandle(heartbeatWorkflowId('api-hb-unknown'))
      .describe()
      .catch(() => undefined);
    expect(described).toBeUndefined();
  });

  it('refuses a ping without a token (401), with a token lacking heartbeats:write (403) and a body with other fields (400)', async () => {
    stack = await startApiStack(withHeartbeats([{ name: 'api-hb-guarded', every: '1h' }]));
    expect((await stack.call('POST', '/v1/heartbeats/api-hb-guarded', { token: null })).status).toBe(401);
    const forbidden = await stack.call('POST', '/v1/heartbeats/api-hb-guarded', { token: TOKENS.write });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.details[0].message).toContain('heartbeats:write');
    const bad = await stack.call('POST', '/v1/heartbeats/api-hb-guarded', { token: HEARTBEAT_TOKEN, body: { note: 'x', extra: 1 } });
    expect(bad.status).toBe(400);
    expect((await stack.call('GET', '/v1/heartbeats', { token: TOKENS.read })).body.heartbeats[0]).toMatchObject({
      name: 'api-hb-guarded',
      state: 'never-pinged',
      watching: false,
      pings: 0,
    });
  });

  it('accepts a ping and lists it while no worker runs', async () => {
    stack = await startApiStack(withHeartbeats([{ name: 'api-hb-no-worker', every: '1h', grace: '5m' }]), {}, { worker: false });
    const ping = await stack.call('POST', '/v1/heartbeats/api-hb-no-worker', { token: HEARTBEAT_TOKEN });
    expect(ping.status).toBe(202);
    const listed = await stack.call('GET', '/v1/heartbeats', { token: TOKENS.read });
    expect(listed.status).toBe(200);
    expect(listed.body.heartbeats[0]).toMatchObject({
      name: 'api-hb-no-worker',
      state: 'healthy',
      watching: true,
      pings: 1,
      lastPing: { at: ping.body.receivedAt },
    });
  });

  it('opens incident heartbeat-<name> when a beat is missed, pages its route, and resolves it at the next ping', async () => {
    // Sub-second timing (the schema takes it; `policy validate` would refuse it) keeps the test short.
    stack = await startApiStack(withHeartbeats([{ name: 'api-hb-missed', every: '1s', grace: '500ms', severity: 'error' }]));
    // A sender retries a 503 (the server did not take the ping within 2 s, Retry-After), as a cron job should.
    const ping = () =>
      stack!.eventually(
        () => stack!.call('POST', '/v1/heartbeats/api-hb-missed', { token: HEARTBEAT_TOKEN }),
        (answer) => answer.status !== 503,
      );
    const first = await ping();
    expect(first.status).toBe(202);

    // Not found until the watch's timer fires and the activity opens it.
    await stack.eventually(
      () => stack!.call('GET', '/v1/incidents/heartbeat-api-hb-missed', { token: TOKENS.read }),
      (answer) => answer.status === 200,
    );
    const opened = await stack.waitForRecord('heartbeat-api-hb-missed', (r) => r.notificationCount >= 1);
    expect(opened.summary).toContain(`Heartbeat api-hb-missed missed: last ping ${first.body.receivedAt}`);
    expect(opened.severity).toBe('error');
    await stack.peer.waitFor(() => stack!.peer.keysFor('incident-heartbeat-api-hb-missed').length >= 1);
    const missing = await stack.eventually(
      () => stack!.call('GET', '/v1/heartbeats', { token: TOKENS.read }),
      (answer) => answer.body.heartbeats[0].incidentId !== undefined,
    );
    expect(missing.body.heartbeats[0]).toMatchObject({ state: 'missing', incidentId: 'incident-heartbeat-api-hb-missed' });

    const again = await ping();
    expect(again.status).toBe(202);
    const resolved = await stack.waitForState('heartbeat-api-hb-missed', 'RESOLVED');
    const entry = resolved.timeline.find((e) => e.to === 'RESOLVED');
    expect(entry?.by).toBe('engine');
    expect(JSON.stringify(entry)).toContain(`heartbeat api-hb-missed pinged again at ${again.body.receivedAt}`);
    // Five waits of up to 15 s each, every one of which fails with its own message: on a loaded
    // machine, the watch's activity retries (1 s, 2 s, 4 s ...) can add up past the default 60 s.
  }, 120_000);

  it('pings and lists through the CLI: `escalate heartbeat ping NAME` and `escalate heartbeat list`', async () => {
    const config = withHeartbeats([{ name: 'api-hb-cli', every: '6h', grace: '30m', service: 'reports' }]);
    stack = await startApiStack(config);
    const cli = escalateOn(stack.taskQueue, config('http://127.0.0.1:9'));
    const ping = await cli(['heartbeat', 'ping', 'api-hb-cli', '--by', 'cron@reports-1', '--note', 'export done', '--json']);
    expect(ping.code, ping.stderr).toBe(0);
    expect(JSON.parse(ping.stdout)).toMatchObject({ name: 'api-hb-cli', accepted: true });

    const list = await cli(['heartbeat', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^api-hb-cli\s+healthy\s+every 6h \+30m {2}last ping \S+ by cron@reports-1, deadline \S+/m);
    expect(list.stdout).toMatch(/^escalation-engine\s+never-pinged/m);

    const unknown = await cli(['heartbeat', 'ping', 'api-hb-nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no heartbeat "api-hb-nope" in the config (configured: api-hb-cli)');
  });

  it('starts missing watches, sends running ones their new settings and ends removed ones when the config changes', async () => {
    const make = withHeartbeats([
      { name: 'api-hb-kept', every: '1h' },
      { name: 'api-hb-dropped', every: '2h' },
    ]);
    watched.push('escalation-engine');
    stack = await startApiStack(make);
    const heartbeats = new HeartbeatClient({ client: stack.incidents.temporal, config: stack.holder, taskQueue: stack.taskQueue });
    const first = await heartbeats.sync('test');
    expect(first.started).toEqual(expect.arrayContaining(['api-hb-kept', 'api-hb-dropped']));
    expect(first.stopped).toEqual([]);
    const again = await heartbeats.sync('test');
    expect(again.updated).toEqual(expect.arrayContaining(['api-hb-kept', 'api-hb-dropped']));

    // A reload: api-hb-kept now every 3h, api-hb-dropped gone.
    const current = stack.holder.current;
    stack.holder.replace(
      Config.parse({ ...make('http://127.0.0.1:9'), heartbeats: [{ name: 'api-hb-kept', every: '3h' }], delivery: current.delivery }),
    );
    // Visibility lists the dropped watch a moment after it started: sync again until it is ended.
    const changed = await stack.eventually(
      () => heartbeats.sync('test'),
      (result) => result.stopped.includes('api-hb-dropped'),
    );
    expect(changed.updated).toContain('api-hb-kept');
    const ended = await stack.incidents.temporal.workflow.getHandle('heartbeat-api-hb-dropped').result();
    expect(ended).toMatchObject({ name: 'api-hb-dropped', pings: 0 });
    const kept = await stack.eventually(
      () => heartbeats.list(),
      (list) => list.some((h) => h.name === 'api-hb-kept' && h.watching),
    );
    expect(kept.find((h) => h.name === 'api-hb-kept')).toMatchObject({ every: '3h', state: 'never-pinged' });
    expect(kept.map((h) => h.name)).not.toContain('api-hb-dropped');
    // The running watch itself took the new interval (its deadline moves with it).
    const watch = stack.incidents.temporal.workflow.getHandle('heartbeat-api-hb-kept');
    await stack.eventually(
      () => watch.query(heartbeatStatusQuery),
      (memo) => memo.every === 3 * 3_600_000,
    );
  });

  it("keeps the engine's own heartbeat: GETs the external URL from its timer, lists itself healthy, and shows why the URL refused", async () => {
    let monitor: HttpPeer | undefined;
    try {
      monitor = await startHttpPeer('monitor', () => ({ status: 200, body: 'OK' }));
      const url = `${monitor.url}/ping/check-uuid`;
      watched.push('escalation-engine');
      stack = await startApiStack((peerUrl) => ({ ...withHeartbeats([])(peerUrl), selfHeartbeat: { url, every: '1s' } }));
      const heartbeats = new HeartbeatClient({ client: stack.incidents.temporal, config: stack.holder, taskQueue: stack.taskQueue });
      await heartbeats.sync('test', { endRemoved: false });

      await monitor.waitFor((requests) => requests.length >= 2);
      expect(monitor.requests[0]).toMatchObject({ method: 'GET', path: '/ping/check-uuid' });
      expect(monitor.requests[0]!.headers['user-agent']).toMatch(/^escalation-engine\//);
      const healthy = await stack.eventually(
        () => stack!.call('GET', '/v1/heartbeats', { token: TOKENS.read }),
        (answer) => answer.body.heartbeats[0].pings >= 1,
      );
      expect(healthy.body.heartbeats[0]).toMatchObject({ name: 'escalation-engine', engine: true, state: 'healthy', url, watching: true });
      expect(healthy.body.heartbeats[0].lastPing.by).toBe('engine');

      monitor.respondWith(() => ({ status: 404, body: 'no such check' }));
      const failing = await stack.eventually(
        () => stack!.call('GET', '/v1/heartbeats', { token: TOKENS.read }),
        (answer) => answer.body.heartbeats[0].urlError !== undefined,
      );
      expect(failing.body.heartbeats[0].urlError).toContain('answered 404');
    } finally {
      await monitor?.close();
    }
  });
});
