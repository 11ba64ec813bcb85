// Our own processes in the local topology: escalation workers and the HTTP API, each the real CLI
// (`escalate worker`, `escalate api`) in its own Node process, configured only by its environment.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logTail, spawnBounded, waitFor, type BoundedChild } from './processes.js';

export interface ProductProcess {
  /** 'worker-1', 'api'. */
  name: string;
  /** The current process's pid; changes with restart(). */
  readonly pid: number;
  logFile: string;
  isRunning(): boolean;
  /** Sends `signal` (default SIGKILL) and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again (stopping it gracefully first if it runs) and waits until it is ready. */
  restart(): Promise<void>;
  /** SIGTERM (a worker finishes its tasks), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export interface ProductProcessOptions {
  name: string;
  /** `escalate` command line after `run.ts`: ['worker'] or ['api']. */
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** True once the process does its job (polls, answers /healthz); given its pid. */
  isReady: (pid: number) => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Told when the process exits without being asked to (the topology script reports it). */
  onUnexpectedExit?: (name: string, how: string, logFile: string) => void;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'client', 'cli', 'run.ts');
const STOP_GRACE_MS = 20_000;

/** Starts `escalate <args>` (through tsx, as `npm run escalate` does) and waits until it is ready. */
export async function startProductProcess(options: ProductProcessOptions): Promise<ProductProcess> {
  let current: BoundedChild | undefined;
  // Processes we end ourselves; any other exit is news for onUnexpectedExit.
  const endedOnPurpose = new WeakSet<BoundedChild>();

  const spawnIt = async () => {
    // `node --import tsx` rather than the tsx binary: one process, so the death signal reaches it.
    const child = spawnBounded(process.execPath, ['--import', 'tsx', CLI, ...options.args], {
      deathSignal: 'TERM',
      logFile: options.logFile,
      env: options.env,
      cwd: root,
    });
    current = child;
    void child.exited.then((how) => {
      if (!endedOnPurpose.has(child)) options.onUnexpectedExit?.(options.name, how, options.logFile);
    });
    try {
      await waitFor(`${options.name} (pid ${child.pid})`, () => options.isReady(child.pid), options.readyTimeoutMs ?? 60_000, child.exited);
    } catch (error) {
      endedOnPurpose.add(child);
      await child.stop('SIGKILL', 0);
      throw new Error(`${(error as Error).message}\nLast lines of ${options.logFile}:\n${logTail(options.logFile)}`);
    }
  };

  /** Ends the current process on purpose (no unexpected-exit report); SIGKILL after graceMs, if given. */
  const stopCurrent = async (signal: NodeJS.Signals, graceMs?: number) => {
    const child = current;
    if (!child || child.hasExited()) return;
    endedOnPurpose.add(child);
    if (graceMs === undefined) {
      child.child.kill(signal);
      await child.exited;
    } else {
      await child.stop(signal, graceMs);
    }
  };

  await spawnIt();
  return {
    name: options.name,
    get pid() {
      return current?.pid ?? -1;
    },
    logFile: options.logFile,
    isRunning: () => current !== undefined && !current.hasExited(),
    kill: (signal: NodeJS.Signals = 'SIGKILL') => stopCurrent(signal),
    async restart() {
      await stopCurrent('SIGTERM', STOP_GRACE_MS);
      await spawnIt();
    },
    stop: () => stopCurrent('SIGTERM', STOP_GRACE_MS),
  };
}
