// The production topology on one machine without Docker (DESIGN.md section 8): PostgreSQL, the real
// Temporal server, optionally the Web UI, escalation workers and the HTTP API. `npm run topology`
// runs it (scripts/topology.ts); the failure runs start it here and bring their own workers and API.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { startPostgres, type PostgresCluster } from './postgres.js';
import { makeOwnedTempDir, pickStablePorts } from './processes.js';
import { startProductProcess, type ProductProcess } from './product-processes.js';
import { ensureTemporalServer, ensureTemporalUi } from './server-build.js';
import { startTemporalServer, type ServerTlsFiles, type TemporalServer } from './temporal-server.js';
import { startUiServer, type UiServer } from './ui-server.js';

export interface TopologyOptions {
  /** Escalation worker processes (`escalate worker`); default 0. */
  workers?: number;
  /** The HTTP API process (`escalate api`); default false. */
  api?: boolean;
  apiPort?: number;
  /** The Temporal Web UI (built once, about 40 s); default false. */
  ui?: boolean;
  /** Build the server binaries when they are missing (10-14 min cold); default true. */
  build?: boolean;
  /** Frontend mTLS; workers and the API then connect with the client pair through TEMPORAL_TLS_*. */
  tls?: ServerTlsFiles;
  namespace?: string;
  taskQueue?: string;
  /** The escalation config the workers and the API load; default examples/escalation.yaml. */
  configFile?: string;
  /** Temporal server dynamic config. */
  dynamicConfig?: Record<string, unknown>;
  /** Prometheus metrics from the server (server.metricsUrl). */
  metrics?: boolean;
  /** Progress for a human; default stderr. */
  log?: (message: string) => void;
}

export interface Topology {
  postgres: PostgresCluster;
  /** kill(signal), restart(), waitUntilHealthy() for the failure runs. */
  server: TemporalServer;
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** What a worker, the API or the CLI needs in its environment to use this topology. */
  env: Record<string, string>;
  ui?: UiServer;
  workers: ProductProcess[];
  api?: ProductProcess & { url: string; token: string };
  /** Milliseconds: PostgreSQL ready with both schemas; server healthy with namespace; everything. */
  timings: { postgresMs: number; serverMs: number; totalMs: number };
  /** Stops everything, newest first, and removes every temp folder. */
  stop(): Promise<void>;
}

const TASK_QUEUE_TYPE_WORKFLOW = 1;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const started = Date.now();
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? 'escalation';
  const configFile = resolve(root, options.configFile ?? 'examples/escalation.yaml');
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error: unknown) => log(`local-temporal: while stopping: ${String(error)}`));
  };

  try {
    const binaries = options.build === false ? undefined : await ensureTemporalServer({ log });
    const uiBinary = options.ui ? await ensureTemporalUi({ log }) : undefined;

    const postgres = await startPostgres(binaries ? { sqlTool: binaries.sqlTool } : {});
    stops.push(postgres.stop);
    log(`local-temporal: PostgreSQL on 127.0.0.1:${postgres.port} in ${postgres.readyInMs} ms (${postgres.dir})`);

    const server = await startTemporalServer({
      postgres,
      ...(binaries && { binaries }),
      namespace,
      ...(options.tls && { tls: options.tls }),
      ...(options.dynamicConfig && { dynamicConfig: options.dynamicConfig }),
      ...(options.metrics && { metrics: true }),
    });
    stops.push(server.stop);
    log(`local-temporal: Temporal server ${server.address} (pid ${server.pid}) healthy in ${server.readyInMs} ms; log ${server.logFile}`);

    const ui = uiBinary
      ? await startUiServer({ binary: uiBinary, temporalAddress: server.address, namespace, ...(options.tls && { tls: options.tls }) })
      : undefined;
    if (ui) stops.push(ui.stop);

    const env = productEnv({ address: server.address, namespace, taskQueue, configFile, tls: options.tls, uiUrl: ui?.url });
    const logDir = makeOwnedTempDir('escalation-topology-');
    stops.push(async () => rmSync(logDir, { recursive: true, force: true }));
    const probe = await Connection.connect({ address: server.address, ...(server.clientTls && { tls: server.clientTls }) });
    stops.push(() => probe.close());
    const onUnexpectedExit = (name: string, how: string, logFile: string) =>
      log(`local-temporal: ${name} exited (${how}) without being asked to; its log: ${logFile}`);

    // Side by side: each spends seconds compiling TypeScript and bundling workflows on its own core.
    const workerCount = options.workers ?? 0;
    const apiPort = options.apiPort ?? (await pickStablePorts(1))[0]!;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiToken = randomBytes(24).toString('hex');
    const starting = Array.from({ length: workerCount }, (_, i) =>
      startProductProcess({
        name: `worker-${i + 1}`,
        args: ['worker'],
        env,
        logFile: join(logDir, `worker-${i + 1}.log`),
        isReady: (pid) => isPolling(probe, namespace, taskQueue, pid),
        onUnexpectedExit,
      }),
    );
    if (options.api) {
      starting.push(
        startProductProcess({
          name: 'api',
          args: ['api'],
          env: { ...env, PORT: String(apiPort), API_HOST: '127.0.0.1', ESCALATION_API_TOKEN: apiToken },
          logFile: join(logDir, 'api.log'),
          isReady: async () => (await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok,
          onUnexpectedExit,
        }),
      );
    }
    const settled = await Promise.allSettled(starting);
    const products = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    stops.push(async () => {
      await Promise.all(products.map((product) => product.stop()));
    });
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    const workers = products.slice(0, workerCount);
    const apiProcess = products[workerCount];
    const api = apiProcess && Object.assign(apiProcess, { url: apiUrl, token: apiToken });

    return {
      postgres,
      server,
      address: server.address,
      namespace,
      taskQueue,
      env,
      ...(ui && { ui }),
      workers,
      ...(api && { api }),
      timings: { postgresMs: postgres.readyInMs, serverMs: server.readyInMs, totalMs: Date.now() - started },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The environment of our processes: only what this topology says about Temporal. Inherited
 * TEMPORAL_* settings (a profile, an API key, another address) would point them elsewhere.
 */
function productEnv(input: {
  address: string;
  namespace: string;
  taskQueue: string;
  configFile: string;
  tls: ServerTlsFiles | undefined;
  uiUrl: string | undefined;
}): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('TEMPORAL_'),
  );
  return {
    ...Object.fromEntries(inherited),
    TEMPORAL_ADDRESS: input.address,
    TEMPORAL_NAMESPACE: input.namespace,
    ESCALATION_TASK_QUEUE: input.taskQueue,
    ESCALATION_CONFIG: input.configFile,
    ...(input.uiUrl && { TEMPORAL_UI_URL: input.uiUrl }),
    ...(input.tls && {
      TEMPORAL_TLS_CLIENT_CERT_PATH: input.tls.clientCertFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: input.tls.clientKeyFile,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: input.tls.caFile,
      TEMPORAL_TLS_SERVER_NAME: input.tls.serverName ?? 'localhost',
    }),
  };
}

/** A worker is ready once the server has seen it poll: its identity is `<pid>@<host>`. */
async function isPolling(connection: Connection, namespace: string, taskQueue: string, pid: number): Promise<boolean> {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).some((poller) => poller.identity?.startsWith(`${pid}@`));
}
