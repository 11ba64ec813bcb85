// The real Temporal server (and its SQL schema tool, and optionally the Web UI server), built once per
// machine from the Go module proxy and cached outside the repository (DESIGN.md section 8; the facts
// behind the pins are in ../shared/recipes/temporal-postgres.md).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, logTail } from './processes.js';

export const TEMPORAL_SERVER_VERSION = '1.32.2';
export const TEMPORAL_UI_VERSION = '2.56.4';
/**
 * go.temporal.io/server 1.32.2 needs Go >= 1.26.10. Pinned, never GOTOOLCHAIN=auto: auto takes the
 * newest 1.26.x, and every new toolchain throws away the whole build cache (a 10-minute rebuild).
 */
export const GO_TOOLCHAIN = 'go1.26.11';
/** What an engineer runs to build the binaries ahead of time (tests skip without them). */
export const BUILD_COMMAND = 'npm run topology -- --build-only';

export interface TemporalServerBinaries {
  dir: string;
  /** `server`: frontend, history, matching and worker services in one binary. */
  server: string;
  /** `sql`: the SQL schema tool (temporal-sql-tool) with the schemas embedded. */
  sqlTool: string;
}

export interface BuildOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress for a human; default: stderr. */
  log?: (message: string) => void;
}

const BUILD_TIMEOUT_MS = 45 * 60_000;

/** Where the server binaries live: ESCALATION_TEMPORAL_SERVER_DIR, else under ~/.cache/escalation-engine/. */
export function temporalServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ESCALATION_TEMPORAL_SERVER_DIR || join(cacheRoot(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/** Where the Web UI server lives: ESCALATION_TEMPORAL_UI_DIR, else under ~/.cache/escalation-engine/. */
export function temporalUiDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ESCALATION_TEMPORAL_UI_DIR || join(cacheRoot(env), `temporal-ui-server-${TEMPORAL_UI_VERSION}`);
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'escalation-engine');
}

/** The cached binaries, or undefined when they are not built yet; never builds. */
export function findTemporalServer(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | undefined {
  const dir = temporalServerDir(env);
  const binaries = { dir, server: join(dir, 'server'), sqlTool: join(dir, 'sql') };
  return isExecutable(binaries.server) && isExecutable(binaries.sqlTool) ? binaries : undefined;
}

/** The cached binaries; builds them with the pinned Go toolchain when they are missing (minutes, once). */
export async function ensureTemporalServer(options: BuildOptions = {}): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const found = findTemporalServer(env);
  if (found) return checkVersion(found);
  const dir = temporalServerDir(env);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const announcement =
    `local-temporal: building the Temporal server ${TEMPORAL_SERVER_VERSION} with the ${GO_TOOLCHAIN} toolchain into ${dir}. ` +
    `A cold build takes about 10-14 minutes of both cores and ~3.3 GB of Go caches (toolchain, modules, build cache); ` +
    `it happens once per machine, later starts take seconds.`;
  const packages = [
    `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
    `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
  ];
  await goInstall(dir, packages, { env, log, announcement });
  const built = findTemporalServer(env);
  if (!built) throw new Error(`go install finished, but ${dir} holds no executable 'server' and 'sql'; see ${join(dir, 'build.log')}`);
  return checkVersion(built);
}

/** The cached Web UI server binary, or undefined when it is not built yet; never builds. */
export function findTemporalUi(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const binary = join(temporalUiDir(env), 'server');
  return isExecutable(binary) ? binary : undefined;
}

/** The Web UI server (about 40 s to build, UI assets included); v2.58.x does not build from the proxy here. */
export async function ensureTemporalUi(options: BuildOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const found = findTemporalUi(env);
  if (found) return found;
  const dir = temporalUiDir(env);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const announcement = `local-temporal: building the Temporal Web UI server ${TEMPORAL_UI_VERSION} into ${dir} (about 40 s, once)`;
  await goInstall(dir, [`github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`], { env, log, announcement });
  const built = findTemporalUi(env);
  if (!built) throw new Error(`go install finished, but ${dir} holds no executable 'server'; see ${join(dir, 'build.log')}`);
  return built;
}

/**
 * `go install` into `dir` with the pinned toolchain. One build per directory at a time: a second
 * caller (the topology script and a test, say) waits for the first instead of racing it.
 */
async function goInstall(
  dir: string,
  packages: string[],
  { env, log, announcement }: { env: NodeJS.ProcessEnv; log: (message: string) => void; announcement: string },
): Promise<void> {
  const go = findOnPath('go', env);
  if (!go) {
    throw new Error(
      `cannot build ${packages.join(' ')}: 'go' is not on PATH. Install Go (any 1.21+; it fetches ${GO_TOOLCHAIN} itself from the module proxy), ` +
        `or build them on another machine of the same OS and architecture and copy them into ${dir}.`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, '.build.lock');
  if (!(await takeLock(lockFile, log))) return; // another process built it while we waited
  const logFile = join(dir, 'build.log');
  log(announcement);
  const started = Date.now();
  try {
    const out = openSync(logFile, 'w');
    const child = spawn(go, ['install', ...packages], {
      cwd: tmpdir(), // outside any module, so no go.mod or go.work of ours gets in the way
      env: { ...env, GOTOOLCHAIN: GO_TOOLCHAIN, GOBIN: dir, GOFLAGS: '' },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    const progress = setInterval(
      () => log(`local-temporal: still building (${Math.round((Date.now() - started) / 60_000)} min; log ${logFile})`),
      60_000,
    );
    const how = await new Promise<string>((resolveExit) => {
      child.once('error', (error) => resolveExit(`could not start go (${error.message})`));
      child.once('exit', (code, signal) => resolveExit(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
    clearTimeout(timer);
    clearInterval(progress);
    process.off('exit', killOnExit);
    if (how !== 'exit code 0') {
      throw new Error(
        `GOTOOLCHAIN=${GO_TOOLCHAIN} GOBIN=${dir} go install ${packages.join(' ')} failed (${how}). Last lines of ${logFile}:\n${logTail(logFile, 20)}\n` +
          `Check that the Go module proxy is reachable (go env GOPROXY) and there is ~4 GB free for Go's caches, then run it again.`,
      );
    }
    log(`local-temporal: built in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** True once we hold the lock; false when another process held it and finished the build meanwhile. */
async function takeLock(lockFile: string, log: (message: string) => void): Promise<boolean> {
  for (let waitedLogged = false; ;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readLockHolder(lockFile));
    if (!isAlive(holder)) {
      rmSync(lockFile, { force: true }); // left by a build that was killed
      continue;
    }
    if (!waitedLogged) log(`local-temporal: process ${holder} is already building into the same folder; waiting for it`);
    waitedLogged = true;
    await sleep(2_000);
    if (!isAlive(holder)) return false;
  }
}

function readLockHolder(lockFile: string): string {
  try {
    return readFileSync(lockFile, 'utf8').trim();
  } catch {
    return ''; // released between our attempt and this read
  }
}

/** A binary in the cache folder that answers with another version was put there by hand: say so. */
function checkVersion(binaries: TemporalServerBinaries): TemporalServerBinaries {
  const run = spawnSync(binaries.server, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const said = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (run.status !== 0 || !said.includes(TEMPORAL_SERVER_VERSION)) {
    throw new Error(
      `${binaries.server} is not a working Temporal server ${TEMPORAL_SERVER_VERSION} (it said: ${said || run.error?.message || 'nothing'}). ` +
        `Delete ${binaries.dir} and run \`${BUILD_COMMAND}\` to build it again.`,
    );
  }
  return binaries;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(binary: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}
