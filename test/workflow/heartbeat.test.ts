import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { HeartbeatClient } from '../../client/heartbeats.js';
import { IncidentClient, IncidentNotFoundError } from '../../client/incidents.js';
import { Config } from '../../domain/config.js';
import {
  HEARTBEAT_WORKFLOW_TYPE,
  heartbeatWorkflowId,
  type HeartbeatMemo,
  type HeartbeatWorkflowInput,
} from '../../domain/heartbeat-state.js';
import type { IncidentRecord } from '../../domain/incident.js';
import { heartbeatPingSignal, heartbeatStatusQuery } from '../../workflows/heartbeat-messages.js';
import { createHeartbeatActivitiesOver } from '../../worker/heartbeats.js';
import { createTimeSkippingEnv } from '../helpers/time-skipping.js';
import { uniqueTaskQueue } from '../helpers/temporal.js';

// A nightly job's heartbeat (every 24h, grace 1h) on the time-skipping server: the watch's timer
// runs a day in seconds, the incident opens through the real ingest path and routes.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Time-skipping runs need a run timeout on signal-with-start (see AcceptAlert.timeoutMs). */
const TIMEOUT_MS = 30 * DAY;

let env: TestWorkflowEnvironment | undefined;
let running: { worker: Worker; done: Promise<void> } | undefined;
const started: string[] = [];

// A server per test: each skips days, and on a server shared with the first test the second one's
// env.sleep did not return (cause not found yet); a fresh server costs about a second.
beforeEach(async () => {
  env = await createTimeSkippingEnv();
});
afterEach(async () => {
  for (const id of started.splice(0)) {
    const handle = env!.client.workflow.getHandle(id);
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => 'NOT_FOUND',
    );
    if (status === 'RUNNING') await handle.terminate('test over');
  }
  if (running?.worker.getState() === 'RUNNING') running.worker.shutdown();
  await running?.done;
  running = undefined;
  await env?.teardown();
  env = undefined;
});

interface HeartbeatStack {
  taskQueue: string;
  heartbeats: HeartbeatClient;
  incidents: IncidentClient;
  /** Sets the clock the heartbeat client stamps pings with to the server's (skipped) time. */
  syncClock(): Promise<void>;
  skip(ms: number): Promise<void>;
  waitForIncident(id: string, predicate: (record: IncidentRecord) => boolean): Promise<IncidentRecord>;
}

async function start(name: string): Promise<HeartbeatStack> {
  const e = env!;
  const config = Config.parse({
    policies: [
      { name: 'default', levels: [{ targets: [{ type: 'log', id: 'ops' }] }] },
      { name: 'backups-oncall', levels: [{ targets: [{ type: 'log', id: 'backup-team' }] }] },
    ],
    routes: [{ match: { service: 'backups' }, policy: 'backups-oncall' }, { policy: 'default' }],
    heartbeats: [{ name, every: '24h', grace: '1h', severity: 'critical', service: 'backups' }],
    // The engine's own watch (started by sync) beats rarely, so skipping days stays cheap.
    selfHeartbeat: { every: '12h' },
  });
  const taskQueue = uniqueTaskQueue('heartbeat');
  const incidents = new IncidentClient({ client: e.client, config, taskQueue, incidentTimeoutMs: TIMEOUT_MS });
  const worker = await Worker.create({
    connection: e.nativeConnection,
    namespace: e.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { ...createActivities({ config }), ...createHeartbeatActivitiesOver(incidents) },
  });
  const done = worker.run();
  done.catch(() => undefined);
  running = { worker, done };
  let serverNow = await e.currentTimeMs();
  const heartbeats = new HeartbeatClient({ client: e.client, config, taskQueue, timeoutMs: TIMEOUT_MS, now: () => serverNow });
  started.push(heartbeatWorkflowId(name), `incident-heartbeat-${name}`);
  return {
    taskQueue,
    heartbeats,
    incidents,
    async syncClock() {
      serverNow = await e.currentTimeMs();
    },
    skip: (ms) => e.sleep(ms),
    async waitForIncident(id, predicate) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const record = await incidents.getIncident(id).catch((error: unknown) => {
          if (error instanceof IncidentNotFoundError) return undefined;
          throw error;
        });
        if (record && predicate(record)) return record;
        if (Date.now() > deadline) throw new Error(`${id} did not reach the expected condition; last: ${record?.state ?? 'not opened'}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Opened and not closed: a one-level policy may have walked to TIMED_OUT while time skipped. */
const isOpen = (record: IncidentRecord) => record.state === 'ACTIVE' || record.state === 'TIMED_OUT';

/** The watch's own view (its status query), polled until it has taken in what the test sent. */
async function waitForWatch(name: string, predicate: (memo: HeartbeatMemo) => boolean): Promise<HeartbeatMemo> {
  const handle = env!.client.workflow.getHandle(heartbeatWorkflowId(name));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const memo = await handle.query(heartbeatStatusQuery);
    if (predicate(memo)) return memo;
    if (Date.now() > deadline) throw new Error(`watch ${name} did not reach the expected condition; last: ${JSON.stringify(memo)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a heartbeat on the time-skipping server', () => {
  it('opens incident heartbeat-<name> when every + grace passes without a ping, and resolves it at the next ping', async () => {
    const name = 'ts-nightly-backup';
    const stack = await start(name);
    const first = await stack.heartbeats.ping(name, 'api:cron');
    await waitForWatch(name, (memo) => memo.pings === 1);

    // 24h: due; within the 1h grace: late, nothing opened.
    await stack.skip(DAY + HOUR / 2);
    await expect(stack.incidents.getIncident(`heartbeat-${name}`)).rejects.toBeInstanceOf(IncidentNotFoundError);

    await stack.skip(HOUR);
    const opened = await stack.waitForIncident(`heartbeat-${name}`, isOpen);
    expect(opened.summary).toContain(name);
    expect(opened.summary).toContain(`last ping ${first.receivedAt}`);
    expect(opened.policy).toBe('backups-oncall');
    expect(opened.severity).toBe('critical');
    expect((await waitForWatch(name, (memo) => memo.incidentId !== undefined)).incidentId).toBe(`incident-heartbeat-${name}`);

    await stack.syncClock();
    const second = await stack.heartbeats.ping(name, 'api:cron', 'ran late');
    const resolved = await stack.waitForIncident(`heartbeat-${name}`, (r) => r.state === 'RESOLVED');
    const resolution = resolved.timeline.find((entry) => entry.to === 'RESOLVED');
    expect(resolution?.by).toBe('engine');
    expect(JSON.stringify(resolution)).toContain(`heartbeat ${name} pinged again at ${second.receivedAt}`);
    const watch = await waitForWatch(name, (memo) => memo.incidentId === undefined);
    expect(watch).toMatchObject({ pings: 2, lastPing: { at: second.receivedAt, by: 'api:cron', note: 'ran late' } });
  });

  it('opens the incident saying "never pinged" when a watched heartbeat gets no first ping, once per silence', async () => {
    const name = 'ts-never-pinged';
    const stack = await start(name);
    // The time-skipping server lists nothing: start the watches without ending removed ones.
    await stack.heartbeats.sync('test', { endRemoved: false });
    started.push(heartbeatWorkflowId('escalation-engine'));
    await waitForWatch(name, (memo) => memo.pings === 0);

    await stack.skip(DAY + 2 * HOUR);
    const opened = await stack.waitForIncident(`heartbeat-${name}`, isOpen);
    expect(opened.summary).toContain('never pinged');
    // A day more of silence: the same incident, no second one.
    await stack.skip(DAY);
    const later = await stack.incidents.getIncident(`heartbeat-${name}`);
    expect(later.occurrences).toBe(opened.occurrences);
    expect(later.createdAt).toBe(opened.createdAt);
  });

  it('continues as new after its pings per run, carrying the last ping and the count', async () => {
    const e = env!;
    const name = 'ts-chatty';
    const { taskQueue } = await start(name);
    const input: HeartbeatWorkflowInput = {
      spec: { name, every: DAY, grace: HOUR, severity: 'critical', service: 'backups' },
      pingsPerRun: 3,
    };
    const handle = await e.client.workflow.start(HEARTBEAT_WORKFLOW_TYPE, {
      workflowId: heartbeatWorkflowId(name),
      taskQueue,
      args: [input],
      workflowRunTimeout: TIMEOUT_MS,
      workflowExecutionTimeout: TIMEOUT_MS,
    });
    const firstRun = handle.firstExecutionRunId;
    const base = await e.currentTimeMs();
    for (let i = 0; i < 5; i += 1) {
      await handle.signal(heartbeatPingSignal, { at: new Date(base + i * 1000).toISOString(), by: `ping-${i}`, note: randomUUID() });
    }
    const memo = await waitForWatch(name, (m) => m.pings === 5);
    expect(memo.lastPing?.by).toBe('ping-4');
    expect((await handle.describe()).runId).not.toBe(firstRun);
  });
});
