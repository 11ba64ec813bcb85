import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import { createActivities } from '../activities/index.js';
import { createMaintenanceActivities } from '../activities/maintenance.js';
import { holderOf, type ConfigSource } from '../runtime/config-holder.js';
import { reloadOnSighup } from '../runtime/config-reload.js';
import type { ResponderRuntime } from '../runtime/responder.js';
import { instrumentActivities, watchIncidentStates, type WorkerMetrics } from './metrics.js';
import { rotationOver } from './rotation.js';
import { incidentStateOver } from './incident-state.js';
import { WORKFLOW_BUNDLER_OPTIONS } from './bundle-options.js';
import { HeartbeatClient } from '../client/heartbeats.js';
import { IncidentClient } from '../client/incidents.js';
import { createHeartbeatActivitiesOver, keepHeartbeatsInSync } from './heartbeats.js';
import { MaintenanceBook } from '../client/maintenance.js';

/** Compiled (dist/, production) or run from source through tsx (development and tests). */
const COMPILED = import.meta.url.endsWith('.js');

export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${COMPILED ? 'js' : 'ts'}`, import.meta.url));

/**
 * The workflow bundle `npm run build` writes beside the compiled code (dist/workflow-bundle.js).
 * Loading it takes milliseconds where bundling with webpack at start takes seconds, which is what
 * a restarted worker spends before it pages again. Run from source, the worker bundles workflows/
 * itself, so an edit is never hidden behind a stale bundle; ESCALATION_WORKFLOW_BUNDLE names a
 * bundle explicitly.
 */
export function prebuiltWorkflowBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.ESCALATION_WORKFLOW_BUNDLE;
  if (named) {
    if (!existsSync(named))
      throw new Error(`ESCALATION_WORKFLOW_BUNDLE names ${named}, which does not exist; run \`npm run build\` or unset it`);
    return named;
  }
  if (!COMPILED) return undefined;
  const beside = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  return existsSync(beside) ? beside : undefined;
}

export interface EscalationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A fixed config, or a holder shared with the API so one reload reaches both. */
  config: ConfigSource;
  /** Links and Twilio callbacks back to the API (runtime/responder.ts); without it pages carry neither and voice is off. */
  responder?: ResponderRuntime;
  /** Measure deliveries and keep the incident-state gauge (served by the caller on /metrics). */
  metrics?: WorkerMetrics;
  /** A prebuilt workflow bundle; default prebuiltWorkflowBundle(), else workflows/ bundled at start (seconds). */
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
  // One client over the worker's connection for everything its activities ask the server.
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  const activities = {
    ...createActivities({
      config: options.config,
      incidentState: incidentStateOver(client),
      rotation: rotationOver(client, options.taskQueue),
      ...(options.responder ? { responder: options.responder } : {}),
    }),
    // A missed heartbeat opens its incident through the client library's ingest path.
    ...createHeartbeatActivitiesOver(
      new IncidentClient({
        client,
        config: options.config,
        taskQueue: options.taskQueue,
      }),
    ),
  };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowSource(options.workflowBundlePath ?? prebuiltWorkflowBundle()),
    activities: {
      ...(options.metrics ? instrumentActivities(activities, options.metrics) : activities),
      // Maintenance windows hold and release open incidents (activities/maintenance.ts).
      ...createMaintenanceActivities(client),
    },
    // An incident cached on a worker that died waits this long before any worker may take it (SDK
    // default 10 s; the server's own "sticky worker gone" check waits 10 s too). A live worker picks
    // its sticky tasks up in milliseconds; one so busy that they wait longer hands them to the normal
    // queue, where a worker replays the incident from its history, which a busy worker can least
    // afford. Tried at 1 s: two workers with one SIGKILLed every few seconds were no less late (level
    // lateness p99 2.1 to 6.0 s in eight failure runs, 4.4 to 5.2 s in four at 3 s), and with the
    // peer failing, lateness p50 went from 0.6-1.3 s to 1.5-3.9 s (RELIABILITY.md).
    stickyQueueScheduleToStartTimeout: STICKY_SCHEDULE_TO_START_TIMEOUT,
    // A delivery hears that its incident was answered only in reply to a heartbeat: at most a
    // second apart (SDK default: 80% of the heartbeat timeout, 4 s for a delivery), so a page stuck
    // behind a slow worker learns of the answer before it sends.
    maxHeartbeatThrottleInterval: '1s',
    // Workflow tasks this worker holds at once (SDK default 40). They run one at a time on its one
    // workflow thread, so a few keep it busy; every one it holds when it is SIGKILLed waits out the
    // 5 s workflow task timeout (client/ingest.ts) before another worker may run it. In the failure
    // runs with the only worker killed 20 times: 42 to 55 such timeouts at 10, 46 to 183 at 40;
    // sustained first pages 25.1/s against 26.0/s (BENCHMARKS.md).
    maxConcurrentWorkflowTaskExecutions: MAX_WORKFLOW_TASKS_HELD,
    ...options.tuning,
  });
}

const STICKY_SCHEDULE_TO_START_TIMEOUT = '3s';
const MAX_WORKFLOW_TASKS_HELD = 10;

function workflowSource(bundlePath: string | undefined): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  return bundlePath
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS };
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped (after `stop()` or a fatal error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the worker and stops it gracefully on SIGINT/SIGTERM: in-flight tasks finish first. With
 * `configFile`, SIGHUP reloads the config (see runtime/config-reload.ts); stopping removes that listener.
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
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  options.logger.info({ taskQueue: options.taskQueue, namespace: options.namespace }, 'escalation worker polling');
  // The config file's maintenance windows run as workflows that hold matching incidents (idempotent).
  new MaintenanceBook({
    client,
    taskQueue: options.taskQueue,
    config: () => holder.current,
  })
    .startConfigured()
    .then(
      (names) => names.length > 0 && options.logger.info({ windows: names }, 'maintenance windows of the config file scheduled'),
      (error: unknown) =>
        options.logger.warn(
          { err: error },
          'could not schedule the config file`s maintenance windows; alerts are still answered by them, open incidents are not held',
        ),
    );
  const stopReloading = options.configFile ? reloadOnSighup(holder, options.configFile, options.logger) : () => undefined;
  // Heartbeat watches follow the config: started now, updated or ended after each reload.
  const stopHeartbeats = keepHeartbeatsInSync(
    new HeartbeatClient({
      client,
      config: holder,
      taskQueue: options.taskQueue,
    }),
    holder,
    options.logger,
  );
  const stopWatching = options.metrics
    ? watchIncidentStates(client, options.taskQueue, options.metrics, {
        onError: (error) => options.logger.warn({ err: error }, 'could not count incidents by state for /metrics; trying again shortly'),
      })
    : () => undefined;
  void done
    .finally(() => {
      stopReloading();
      stopHeartbeats();
      stopWatching();
    })
    .catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopReloading();
    stopHeartbeats();
    stopWatching();
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
