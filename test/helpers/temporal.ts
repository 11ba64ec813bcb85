// Workflow tests talk to the run's shared dev server (test/setup/temporal-global.ts), each with its
// own task queue and worker, so no test sees another's workflows.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';

export interface TestClient {
  client: Client;
  connection: Connection;
  namespace: string;
}

export async function connectTestClient(): Promise<TestClient> {
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return { client: new Client({ connection, namespace }), connection, namespace };
}

/** `name` plus a random suffix: a fresh queue per test keeps its workflows away from other workers. */
export function uniqueTaskQueue(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}`;
}

export interface TestWorkerOptions {
  taskQueue: string;
  activities?: object;
}

export interface TestWorker {
  worker: Worker;
  /** Shuts the worker down, waits for it to finish its tasks, closes its connection. */
  stop(): Promise<void>;
}

export async function startTestWorker({ taskQueue, activities }: TestWorkerOptions): Promise<TestWorker> {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ...(activities ? { activities } : {}),
  });
  const running = worker.run();
  // Surfaced by stop(); without this a worker that dies early is an unhandled rejection.
  running.catch(() => undefined);
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      try {
        await running;
      } finally {
        await connection.close();
      }
    },
  };
}
