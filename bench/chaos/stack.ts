import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { setupSearchAttributes } from '../../client/cli/setup.js';
import { freePort } from '../../worker/dev-server.js';
import { ApiDriver } from './api-driver.js';
import type { FaultWindow } from './model.js';
import { startChaosPeer, type ChaosPeer } from './peer.js';
import { CHAOS_PLAN, expectation, writeChaosConfig, type Expectation, type Plan } from './policy.js';
import type { ChaosServer } from './server.js';
import { apiProcess, workerProcess, type Supervised } from './supervisor.js';

/**
 * Everything a failure run needs, on 127.0.0.1: the Temporal server, the webhook peer, the config
 * file, the API and the workers as child processes under the supervisor, and the HTTP driver.
 */
export interface ChaosStack {
  server: ChaosServer;
  peer: ChaosPeer;
  api: Supervised;
  driver: ApiDriver;
  workers: Supervised[];
  plan: Plan;
  expectation: Expectation;
  taskQueue: string;
  restartDelayMs: number;
  log(line: string): void;
  /** A new supervised worker, started. */
  addWorker(): Supervised;
  /** Kills the server (SIGKILL), waits `downMs`, starts it again; the window is recorded. */
  bounceServer(downMs: number): Promise<void>;
  /** Stretches without a ready worker (or with fewer than `expected`) between two instants. */
  workerWindows(from: number, to: number, expected: number): FaultWindow[];
  serverWindows: FaultWindow[];
  stop(): Promise<void>;
}

export interface StackOptions {
  server: ChaosServer;
  workers: number;
  /** The supervisor's wait before restarting a dead process (systemd's RestartSec). */
  restartDelayMs: number;
  /** A prebuilt workflow bundle for the workers (ESCALATION_WORKFLOW_BUNDLE); without it each start bundles. */
  workflowBundle?: string;
  /** The `escalate` command the processes run: `bin/escalate.mjs` (source through tsx, the default) or `dist/client/cli/run.js` (what production runs). */
  entry?: string;
  /** A directory for every process's output, one file per process (`npm run chaos -- --logs`). */
  processLogs?: string;
  log: (line: string) => void;
}

const READY_TIMEOUT_MS = 90_000;

export async function startChaosStack(options: StackOptions): Promise<ChaosStack> {
  const { server, log } = options;
  const dir = await mkdtemp(join(tmpdir(), 'escalation-chaos-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeDir);
  const cleanups: (() => Promise<unknown>)[] = [
    async () => {
      process.off('exit', removeDir);
      await rm(dir, { recursive: true, force: true });
    },
  ];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  };
  try {
    // Idempotent, and what `escalate setup` does on a server that is not the dev server.
    const connection = await Connection.connect({ address: server.address, connectTimeout: 10_000 });
    await setupSearchAttributes(connection, server.namespace).finally(() => connection.close());

    const peer = await startChaosPeer();
    cleanups.push(() => peer.close());
    const configFile = join(dir, 'escalation.yaml');
    await writeChaosConfig(configFile, CHAOS_PLAN, peer.base);
    const taskQueue = `chaos-${randomBytes(4).toString('hex')}`;
    const token = `chaos-${randomBytes(16).toString('hex')}`;
    const env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      ESCALATION_CONFIG: configFile,
      ESCALATION_TASK_QUEUE: taskQueue,
      ESCALATION_API_TOKEN: token,
      ...(options.workflowBundle && { ESCALATION_WORKFLOW_BUNDLE: options.workflowBundle }),
    };

    const apiPort = await freePort();
    const logFile = (name: string) => (options.processLogs !== undefined ? join(options.processLogs, `${name}.log`) : undefined);
    const api = apiProcess(apiPort, env, options.restartDelayMs, log, options.entry, logFile('api'));
    cleanups.push(() => api.stop());
    api.start();

    const workers: Supervised[] = [];
    const addWorker = () => {
      const name = `worker-${workers.length + 1}`;
      const worker = workerProcess(name, env, options.restartDelayMs, log, options.entry, logFile(name));
      workers.push(worker);
      cleanups.push(() => worker.stop());
      worker.start();
      return worker;
    };
    for (let i = 0; i < options.workers; i += 1) addWorker();
    await api.waitReady(READY_TIMEOUT_MS);
    await Promise.all(workers.map((w) => w.waitReady(READY_TIMEOUT_MS)));

    const serverWindows: FaultWindow[] = [];
    return {
      server,
      peer,
      api,
      driver: new ApiDriver(`http://127.0.0.1:${apiPort}`, token),
      workers,
      plan: CHAOS_PLAN,
      expectation: expectation(CHAOS_PLAN, peer.base),
      taskQueue,
      restartDelayMs: options.restartDelayMs,
      log,
      addWorker,
      async bounceServer(downMs) {
        const from = Date.now();
        await server.kill();
        log(`server killed (SIGKILL); down for ${downMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, downMs));
        await server.restart();
        serverWindows.push({ kind: 'server down', from, to: Date.now() });
      },
      workerWindows: (from, to, expected) => workerWindows(workers, from, to, expected),
      serverWindows,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Walks the workers' lives: where no worker was polling, or fewer than expected. */
function workerWindows(workers: readonly Supervised[], from: number, to: number, expected: number): FaultWindow[] {
  const edges: { at: number; delta: number }[] = [];
  for (const life of workers.flatMap((w) => w.lives)) {
    if (life.readyAt === undefined) continue;
    edges.push({ at: life.readyAt, delta: 1 });
    let serving = true;
    for (const outage of life.outages) {
      if (life.exitedAt !== undefined && outage.from >= life.exitedAt) break;
      edges.push({ at: outage.from, delta: -1 });
      serving = outage.to !== undefined && (life.exitedAt === undefined || outage.to < life.exitedAt);
      if (serving && outage.to !== undefined) edges.push({ at: outage.to, delta: 1 });
      if (!serving) break;
    }
    if (serving && life.exitedAt !== undefined) edges.push({ at: life.exitedAt, delta: -1 });
  }
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const windows: FaultWindow[] = [];
  let ready = 0;
  let open: { kind: FaultWindow['kind']; from: number } | undefined;
  const kindOf = (n: number): FaultWindow['kind'] | undefined =>
    n === 0 ? 'no worker' : n < expected ? 'one worker of two down' : undefined;
  const step = (at: number) => {
    const kind = kindOf(ready);
    if (open && open.kind !== kind) {
      if (at > from && open.from < to) windows.push({ kind: open.kind, from: Math.max(open.from, from), to: Math.min(at, to) });
      open = undefined;
    }
    if (!open && kind) open = { kind, from: at };
  };
  step(Number.NEGATIVE_INFINITY);
  for (const edge of edges) {
    ready += edge.delta;
    step(edge.at);
  }
  if (open && open.from < to) windows.push({ kind: open.kind, from: Math.max(open.from, from), to });
  return windows.filter((w) => w.to > w.from);
}
