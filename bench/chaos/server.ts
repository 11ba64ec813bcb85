import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPORAL_SERVER_VERSION } from '../../local-temporal/server-build.js';
import { startTopology } from '../../local-temporal/topology.js';
import { DEFAULT_SQLITE_PRAGMAS, freePort, startDevServer, type DevServer } from '../../worker/dev-server.js';

/**
 * The Temporal server a failure run runs against, as small as the faults need: the dev server on a
 * file-backed SQLite database today; the PostgreSQL topology (local-temporal/) plugs in behind the
 * same interface.
 */
export interface ChaosServer {
  /** Which topology, as RELIABILITY.md names its section. */
  topology: string;
  /** What the run says about the server's settings (database, pragmas, dynamic config). */
  description: string;
  address: string;
  namespace: string;
  /** SIGKILL: no shutdown, no flush. */
  kill(): Promise<void>;
  /** Starts it again on the same address and data; resolves when it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The timer queue fires nothing sooner than now + this shift (the server's default is 1 s, so a
 * 300 ms policy step would be a second late for nothing); the test suite runs with the same value.
 */
export const CHAOS_DYNAMIC_CONFIG = { 'history.timerProcessorMaxTimeShift': '10ms' } as const;

export async function startDevChaosServer(log: (line: string) => void = () => undefined): Promise<ChaosServer> {
  const dir = await mkdtemp(join(tmpdir(), 'escalation-chaos-temporal-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeDir);
  const dbFilename = join(dir, 'temporal.sqlite');
  let options = { ui: false, port: 0, dbFilename, sqlitePragmas: DEFAULT_SQLITE_PRAGMAS, dynamicConfig: CHAOS_DYNAMIC_CONFIG };
  let server: DevServer | undefined;
  // A port found free can be taken before the server binds it (another server starting beside this
  // run): try other ports before giving up on the scenario.
  for (let attempt = 1; !server; attempt += 1) {
    options = { ...options, port: await freePort() };
    try {
      server = await startDevServer(options);
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`dev server did not start on port ${options.port} (${String(error).split('\n')[0]}); trying other ports`);
    }
  }
  log(`dev server ${server.address} ready in ${server.readyInMs} ms (SQLite file ${dbFilename})`);
  const pragmas = Object.entries(DEFAULT_SQLITE_PRAGMAS)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const address = server.address;

  return {
    topology: 'dev server (temporal server start-dev, SQLite file)',
    description: `temporal server start-dev, file-backed SQLite (${pragmas}), dynamic config ${JSON.stringify(CHAOS_DYNAMIC_CONFIG)}`,
    address,
    namespace: server.namespace,
    async kill() {
      if (!server) return;
      const pid = server.pid;
      const stopped = server;
      server = undefined;
      process.kill(pid, 'SIGKILL');
      await stopped.stop(); // returns once the child has exited (nothing left to signal)
    },
    async restart() {
      if (server) return;
      // The port was just released by a killed process: retry a few times if it is not free yet.
      for (let attempt = 1; ; attempt += 1) {
        try {
          server = await startDevServer(options);
          log(`dev server restarted on ${server.address} in ${server.readyInMs} ms`);
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
    async stop() {
      await server?.stop();
      server = undefined;
      process.off('exit', removeDir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The production topology without Docker (local-temporal/): the real Temporal server on a private
 * PostgreSQL cluster. The run brings its own workers and API, so the topology starts neither.
 */
export async function startPostgresChaosServer(log: (line: string) => void = () => undefined): Promise<ChaosServer> {
  const topology = await startTopology({ workers: 0, api: false, dynamicConfig: { ...CHAOS_DYNAMIC_CONFIG }, log });
  const { server } = topology;
  log(`Temporal server ${server.address} on PostgreSQL 127.0.0.1:${topology.postgres.port} ready in ${topology.timings.totalMs} ms`);
  return {
    topology: `PostgreSQL topology (Temporal server ${TEMPORAL_SERVER_VERSION} built from source, PostgreSQL from Debian)`,
    description: `temporal server ${TEMPORAL_SERVER_VERSION} (local-temporal/) on a private PostgreSQL cluster, dynamic config ${JSON.stringify(CHAOS_DYNAMIC_CONFIG)}`,
    address: topology.address,
    namespace: topology.namespace,
    kill: () => server.kill('SIGKILL'),
    async restart() {
      const ms = await server.restart();
      log(`Temporal server restarted on ${server.address} in ${ms} ms`);
    },
    stop: () => topology.stop(),
  };
}
