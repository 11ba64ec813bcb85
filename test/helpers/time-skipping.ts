// Long policies (minutes, hours) on the Java time-skipping test server: one server per suite, a
// fresh worker with the real activities and its own task queue per test (STYLE.md, test/).
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { IncidentClient } from '../../client/incidents.js';
import { Config } from '../../domain/config.js';
import { workflowIdForKey, type IncidentRecord } from '../../domain/incident.js';
import { WorkflowSettings, type IncidentSpec, type IncidentWorkflowInput } from '../../domain/workflow-input.js';
import { startTimeSkippingServer } from '../../local-temporal/time-skipping.js';
import type { incidentEscalation } from '../../workflows/incident-escalation.js';
import { stateQuery, WORKFLOW_TYPE } from '../../workflows/messages.js';
import { uniqueTaskQueue } from './temporal.js';

/** The time-skipping server with our search attributes (shared with `escalate policy replay`). */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return startTimeSkippingServer();
}

export type IncidentHandle = WorkflowHandle<typeof incidentEscalation>;

export interface TimeSkippingStack {
  config: Config;
  taskQueue: string;
  /** The typed client library on the test server (update-with-start, updates). */
  incidents: IncidentClient;
  /** Server time the env is at (time-skipped). */
  now(): Promise<number>;
  /** Starts an incident with the config's first policy, the input built as client/incidents.ts builds it. */
  startIncident(key: string, spec?: Partial<IncidentSpec>): Promise<IncidentHandle>;
  /** A handle on the incident with this key (opened by `incidents`); stop() terminates it if still open. */
  handle(key: string): IncidentHandle;
  /** Skips server time until `at` (epoch ms); returns at once if the server is already there. */
  skipUntil(at: number): Promise<void>;
  record(handle: IncidentHandle): Promise<IncidentRecord>;
  /** Polls the state query in real time (time stays locked) until `predicate` holds. */
  waitForRecord(handle: IncidentHandle, predicate: (record: IncidentRecord) => boolean, timeoutMs?: number): Promise<IncidentRecord>;
  /** Terminates the incidents still open (so their timers leave the shared clock alone), stops the worker. */
  stop(): Promise<void>;
}

export async function startTimeSkippingStack(env: TestWorkflowEnvironment, rawConfig: Record<string, unknown>): Promise<TimeSkippingStack> {
  const config = Config.parse(rawConfig);
  const taskQueue = uniqueTaskQueue('long-policy');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({ config }),
  });
  const running = worker.run();
  running.catch(() => undefined);
  const started: IncidentHandle[] = [];
  const policy = config.policies[0];
  if (!policy) throw new Error('startTimeSkippingStack needs a config with a policy');

  const record = (handle: IncidentHandle) => handle.query(stateQuery);

  return {
    config,
    taskQueue,
    incidents: new IncidentClient({ client: env.client, config, taskQueue }),
    now: () => env.currentTimeMs(),
    async startIncident(key, spec = {}) {
      const input: IncidentWorkflowInput = {
        incident: { key, summary: `incident ${key}`, severity: 'critical', labels: {}, links: [], ...spec },
        policy,
        occurrenceId: randomUUID(),
        settings: WorkflowSettings.parse({ namespace: env.namespace ?? 'default', delivery: config.delivery }),
      };
      const handle = await env.client.workflow.start<typeof incidentEscalation>(WORKFLOW_TYPE, {
        taskQueue,
        workflowId: workflowIdForKey(key),
        args: [input],
      });
      started.push(handle);
      return handle;
    },
    handle(key) {
      const handle = env.client.workflow.getHandle<typeof incidentEscalation>(workflowIdForKey(key));
      started.push(handle);
      return handle;
    },
    async skipUntil(at) {
      const wait = at - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    },
    record,
    async waitForRecord(handle, predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = await record(handle);
        if (predicate(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(
            `${handle.workflowId} did not reach the expected condition within ${timeoutMs}ms; last state ${last.state}, level ${last.level}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      for (const handle of started) {
        const status = await handle.describe().then(
          (d) => d.status.name,
          () => 'NOT_FOUND',
        );
        if (status === 'RUNNING') await handle.terminate('test over');
      }
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Minutes in milliseconds: the policies and checkpoints below read as the YAML would. */
export const minutes = (n: number): number => n * 60_000;

/**
 * One time-skipping server for the calling test file, and a fresh stack per test that is stopped
 * after it: registers the vitest hooks, answers the environment and a `start(config)`.
 */
export function useTimeSkipping(): {
  env(): TestWorkflowEnvironment;
  start(rawConfig: Record<string, unknown>): Promise<TimeSkippingStack>;
} {
  let env: TestWorkflowEnvironment | undefined;
  let stack: TimeSkippingStack | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  const current = (): TestWorkflowEnvironment => {
    if (!env) throw new Error('the time-skipping server is not started yet: call env() inside a test');
    return env;
  };
  return {
    env: current,
    async start(rawConfig) {
      stack = await startTimeSkippingStack(current(), rawConfig);
      return stack;
    },
  };
}
