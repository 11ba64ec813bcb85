// `npm run topology`: the production shape on this machine, without Docker (DESIGN.md section 8).
// PostgreSQL, the real Temporal server, the Web UI, two workers and the HTTP API, until Ctrl-C.
// The failure runs call startTopology() from local-temporal/topology.ts instead.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTemporalServer, ensureTemporalUi } from '../local-temporal/server-build.js';
import { startTopology, type Topology } from '../local-temporal/topology.js';

export { startTopology, type Topology, type TopologyOptions } from '../local-temporal/topology.js';

const USAGE = `usage: npm run topology -- [options]
  --build-only        build (or find) the Temporal server and Web UI binaries, then exit
  --workers <n>       escalation worker processes (default 2)
  --no-api            do not start the HTTP API
  --no-ui             do not start the Temporal Web UI
  --config <file>     escalation config for the workers and the API (default examples/escalation.yaml)
  --task-queue <name> (default escalation)`;

function say(message: string): void {
  process.stderr.write(`[topology] ${message}\n`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'build-only': { type: 'boolean', default: false },
      workers: { type: 'string', default: '2' },
      'no-api': { type: 'boolean', default: false },
      'no-ui': { type: 'boolean', default: false },
      config: { type: 'string' },
      'task-queue': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`--workers ${values.workers}: give a whole number, 0 or more`);

  const log = (message: string) => say(message.replace(/^local-temporal: /, ''));
  await ensureTemporalServer({ log });
  const ui = !values['no-ui'] && (await uiAvailable(log));
  if (values['build-only']) {
    say('binaries ready');
    return 0;
  }

  // Ctrl-C while starting stops what is already up; Ctrl-C twice gives up waiting (exit hooks still kill).
  const running: { topology?: Topology } = {};
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    if (stopping) {
      say(`${signal} again: exiting now`);
      process.exit(130);
    }
    say(`${signal}: stopping everything ...`);
    stopping = (running.topology?.stop() ?? Promise.resolve()).then(() => {
      say('stopped; temp folders removed');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));

  const topology = await startTopology({
    workers,
    api: !values['no-api'],
    ui,
    log,
    ...(values.config && { configFile: resolve(values.config) }),
    ...(values['task-queue'] && { taskQueue: values['task-queue'] }),
  });
  running.topology = topology;
  printAddresses(topology);
  if (stopping) return 0; // a signal came while starting; its handler exits
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
  return 0;
}

/** The Web UI is a convenience: when it cannot be built, the topology runs without it. */
async function uiAvailable(log: (message: string) => void): Promise<boolean> {
  try {
    await ensureTemporalUi({ log });
    return true;
  } catch (error) {
    say(`the Web UI is skipped: ${(error as Error).message}`);
    return false;
  }
}

function printAddresses(topology: Topology): void {
  const { server, postgres, timings } = topology;
  const lines = [
    `ready in ${(timings.totalMs / 1000).toFixed(1)} s (PostgreSQL ${timings.postgresMs} ms, Temporal server ${timings.serverMs} ms)`,
    `Temporal gRPC   ${topology.address}  namespace ${topology.namespace}, task queue ${topology.taskQueue}  (server pid ${server.pid}, log ${server.logFile})`,
    `PostgreSQL      127.0.0.1:${postgres.port}  user ${postgres.user}, password ${postgres.password}  (${postgres.dir})`,
    ...(topology.ui ? [`Web UI          ${topology.ui.url}`] : []),
    ...(topology.api ? [`HTTP API        ${topology.api.url}  bearer token ${topology.api.token}  (log ${topology.api.logFile})`] : []),
    ...topology.workers.map((worker) => `${worker.name.padEnd(15)} pid ${worker.pid}  (log ${worker.logFile})`),
    `try it:         TEMPORAL_ADDRESS=${topology.address} npm run escalate -- start --summary 'disk full' --severity critical`,
    'Ctrl-C stops everything and removes the temp folders.',
  ];
  for (const line of lines) say(line);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      say(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
