import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { Config } from '../../domain/config.js';
import type { IncidentRecord, IncidentState } from '../../domain/incident.js';
import { IncidentClient, WorkerUnavailableError } from '../../client/incidents.js';
import { ConfigHolder } from '../../runtime/config-holder.js';
import type { ResponderRuntime } from '../../runtime/responder.js';
import { createEscalationWorker } from '../../worker/worker.js';
import { connectTestClient, uniqueTaskQueue } from './temporal.js';

/**
 * A real worker (the production factory) on its own task queue against the run's dev server, with
 * a config parsed by the real schema and the typed client library. One per test.
 */
export interface Stack {
  config: Config;
  /** Shared by the worker and the client, as in `escalate dev`: a reload reaches both. */
  holder: ConfigHolder;
  incidents: IncidentClient;
  taskQueue: string;
  waitForState(id: string, state: IncidentState, timeoutMs?: number): Promise<IncidentRecord>;
  waitForRecord(id: string, predicate: (record: IncidentRecord) => boolean, timeoutMs?: number): Promise<IncidentRecord>;
  /** Starts the worker of a stack made with `{ worker: false }` (no-op when it runs already). */
  startWorker(): Promise<void>;
  /** Shuts the worker down (its tasks finish first); startWorker() then starts a fresh one on the same queue. */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Fast retries so a failing provider settles within a test: 100ms, 200ms, 400ms. */
export const FAST_DELIVERY = { initialInterval: '100ms', backoff: 2, maximumInterval: '1s', maximumAttempts: 4, attemptTimeout: '5s' };

export interface StackOptions {
  /** false: no worker until startWorker() (alerts accepted while no worker runs). */
  worker?: boolean;
  /** The client's bounded wait for a worker's answer (default the product's 5 s). */
  answerTimeoutMs?: number;
  /** Links and Twilio callbacks the worker's pages carry (runtime/responder.ts). */
  responder?: ResponderRuntime;
}

export async function startStack(rawConfig: Record<string, unknown>, options: StackOptions = {}): Promise<Stack> {
  const config = Config.parse({ delivery: FAST_DELIVERY, ...rawConfig });
  const holder = new ConfigHolder(config);
  const taskQueue = uniqueTaskQueue('incidents');
  const { client, connection } = await connectTestClient();
  let running: { worker: Worker; done: Promise<void>; connection: NativeConnection } | undefined;
  const startWorker = async () => {
    if (running) return;
    const workerConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createEscalationWorker({
      connection: workerConnection,
      namespace: inject('temporalNamespace'),
      taskQueue,
      config: holder,
      workflowBundlePath: inject('workflowBundlePath'),
      ...(options.responder && { responder: options.responder }),
    });
    const done = worker.run();
    done.catch(() => undefined);
    running = { worker, done, connection: workerConnection };
  };
  const stopWorker = async () => {
    if (!running) return;
    const stopping = running;
    running = undefined;
    if (stopping.worker.getState() === 'RUNNING') stopping.worker.shutdown();
    await stopping.done.catch(() => undefined);
    await stopping.connection.close();
  };
  if (options.worker !== false) await startWorker();
  const incidents = new IncidentClient({
    client,
    config: holder,
    taskQueue,
    uiUrl: 'http://127.0.0.1:8233',
    ...(options.answerTimeoutMs !== undefined && { answerTimeoutMs: options.answerTimeoutMs }),
  });

  const waitForRecord = async (id: string, predicate: (record: IncidentRecord) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: IncidentRecord | undefined;
    for (;;) {
      try {
        last = await incidents.getIncident(id);
      } catch (error) {
        // A loaded machine may keep the worker from answering a query within the client's 5 s:
        // the product says 503, a test waiting for a condition asks again until its own deadline.
        if (!(error instanceof WorkerUnavailableError) || Date.now() > deadline) throw error;
        continue;
      }
      if (predicate(last)) return last;
      if (Date.now() > deadline) {
        const story = last.timeline.map((e) => `${e.at} ${e.kind} ${e.from ?? ''}→${e.to ?? ''} ${e.by}: ${e.reason ?? ''}`).join('\n  ');
        throw new Error(
          `incident ${id} did not reach the expected condition within ${timeoutMs}ms; last state ${last.state}, level ${last.level}; timeline:\n  ${story}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    config,
    holder,
    incidents,
    taskQueue,
    waitForRecord,
    waitForState: (id, state, timeoutMs) => waitForRecord(id, (r) => r.state === state, timeoutMs),
    startWorker,
    stopWorker,
    async stop() {
      await stopWorker();
      await connection.close();
    },
  };
}

/** A webhook target per level, so each level's pages are easy to tell apart at the peer. */
export function webhookLevel(url: string, level: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { targets: [{ type: 'webhook', url: `${url}?level=${level}` }], ...extra };
}
