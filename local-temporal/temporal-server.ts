// The real Temporal server (all four services in one process) on a private PostgreSQL cluster, for
// the local production topology and the failure runs (DESIGN.md sections 8 and 9): it can be killed
// with any signal and restarted on the same database and ports, so clients simply reconnect.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, isGrpcServiceError, type TLSConfig } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { setupSearchAttributes } from '../client/cli/setup.js';
import type { PostgresCluster } from './postgres.js';
import { dynamicConfigYaml, serverConfigYaml, type ServerPorts, type ServerTlsFiles } from './server-config.js';
import { BUILD_COMMAND, findTemporalServer, type TemporalServerBinaries } from './server-build.js';
import { logTail, makeOwnedTempDir, pickStablePorts, spawnBounded, waitFor, type BoundedChild } from './processes.js';

export type { ServerTlsFiles } from './server-config.js';

export interface TemporalServerOptions {
  postgres: PostgresCluster;
  /** Default: the cached build; see ensureTemporalServer() to build it. */
  binaries?: TemporalServerBinaries;
  /** Created if missing, with the incident search attributes; default 'default'. */
  namespace?: string;
  /** Frontend gRPC port; default: a free one below the ephemeral range (it must survive restarts). */
  port?: number;
  /** Serve Prometheus metrics on a free port (metricsUrl); default false. */
  metrics?: boolean;
  /** Frontend mTLS; clients then need a certificate signed by tls.caFile. */
  tls?: ServerTlsFiles;
  /** Server dynamic config, e.g. { 'history.timerProcessorMaxTimeShift': '10ms' }. */
  dynamicConfig?: Record<string, unknown>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readyTimeoutMs?: number;
}

export interface TemporalServer {
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  /** The process's pid; changes with restart(). */
  readonly pid: number;
  /** The temp folder holding config.yaml, dynamic-config.yaml and server.log; removed by stop(). */
  dir: string;
  logFile: string;
  metricsUrl?: string;
  /** How long the first start took, from spawn to healthy (namespace and search attributes included). */
  readyInMs: number;
  /** TLS settings a Temporal client needs for this server (undefined without TLS). */
  clientTls?: TLSConfig;
  isRunning(): boolean;
  /** Sends `signal` (default SIGKILL) and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same config, database and ports (stopping it first if it runs); resolves with ms until healthy. */
  restart(): Promise<number>;
  /** Resolves once frontend, history and matching answer for the namespace. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after 15 s); removes the temp folder. */
  stop(): Promise<void>;
}

// The server re-reads namespaces every 2 s (system.namespaceCacheRefreshInterval): search attributes
// added just now are refused by workflow starts until then.
const NAMESPACE_REFRESH_MS = 2_500;
// As `temporal operator namespace create` would: three days of closed workflows to look at.
const RETENTION = '3 days';
const STOP_GRACE_MS = 15_000;
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const binaries = options.binaries ?? findTemporalServer();
  if (!binaries) throw new Error(`the Temporal server is not built yet; run \`${BUILD_COMMAND}\` once (10-14 minutes)`);
  const namespace = options.namespace ?? 'default';
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const ports = await choosePorts(options);
  const address = `127.0.0.1:${ports.frontend}`;
  const dir = makeOwnedTempDir('escalation-temporal-');
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeDir);
  const logFile = join(dir, 'server.log');
  const configFile = join(dir, 'config.yaml');
  const dynamicConfigFile = join(dir, 'dynamic-config.yaml');
  writeFileSync(dynamicConfigFile, dynamicConfigYaml(options.dynamicConfig ?? {}));
  // It holds the database password: readable by us only.
  writeFileSync(
    configFile,
    serverConfigYaml({
      postgres: options.postgres,
      ports,
      dynamicConfigFile,
      logLevel: options.logLevel ?? 'info',
      ...(options.tls && { tls: options.tls }),
    }),
    { mode: 0o600 },
  );
  const clientTls = options.tls && clientTlsOf(options.tls);

  let current: BoundedChild | undefined;
  const spawnServer = () => {
    // KILL on our death: a server left behind would hold its ports and write to a database we remove.
    current = spawnBounded(binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], {
      deathSignal: 'KILL',
      logFile,
      cwd: dir,
    });
    return current;
  };
  const isRunning = () => current !== undefined && !current.hasExited();

  const waitUntilHealthy = async (timeoutMs = readyTimeoutMs) => {
    const child = current;
    if (!child) throw new Error('the Temporal server is not started');
    try {
      await whenHealthy({ address, namespace, clientTls, timeoutMs, exited: child.exited });
    } catch (error) {
      throw new Error(
        `Temporal server at ${address} (pid ${child.pid}) is not healthy: ${(error as Error).message}\n` +
          `Config: ${configFile}\nLast lines of ${logFile}:\n${logTail(logFile)}`,
      );
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!current || current.hasExited()) return;
    current.child.kill(signal);
    await current.exited;
  };

  const stop = async () => {
    await current?.stop('SIGTERM', STOP_GRACE_MS);
    removeDir();
    process.off('exit', removeDir);
  };

  const started = Date.now();
  spawnServer();
  try {
    await waitUntilHealthy();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    address,
    namespace,
    get pid() {
      return current?.pid ?? -1;
    },
    dir,
    logFile,
    ...(ports.metrics !== undefined && { metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics` }),
    readyInMs: Date.now() - started,
    ...(clientTls && { clientTls }),
    isRunning,
    kill,
    async restart() {
      if (isRunning()) await current?.stop('SIGTERM', STOP_GRACE_MS);
      const restarted = Date.now();
      spawnServer();
      await waitUntilHealthy();
      return Date.now() - restarted;
    },
    waitUntilHealthy,
    stop,
  };
}

async function choosePorts(options: TemporalServerOptions): Promise<ServerPorts> {
  const [frontend, ...rest] = await pickStablePorts(options.metrics ? 9 : 8);
  const [frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership, metrics] =
    rest as number[];
  return {
    frontend: options.port ?? frontend!,
    frontendMembership: frontendMembership!,
    history: history!,
    historyMembership: historyMembership!,
    matching: matching!,
    matchingMembership: matchingMembership!,
    worker: worker!,
    workerMembership: workerMembership!,
    ...(options.metrics && { metrics: metrics! }),
  };
}

function clientTlsOf(tls: ServerTlsFiles): TLSConfig {
  return {
    serverNameOverride: tls.serverName ?? 'localhost',
    serverRootCACertificate: readFileSync(tls.caFile),
    clientCertPair: { crt: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) },
  };
}

interface HealthCheck {
  address: string;
  namespace: string;
  clientTls: TLSConfig | undefined;
  timeoutMs: number;
  exited: Promise<string>;
}

/**
 * Healthy means what a worker or client needs: the namespace exists with our search attributes
 * (created on a fresh database), matching answers for a task queue, and history owns the shard of
 * a workflow id (NotFound comes from history itself; while shards move it answers Unavailable).
 */
async function whenHealthy(check: HealthCheck): Promise<void> {
  let connection: Connection | undefined;
  try {
    await waitFor(
      `Temporal frontend at ${check.address}`,
      async () => {
        connection ??= await Connection.connect({
          address: check.address,
          connectTimeout: 2_000,
          ...(check.clientTls && { tls: check.clientTls }),
        });
        return true;
      },
      check.timeoutMs,
      check.exited,
    );
    const ready = connection!;
    const deadline = Date.now() + check.timeoutMs;
    await waitFor(
      `namespace '${check.namespace}' with its search attributes`,
      async () => {
        await ensureNamespace(ready, check.namespace);
        return true;
      },
      Math.max(1_000, deadline - Date.now()),
      check.exited,
    );
    await waitFor(
      `history and matching behind ${check.address}`,
      () => probeBackends(ready, check.namespace),
      Math.max(1_000, deadline - Date.now()),
      check.exited,
    );
  } finally {
    await connection?.close();
  }
}

async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  const deadline = () => Date.now() + 5_000;
  try {
    await connection.withDeadline(deadline(), () => connection.workflowService.describeNamespace({ namespace }));
  } catch (error) {
    if (!(isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND)) throw error;
    try {
      await connection.withDeadline(deadline(), () =>
        connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) }),
      );
    } catch (registerError) {
      if (!(isGrpcServiceError(registerError) && registerError.code === GRPC_ALREADY_EXISTS)) throw registerError;
    }
  }
  const { added } = await setupSearchAttributes(connection, namespace);
  if (added.length > 0) await sleep(NAMESPACE_REFRESH_MS);
}

async function probeBackends(connection: Connection, namespace: string): Promise<boolean> {
  const deadline = Date.now() + 3_000;
  await connection.withDeadline(deadline, () =>
    connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: 'local-temporal-health' },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    }),
  );
  try {
    await connection.withDeadline(deadline, () =>
      connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: 'local-temporal-health' } }),
    );
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return true;
    throw error;
  }
  return true;
}
