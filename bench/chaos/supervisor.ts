import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A small process supervisor, as systemd (`Restart=always`, `RestartSec=`) or a Kubernetes
 * Deployment would run our processes: a child that dies is started again after a short delay,
 * until it is stopped or retired. Each start is a "life" with its spawn, ready and exit times, so
 * the checks can say how long a worker was away and when it was back.
 */

export interface Life {
  pid: number;
  spawnedAt: number;
  /** When the child printed the line that says it is ready (a worker polling, the API listening). */
  readyAt?: number;
  /** Stretches a ready child said it was not serving (a worker that lost its server), until it said so again. */
  outages: { from: number; to?: number }[];
  exitedAt?: number;
  /** `SIGKILL`, `code 1`, ... */
  exit?: string;
  /** The run killed it on purpose (a fault), as opposed to a crash. */
  killed: boolean;
  /** The child's last lines of output, for error messages. */
  lastLines: string[];
}

export interface SupervisorOptions {
  name: string;
  /** Arguments to node after the orphan guard, e.g. [bin/escalate.mjs, 'worker']. */
  args: string[];
  env: Record<string, string>;
  isReady(line: string): boolean;
  /** A line that says a ready child stopped serving for a while (the next isReady line ends it). */
  isLost?(line: string): boolean;
  restartDelayMs: number;
  log?: (line: string) => void;
  /** Every line of every life, appended to this file (`npm run chaos -- --logs`). */
  logFile?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GUARD = fileURLToPath(new URL('./orphan-guard.mjs', import.meta.url));
const LINES_KEPT = 40;
const STOP_GRACE_MS = 5_000;

// Every child of the run, so an exit (normal, crash or Ctrl-C) never leaves one behind.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class Supervised {
  readonly lives: Life[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** The supervisor keeps it running (false once stopped or retired). */
  private wanted = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly options: SupervisorOptions) {}

  get name(): string {
    return this.options.name;
  }

  get current(): Life | undefined {
    const life = this.lives[this.lives.length - 1];
    return life && life.exitedAt === undefined ? life : undefined;
  }

  get isReady(): boolean {
    const life = this.current;
    const outage = life?.outages[life.outages.length - 1];
    return life?.readyAt !== undefined && (!outage || outage.to !== undefined);
  }

  /** Starts the child (again) and keeps it running. */
  start(): void {
    this.wanted = true;
    if (this.child || this.restartTimer) return;
    this.spawnOnce();
  }

  /** Resolves when the current (or next) life is ready; rejects after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<Life> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const last = this.lives[this.lives.length - 1];
        throw new Error(
          `${this.name} was not ready within ${timeoutMs} ms (${this.lives.length} start(s)); last output:\n${last?.lastLines.join('\n') ?? '(never started)'}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.current as Life;
  }

  /** A fault: kills the current life; the supervisor starts the next one after its delay. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Life | undefined {
    const life = this.current;
    if (!life || !this.child) return undefined;
    life.killed = true;
    this.child.kill(signal);
    return life;
  }

  /** Kills it for good: SIGKILL, no restart. */
  async retire(): Promise<void> {
    this.wanted = false;
    this.cancelRestart();
    this.kill('SIGKILL');
    await this.exited;
  }

  /** Stops it gracefully (SIGTERM, then SIGKILL after a grace period), no restart. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.cancelRestart();
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private spawnOnce(): void {
    this.restartTimer = undefined;
    const child = spawn(process.execPath, ['--import', GUARD, ...this.options.args], {
      cwd: ROOT,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const life: Life = { pid: child.pid ?? -1, spawnedAt: Date.now(), killed: false, lastLines: [], outages: [] };
    this.lives.push(life);
    this.child = child;
    running.add(child);
    const file: WriteStream | undefined = this.options.logFile ? createWriteStream(this.options.logFile, { flags: 'a' }) : undefined;
    file?.write(`--- ${this.name} pid ${life.pid} spawned at ${new Date(life.spawnedAt).toISOString()}\n`);
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          file?.write(`${line}\n`);
          this.onLine(life, line);
        }
      });
    }
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        life.exitedAt = Date.now();
        life.exit = signal ?? `code ${code}`;
        file?.end(`--- ${this.name} pid ${life.pid} exited at ${new Date(life.exitedAt).toISOString()} (${life.exit})\n`);
        if (this.child === child) this.child = undefined;
        if (!life.killed)
          this.options.log?.(`${this.name} (pid ${life.pid}) exited with ${life.exit}: ${life.lastLines.slice(-3).join(' | ')}`);
        if (this.wanted) this.restartTimer = setTimeout(() => this.spawnOnce(), this.options.restartDelayMs);
        resolve();
      });
    });
  }

  private onLine(life: Life, line: string): void {
    if (!line.trim()) return;
    life.lastLines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (life.lastLines.length > LINES_KEPT) life.lastLines.shift();
    const outage = life.outages[life.outages.length - 1];
    if (this.options.isReady(line)) {
      if (life.readyAt === undefined) life.readyAt = Date.now();
      else if (outage && outage.to === undefined) outage.to = Date.now();
      for (const wake of this.readyWaiters.splice(0)) wake();
    } else if (life.readyAt !== undefined && (!outage || outage.to !== undefined) && this.options.isLost?.(line)) {
      life.outages.push({ from: Date.now() });
    }
  }
}

/** The source CLI through tsx's loader; the compiled one is `dist/client/cli/run.js` (npm run build). */
const SOURCE_ENTRY = 'bin/escalate.mjs';

/** `escalate worker` (the real CLI, one process: SIGKILL reaches the worker itself, not a tsx wrapper). */
export function workerProcess(
  name: string,
  env: Record<string, string>,
  restartDelayMs: number,
  log?: (line: string) => void,
  entry = SOURCE_ENTRY,
  logFile?: string,
): Supervised {
  return new Supervised({
    ...(logFile !== undefined && { logFile }),
    name,
    args: [entry, 'worker'],
    env: { LOG_LEVEL: 'info', ...env },
    isReady: (line) => line.includes('escalation worker polling'),
    // Workers that outlive a server restart say so, and poll again once it is back.
    isLost: (line) => line.includes('lost its Temporal server'),
    restartDelayMs,
    ...(log && { log }),
  });
}

/** `escalate api --port P --json`: ready when it prints its URL. */
export function apiProcess(
  port: number,
  env: Record<string, string>,
  restartDelayMs: number,
  log?: (line: string) => void,
  entry = SOURCE_ENTRY,
  logFile?: string,
): Supervised {
  return new Supervised({
    ...(logFile !== undefined && { logFile }),
    name: 'api',
    args: [entry, 'api', '--port', String(port), '--host', '127.0.0.1', '--json'],
    env: { LOG_LEVEL: 'warn', ...env },
    isReady: (line) => line.includes('"url"'),
    restartDelayMs,
    ...(log && { log }),
  });
}
