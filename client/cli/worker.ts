import { setTimeout as sleep } from 'node:timers/promises';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { connectTemporalNative, isPermanentConnectFailure, messageOf, type TemporalTarget } from '../../runtime/temporal.js';
import { loadConfigFile } from '../../runtime/config-file.js';
import { holderOf } from '../../runtime/config-holder.js';
import { reloadOnSighup } from '../../runtime/config-reload.js';
import { responderRuntime, type ResponderEnv } from '../../runtime/responder.js';
import { createLogger, installRuntimeLogger } from '../../runtime/logger.js';
import { runEscalationWorker, type RunningWorker } from '../../worker/worker.js';
import { createWorkerMetrics, startMetricsServer } from '../../worker/metrics.js';

/** Waits between tries grow to this: short enough that a returning server is used within seconds. */
const MAX_BACKOFF_MS = 10_000;

/** The worker gave up for a reason waiting will not fix (credentials, certificates). */
export class WorkerCannotConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCannotConnectError';
  }
}

/**
 * `escalate worker`: one stateless worker. It waits for its Temporal server with backoff when the
 * server is not there yet (a deploy that starts everything at once), rebuilds itself when it loses
 * the server later, and exits non-zero only for what waiting cannot fix: a bad config file, bad
 * credentials or certificates. SIGINT/SIGTERM stop it gracefully; SIGHUP re-reads its config file.
 */
export async function runWorkerCommand(options: {
  target: TemporalTarget;
  taskQueue: string;
  configFile: string;
  /** The environment's responder settings and the API's address (the default public URL). */
  env?: ResponderEnv & { API_HOST?: string; PORT?: number };
  /** METRICS_PORT and METRICS_HOST: serve Prometheus metrics on GET /metrics. */
  metrics?: { port: number; host: string };
}): Promise<void> {
  const logger = createLogger();
  installRuntimeLogger(logger);
  // One registry and server for the process: counters survive the worker being rebuilt after a lost server.
  const metrics = options.metrics ? createWorkerMetrics() : undefined;
  const metricsServer =
    metrics && options.metrics ? await startMetricsServer(metrics.registry, options.metrics.port, options.metrics.host) : undefined;
  if (metricsServer) logger.info({ url: metricsServer.url }, `worker metrics on ${metricsServer.url}`);
  const holder = holderOf(loadConfigFile(options.configFile));
  // Read once at start: links on without a secret stops the worker here, saying what to set.
  const env = options.env ?? {};
  const responder = responderRuntime(holder.current, env, `http://${env.API_HOST ?? '127.0.0.1'}:${env.PORT ?? 8080}`);
  logger.info({ config: options.configFile, policies: holder.current.policies.map((p) => p.name) }, 'config loaded');
  const stopReloading = reloadOnSighup(holder, options.configFile, logger);
  logger.info({ pid: process.pid }, `reload the config with: kill -HUP ${process.pid}`);

  let stopping = false;
  let current: RunningWorker | undefined;
  const wake = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down: finishing in-flight tasks (open incidents are safe in Temporal)');
      stopping = true;
      wake.abort();
      void current?.stop();
    });
  }

  try {
    for (let round = 1; !stopping; round += 1) {
      const connection = await waitForTemporal(options.target, logger, wake.signal);
      if (!connection) break;
      try {
        current = await runEscalationWorker({
          connection,
          namespace: options.target.namespace,
          taskQueue: options.taskQueue,
          config: holder,
          logger,
          responder,
          ...(metrics && { metrics }),
        });
        if (round === 1) {
          // performance.now() counts from the process's start: this is the restart cost of a worker.
          logger.info({ startupMs: Math.round(performance.now()) }, 'worker polling: from process start to polling');
        }
        await current.done;
      } catch (error) {
        if (isPermanentConnectFailure(error)) throw new WorkerCannotConnectError(refusedMessage(options.target, error));
        // The server went away (restart, network) or is up but not ready (namespace being created):
        // the open incidents wait in Temporal; build the worker again once the server answers.
        if (!stopping) {
          logger.warn(
            { err: messageOf(error), temporal: options.target.description },
            'worker lost its Temporal server; reconnecting (open incidents wait safely in Temporal)',
          );
          await sleep(1_000, undefined, { signal: wake.signal }).catch(() => undefined);
        }
      } finally {
        current = undefined;
        await connection.close().catch(() => undefined);
      }
    }
  } finally {
    stopReloading();
    await metricsServer?.close();
  }
  logger.info('escalation worker stopped');
}

/**
 * Connects, waiting with capped exponential backoff while the server is not reachable, and saying
 * once per attempt what it waits for. Answers undefined when asked to stop while waiting.
 */
export async function waitForTemporal(target: TemporalTarget, logger: Logger, stop: AbortSignal): Promise<NativeConnection | undefined> {
  for (let attempt = 1; !stop.aborted; attempt += 1) {
    try {
      const connection = await connectTemporalNative(target);
      if (attempt > 1) logger.info({ temporal: target.description, attempt }, 'reached Temporal');
      return connection;
    } catch (error) {
      if (isPermanentConnectFailure(error)) throw new WorkerCannotConnectError(refusedMessage(target, error));
      const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt - 1, 6));
      logger.warn(
        { temporal: target.description, attempt, retryInMs: wait, err: messageOf(error) },
        `waiting for Temporal at ${target.address}: not reachable yet (attempt ${attempt}); retrying in ${wait} ms`,
      );
      await sleep(wait, undefined, { signal: stop }).catch(() => undefined);
    }
  }
  return undefined;
}

function refusedMessage(target: TemporalTarget, error: unknown): string {
  return (
    `Temporal at ${target.description} refused this worker: ${messageOf(error)}. ` +
    'Waiting will not fix this: check TEMPORAL_API_KEY or the TEMPORAL_TLS_* certificate, key and server name.'
  );
}
