import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import { createActivities } from '../activities/index.js';
import { holderOf, type ConfigSource } from './config-holder.js';
import { reloadOnSighup } from './config-reload.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface EscalationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A fixed config, or a holder shared with the API so one reload reaches both. */
  config: ConfigSource;
  /** A prebuilt workflow bundle; without it the worker bundles workflows/ at start (a few seconds). */
  workflowBundlePath?: string;
  /** Extra Worker options (concurrency, identity) for benchmarks and tests. */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions'
      | 'identity'
      | 'maxCachedWorkflows'
    >
  >;
}

/** The escalation worker: the incident workflow and the notification activities on one task queue. */
export async function createEscalationWorker(options: EscalationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ config: options.config }),
    ...options.tuning,
  });
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped (after `stop()` or a fatal error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the worker and stops it gracefully on SIGINT/SIGTERM: in-flight tasks finish first. With
 * `configFile`, SIGHUP reloads the config (see worker/config-reload.ts); stopping removes that listener.
 */
export async function runEscalationWorker(
  options: EscalationWorkerOptions & {
    logger: PinoLogger;
    handleSignals?: boolean;
    /** The file the config came from: SIGHUP re-reads it (new incidents only), until the worker stops. */
    configFile?: string;
  },
): Promise<RunningWorker> {
  const holder = holderOf(options.config);
  const worker = await createEscalationWorker({ ...options, config: holder });
  const done = worker.run();
  options.logger.info({ taskQueue: options.taskQueue, namespace: options.namespace }, 'escalation worker polling');
  const stopReloading = options.configFile ? reloadOnSighup(holder, options.configFile, options.logger) : () => undefined;
  void done.finally(stopReloading).catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopReloading();
    if (!stopping) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      stopping = done.catch((error: unknown) => {
        options.logger.error({ err: error }, 'escalation worker stopped with an error');
      });
    }
    return stopping;
  };
  if (options.handleSignals) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        options.logger.info({ signal }, 'shutting down: finishing in-flight tasks (open incidents are safe in Temporal)');
        void stop();
      });
    }
  }
  return { worker, done, stop };
}
