import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { Config } from '../../domain/config.js';
import type { IncidentRecord, IncidentState } from '../../domain/incident.js';
import { IncidentClient } from '../../client/incidents.js';
import { ConfigHolder } from '../../worker/config-holder.js';
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
  stop(): Promise<void>;
}

/** Fast retries so a failing provider settles within a test: 100ms, 200ms, 400ms. */
export const FAST_DELIVERY = { initialInterval: '100ms', backoff: 2, maximumInterval: '1s', maximumAttempts: 4, attemptTimeout: '5s' };

export async function startStack(rawConfig: Record<string, unknown>): Promise<Stack> {
  const config = Config.parse({ delivery: FAST_DELIVERY, ...rawConfig });
  const holder = new ConfigHolder(config);
  const taskQueue = uniqueTaskQueue('incidents');
  const { client, connection } = await connectTestClient();
  const workerConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createEscalationWorker({
    connection: workerConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    config: holder,
    workflowBundlePath: inject('workflowBundlePath'),
  });
  const running = worker.run();
  running.catch(() => undefined);
  const incidents = new IncidentClient({ client, config: holder, taskQueue, uiUrl: 'http://127.0.0.1:8233' });

  const waitForRecord = async (id: string, predicate: (record: IncidentRecord) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: IncidentRecord | undefined;
    for (;;) {
      last = await incidents.getIncident(id);
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
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await workerConnection.close();
      await connection.close();
    },
  };
}

/** A webhook target per level, so each level's pages are easy to tell apart at the peer. */
export function webhookLevel(url: string, level: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { targets: [{ type: 'webhook', url: `${url}?level=${level}` }], ...extra };
}
