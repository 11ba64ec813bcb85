// Child processes and ports for the local production topology (DESIGN.md section 8): every process
// we start dies with us, and every port we pick stays ours across a server restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BoundedSpawnOptions {
  /** Run as this user (the machine may run us as root, and PostgreSQL refuses to run as root). */
  user?: string;
  /** Signal the child gets from the kernel if this Node process dies, even by SIGKILL. */
  deathSignal: 'TERM' | 'INT' | 'KILL';
  /** stdout and stderr are appended here (kept after a restart, read back on failure). */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface BoundedChild {
  child: ChildProcess;
  pid: number;
  /** Resolves once the process has exited, with how it ended ("code 1", "SIGKILL"). */
  exited: Promise<string>;
  hasExited(): boolean;
  /** Sends `signal`, and SIGKILL after `graceMs` if it is still there; resolves once it is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const hasSetpriv = process.platform === 'linux' && existsSync('/usr/bin/setpriv');

/**
 * Spawns a process that cannot outlive us: `setpriv --pdeathsig` asks the kernel to signal it when
 * this process dies (a SIGKILLed harness runs no exit hooks), and an exit hook covers the rest.
 * setpriv also switches the user, so the death signal survives the switch (it is set after it).
 */
export function spawnBounded(command: string, args: string[], options: BoundedSpawnOptions): BoundedChild {
  const asRoot = process.getuid?.() === 0;
  const prefix: string[] = [];
  if (hasSetpriv) {
    prefix.push('/usr/bin/setpriv', '--pdeathsig', options.deathSignal);
    if (options.user && asRoot) prefix.push('--reuid', options.user, '--regid', options.user, '--init-groups');
    prefix.push('--');
  } else if (options.user && asRoot) {
    prefix.push('runuser', '-u', options.user, '--');
  }
  const [file, ...rest] = [...prefix, command, ...args] as [string, ...string[]];
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop everything in
    // order (API and workers before the server, the server before its database).
    child = spawn(file, rest, { stdio: ['ignore', log, log], env: options.env ?? process.env, cwd: options.cwd, detached: true });
  } finally {
    closeSync(log); // the child has its own copy
  }
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<string>((resolveExit) => {
    child.once('error', (error) => resolveExit(`could not be started (${error.message})`));
    child.once('exit', (code, signal) => resolveExit(signal ?? `code ${code}`));
  });
  void exited.then(() => process.off('exit', killOnExit));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;

  return {
    child,
    pid: child.pid ?? -1,
    exited,
    hasExited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      if (hasExited()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last `lines` lines of a log file, for error messages; never throws. */
export function logTail(file: string, lines = 30): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, 'utf8').slice(Math.max(0, size - 64 * 1024));
    const kept = text.trimEnd().split('\n').slice(-lines);
    return kept.length > 0 && kept[0] !== '' ? kept.join('\n') : '(empty)';
  } catch (error) {
    return `(cannot read ${file}: ${(error as Error).message})`;
  }
}

/**
 * Ports for a server that will be killed and restarted on the same ports. They come from below the
 * kernel's ephemeral range: a port from inside it may be taken by some outgoing connection while
 * the server is down, and Temporal stores membership ports as a smallint (< 32768) in PostgreSQL.
 */
export async function pickStablePorts(count: number): Promise<number[]> {
  const ceiling = Math.min(ephemeralRangeStart(), 32_768);
  const floor = Math.max(1_024, ceiling - 12_000);
  const picked = new Set<number>();
  for (let attempt = 0; picked.size < count && attempt < count * 50; attempt += 1) {
    const port = floor + Math.floor(Math.random() * (ceiling - floor));
    if (!picked.has(port) && (await isFree(port))) picked.add(port);
  }
  if (picked.size < count) {
    throw new Error(`found only ${picked.size} of ${count} free TCP ports on 127.0.0.1 between ${floor} and ${ceiling - 1}`);
  }
  return [...picked];
}

function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 2_048 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolveFree) => {
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/** Polls `probe` until it returns true; the error names what was awaited and the last failure. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, givenUp?: Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  let gaveUp: string | undefined;
  void givenUp?.then((reason) => (gaveUp = reason));
  while (Date.now() < deadline) {
    if (gaveUp !== undefined) throw new Error(`${what}: the process exited (${gaveUp})`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${what}: not ready within ${timeoutMs / 1000}s; last error: ${lastError}`);
}

/** Runs a short tool to completion; a failure names the command and what it printed. */
export function runTool(
  command: string,
  args: string[],
  options: { user?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): string {
  const asRoot = process.getuid?.() === 0;
  const [file, ...rest] = (options.user && asRoot ? ['runuser', '-u', options.user, '--', command, ...args] : [command, ...args]) as [
    string,
    ...string[],
  ];
  const run = spawnSync(file, rest, {
    encoding: 'utf8',
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.status === 0) return run.stdout;
  const said = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  const how = run.error ? run.error.message : run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`;
  throw new Error(`${[command, ...args].join(' ')} failed (${how}):\n${said || '(no output)'}`);
}

/**
 * A fresh temp folder for one process group, marked with our pid. Folders whose owner died without
 * cleaning up (SIGKILLed: no exit hook ran) are removed first, so a crashed run leaves nothing for long.
 */
export function makeOwnedTempDir(prefix: string): string {
  sweepStaleDirs(prefix);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

const OWNER_FILE = 'owner.pid';

function sweepStaleDirs(prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
      if (!isAlive(owner)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // no owner file: not ours to judge, or being created right now
    }
  }
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
