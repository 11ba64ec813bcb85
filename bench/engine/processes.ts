import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logTail, spawnBounded, type BoundedChild } from '../../local-temporal/processes.js';
import { ROOT, type Build } from './builds.js';

/**
 * The processes under measurement, each started as production starts it: `escalate worker` and
 * `escalate api` from a variant's own dist/, or the bare worker. Each dies with the bench (the
 * kernel's parent-death signal, an exit hook, and stopAll() on SIGINT/SIGTERM), and writes its
 * output to a log file the bench reads its "ready" line from.
 */

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const children = new Set<BoundedChild>();

export interface Target {
  address: string;
  namespace: string;
}

/** The environment a child gets: ours without anything that would change what it runs or where it connects. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const dropped = /^(NODE_OPTIONS|TEMPORAL_.*|ESCALATION_.*|LOG_LEVEL|PORT|API_HOST|SLACK_SIGNING_SECRET)$/;
  const kept = Object.fromEntries(Object.entries(process.env).filter(([name]) => !dropped.test(name)));
  return { ...kept, ...extra };
}

function spawnChild(args: string[], logFile: string, env: NodeJS.ProcessEnv, cwd: string): BoundedChild {
  const child = spawnBounded(process.execPath, args, { deathSignal: 'KILL', logFile, env, cwd });
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** Waits for a line of the child's log that `match` accepts and returns it; fails with the log's tail. */
async function readyLine(child: BoundedChild, logFile: string, what: string, match: (line: string) => boolean): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      // not written yet
    }
    const line = text.split('\n').find(match);
    if (line) return line;
    if (child.hasExited()) throw new Error(`${what} (pid ${child.pid}) exited before it was ready; its log:\n${logTail(logFile)}`);
    await sleep(100);
  }
  throw new Error(`${what} (pid ${child.pid}) was not ready within ${READY_TIMEOUT_MS / 1000} s; its log:\n${logTail(logFile)}`);
}

export interface Running {
  workerPid: number;
  /** The product's HTTP API (before, after); the bare variant starts workflows with the client. */
  api?: { pid: number; url: string };
  /** The bare worker says the cache size the SDK chose; the product's worker does not. */
  maxCachedWorkflows?: number;
  logFiles: string[];
  stop(): Promise<void>;
}

async function stopChildren(list: BoundedChild[]): Promise<void> {
  await Promise.all(list.map((child) => child.stop('SIGTERM', STOP_GRACE_MS)));
}

export interface ProductStart {
  build: Build;
  target: Target;
  taskQueue: string;
  configFile: string;
  apiToken: string;
  logDir: string;
  /** `before-cpu` etc., for log file names. */
  label: string;
  /** Flags for node before the script (`--cpu-prof …` with --profile). */
  nodeFlags: string[];
}

/** `escalate worker` and `escalate api --port 0 --json` from the variant's dist/, on one task queue. */
export async function startProduct(options: ProductStart): Promise<Running> {
  const cli = join(options.build.dir, 'dist', 'client', 'cli', 'run.js');
  const env = childEnv({
    TEMPORAL_ADDRESS: options.target.address,
    TEMPORAL_NAMESPACE: options.target.namespace,
    ESCALATION_TASK_QUEUE: options.taskQueue,
    ESCALATION_CONFIG: options.configFile,
    ESCALATION_API_TOKEN: options.apiToken,
    LOG_LEVEL: 'info',
  });
  const workerLog = join(options.logDir, `${options.label}-worker.log`);
  const apiLog = join(options.logDir, `${options.label}-api.log`);
  const worker = spawnChild([...options.nodeFlags, cli, 'worker'], workerLog, env, options.build.dir);
  const api = spawnChild([cli, 'api', '--port', '0', '--json'], apiLog, env, options.build.dir);
  try {
    const [, apiLine] = await Promise.all([
      readyLine(worker, workerLog, `the ${options.label} worker`, (line) => line.includes('escalation worker polling')),
      // `--json` prints {"url": …, "openapi": …}, pretty-printed: the url has a line of its own.
      readyLine(api, apiLog, `the ${options.label} API`, (line) => /"url":\s*"http/.test(line)),
    ]);
    const url = /"url":\s*"([^"]+)"/.exec(apiLine)?.[1] ?? '';
    return {
      workerPid: worker.pid,
      api: { pid: api.pid, url },
      logFiles: [workerLog, apiLog],
      stop: () => stopChildren([api, worker]),
    };
  } catch (error) {
    await stopChildren([api, worker]);
    throw error;
  }
}

export interface BareStart {
  target: Target;
  taskQueue: string;
  bundlePath: string;
  logDir: string;
  label: string;
  nodeFlags: string[];
}

/** bench/engine/bare-worker.ts through tsx's loader (it loads once; the workflows run from the bundle). */
export async function startBare(options: BareStart): Promise<Running> {
  const env = childEnv({
    TEMPORAL_ADDRESS: options.target.address,
    TEMPORAL_NAMESPACE: options.target.namespace,
    BARE_TASK_QUEUE: options.taskQueue,
    BARE_WORKFLOW_BUNDLE: options.bundlePath,
  });
  const log = join(options.logDir, `${options.label}-worker.log`);
  const worker = spawnChild([...options.nodeFlags, '--import', 'tsx', join(ROOT, 'bench', 'engine', 'bare-worker.ts')], log, env, ROOT);
  try {
    const line = await readyLine(worker, log, `the ${options.label} worker`, (l) => l.includes('bare worker polling'));
    const { maxCachedWorkflows } = JSON.parse(line) as { maxCachedWorkflows: number };
    return { workerPid: worker.pid, maxCachedWorkflows, logFiles: [log], stop: () => stopChildren([worker]) };
  } catch (error) {
    await stopChildren([worker]);
    throw error;
  }
}

/** Every child still running: on SIGINT/SIGTERM, before the bench exits. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => child.stop('SIGTERM', 2_000)));
}
