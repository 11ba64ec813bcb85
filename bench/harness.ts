import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import { IncidentClient } from '../client/incidents.js';
import { Config } from '../domain/config.js';
import { DEFAULT_SQLITE_PRAGMAS, startDevServer, type DevServer } from '../worker/dev-server.js';
import { createEscalationWorker, WORKFLOWS_PATH, type EscalationWorkerOptions } from '../worker/worker.js';
import { WORKFLOW_BUNDLER_OPTIONS } from '../worker/bundle-options.js';

/**
 * The benchmark's fixed parts: one headless Temporal dev server on a file-backed SQLite database in
 * a temp dir (the pragmas startDevServer uses by default), one prebuilt workflow bundle, one client
 * connection. Each scenario then gets a fresh worker from the production factory on a fresh task queue.
 */
export interface Harness {
  server: DevServer;
  pragmas: Readonly<Record<string, string>>;
  dbFile: string;
  bundlePath: string;
  bundleMs: number;
  client: Client;
  /** A production worker on a fresh task queue, running, with an IncidentClient for that queue. */
  stack(rawConfig: Record<string, unknown>, tuning?: WorkerTuning, bundlePath?: string): Promise<Stack>;
  close(): Promise<void>;
}

/**
 * What the bench may pass to createEscalationWorker's `tuning`. The factory spreads `tuning` into
 * Worker.create, but its type only admits five options; the five below reach Worker.create through
 * the same spread. The tuning experiment tries them (none helped; see BENCHMARKS.md).
 */
export type WorkerTuning = NonNullable<EscalationWorkerOptions['tuning']> &
  Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentWorkflowTaskPolls'
      | 'maxConcurrentActivityTaskPolls'
      | 'nonStickyToStickyPollRatio'
      | 'maxEagerActivityReservationsPerWorkflowTask'
      | 'workflowThreadPoolSize'
    >
  >;

export interface Stack {
  config: Config;
  incidents: IncidentClient;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Server dynamic config for an experiment (`--dynamic-config-value KEY=JSON`); default none. */
  dynamicConfig?: Record<string, unknown>;
  /** Skip bundling: reuse this bundle (a second harness in the same run). */
  bundlePath?: string;
}

export async function startHarness(log: (line: string) => void, options: HarnessOptions = {}): Promise<Harness> {
  // The SDK logs every worker start and every expected provider failure; the bench prints its own lines.
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Installed already: a second harness in the same process.
  }
  const dir = await mkdtemp(join(tmpdir(), 'escalation-bench-'));
  const dbFile = join(dir, 'temporal.sqlite');
  const pragmas = DEFAULT_SQLITE_PRAGMAS;
  // A crash skips close(): the dev server has its own exit hook (startDevServer), the temp dir gets this one.
  const removeDirOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeDirOnExit);
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      process.off('exit', removeDirOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  ];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dynamicConfig = options.dynamicConfig ?? {};
    const server = await startDevServer({ ui: false, dbFilename: dbFile, sqlitePragmas: pragmas, dynamicConfig });
    cleanups.push(() => server.stop());
    log(`dev server ${server.address} ready in ${server.readyInMs} ms (file-backed SQLite ${dbFile})`);

    const bundleStarted = Date.now();
    let bundlePath = options.bundlePath;
    if (!bundlePath) {
      const { code } = await bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        logger: new DefaultLogger('WARN'),
        ...WORKFLOW_BUNDLER_OPTIONS,
      });
      bundlePath = join(dir, 'workflow-bundle.js');
      await writeFile(bundlePath, code);
      log(`workflows bundled in ${Date.now() - bundleStarted} ms`);
    }
    const bundleMs = Date.now() - bundleStarted;
    const workflowBundlePath = bundlePath;

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });

    const stack = async (rawConfig: Record<string, unknown>, tuning: WorkerTuning = {}, otherBundle?: string): Promise<Stack> => {
      const config = Config.parse(rawConfig);
      const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
      const workerConnection = await NativeConnection.connect({ address: server.address });
      const worker = await createEscalationWorker({
        connection: workerConnection,
        namespace: server.namespace,
        taskQueue,
        config,
        workflowBundlePath: otherBundle ?? workflowBundlePath,
        tuning,
      });
      const running = worker.run();
      running.catch(() => undefined);
      let stopped: Promise<void> | undefined;
      const stop = () => {
        stopped ??= (async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running.catch(() => undefined);
          await workerConnection.close();
        })();
        return stopped;
      };
      cleanups.push(stop);
      return { config, incidents: new IncidentClient({ client, config, taskQueue }), taskQueue, worker, stop };
    };

    return { server, pragmas, dbFile, bundlePath, bundleMs, client, stack, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A policy whose levels each page the given webhook URLs (one level per entry). */
export function webhookPolicy(
  name: string,
  levels: { delay?: string; urls: string[]; repeat?: { count: number; interval: string } }[],
  extra = {},
) {
  return {
    name,
    levels: levels.map((level) => ({
      delay: level.delay ?? '0s',
      targets: level.urls.map((url) => ({ type: 'webhook', url })),
      ...(level.repeat && { repeat: level.repeat }),
    })),
    ...extra,
  };
}
