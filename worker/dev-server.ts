// Runs `temporal server start-dev` as a child process for `escalate dev` and the test suites
// (DESIGN.md section 7): loopback only, free ports, our search attributes, tuned SQLite pragmas.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { INCIDENT_SEARCH_ATTRIBUTES, INDEXED_VALUE_TYPE } from '../workflows/search-attributes.js';
import { resolveTemporalCli } from './temporal-binary.js';

export interface DevServerOptions {
  /** The `temporal` binary; default: resolveTemporalCli(). */
  cliPath?: string;
  /** gRPC port; default: a free one. */
  port?: number;
  /** Serve the Web UI; default true. Off means `--headless`. */
  ui?: boolean;
  /** Web UI port; default: a free one. */
  uiPort?: number;
  namespace?: string;
  /** SQLite file that keeps incidents across restarts; default: in memory. */
  dbFilename?: string;
  /**
   * Default journal_mode=WAL, synchronous=NORMAL: with SQLite's defaults a file-backed server manages
   * only a few workflows a second. In memory the CLI accepts journal_mode=WAL but SQLite ignores it.
   */
  sqlitePragmas?: Record<string, string>;
  /** Server dynamic config, passed as `--dynamic-config-value KEY=<JSON>`. */
  dynamicConfig?: Record<string, unknown>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  namespace: string;
  pid: number;
  /** How long the server took from spawn to answering describeNamespace. */
  readyInMs: number;
  stop(): Promise<void>;
}

export const DEFAULT_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'WAL', synchronous: 'NORMAL' };

// The CLI's spelling of each type (`--search-attribute Name=Keyword`).
const CLI_TYPE_FLAG: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

const OUTPUT_LINES_KEPT = 200;
const STOP_GRACE_MS = 10_000;

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cliPath = options.cliPath ?? resolveTemporalCli().path;
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort());
  const ui = options.ui ?? true;
  const uiPort = ui ? (options.uiPort ?? (await freePort())) : undefined;
  // The CLI's HTTP API would take gRPC port + 1000 unchecked, which another process may hold.
  const httpPort = await freePort();
  const address = `127.0.0.1:${port}`;
  const pragmas = options.sqlitePragmas ?? DEFAULT_SQLITE_PRAGMAS;

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--namespace',
    namespace,
  ];
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const [pragma, value] of Object.entries(pragmas)) args.push('--sqlite-pragma', `${pragma}=${value}`);
  for (const key of INCIDENT_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${CLI_TYPE_FLAG[key.type]}`);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  args.push('--log-level', options.logLevel ?? 'warn');

  const started = Date.now();
  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child);
  // A dev server outliving the process that started it would hold its port and database file.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  const exited = new Promise<string>((resolveExit) => {
    child.once('error', (error) => resolveExit(`could not be started: ${error.message}`));
    child.once('exit', (code, signal) => resolveExit(`exited with ${signal ?? `code ${code}`}`));
  });
  exited.then(() => process.off('exit', killOnExit));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const exitedEarly = exited.then((how) => Promise.reject(new Error(`it ${how} before it was ready`)));
  exitedEarly.catch(() => undefined); // once ready, a later exit is stop()'s business
  const giveUp = new AbortController();
  try {
    await Promise.race([waitUntilReady(address, namespace, options.readyTimeoutMs ?? 60_000, giveUp.signal), exitedEarly]);
  } catch (error) {
    giveUp.abort();
    await stop();
    throw new Error(
      `Temporal dev server at ${address} did not start: ${(error as Error).message}\n` +
        `Command: ${cliPath} ${args.join(' ')}\nLast output:\n${output.lines().join('\n') || '(none)'}`,
    );
  }
  const readyInMs = Date.now() - started;
  // Unreferenced: an explicit stop() or the 'exit' hook ends it, never a forgotten handle keeping Node up.
  child.unref();

  return {
    address,
    ...(uiPort === undefined ? {} : { uiUrl: `http://127.0.0.1:${uiPort}` }),
    namespace,
    pid: child.pid ?? -1,
    readyInMs,
    stop,
  };
}

async function waitUntilReady(address: string, namespace: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let connection: Connection | undefined;
  let lastError = 'no attempt finished';
  try {
    while (Date.now() < deadline && !signal.aborted) {
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 2_000 });
        const current = connection;
        await current.withDeadline(Date.now() + 2_000, () => current.workflowService.describeNamespace({ namespace }));
        await registerMissingSearchAttributes(current, namespace);
        return;
      } catch (error) {
        if (error instanceof SearchAttributeClash) throw error; // waiting will not fix it
        lastError = (error as Error).message;
        await sleep(100);
      }
    }
    throw new Error(`namespace '${namespace}' at ${address} did not answer within ${timeoutMs / 1000}s; last error: ${lastError}`);
  } finally {
    await connection?.close();
  }
}

/**
 * `--search-attribute` only applies when the CLI creates the namespace: on a restart with an existing
 * database file, an attribute added to INCIDENT_SEARCH_ATTRIBUTES since would be missing. Add those here.
 */
async function registerMissingSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const registered: Record<string, number> = listed.customAttributes ?? {};
  const clashes = INCIDENT_SEARCH_ATTRIBUTES.filter(
    (key) => key.name in registered && registered[key.name] !== INDEXED_VALUE_TYPE[key.type],
  );
  if (clashes.length > 0) {
    const names = clashes.map((key) => `${key.name} (wanted ${CLI_TYPE_FLAG[key.type]})`).join(', ');
    throw new SearchAttributeClash(
      `search attributes already registered with another type in namespace '${namespace}': ${names}; start with a fresh database file`,
    );
  }
  const missing = INCIDENT_SEARCH_ATTRIBUTES.filter((key) => !(key.name in registered));
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

class SearchAttributeClash extends Error {}

/** Keeps the server's last lines of stdout and stderr for error messages. */
function captureOutput(child: ChildProcess): { lines(): string[] } {
  const kept: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      kept.push(...lines.filter((line) => line.trim()));
      if (kept.length > OUTPUT_LINES_KEPT) kept.splice(0, kept.length - OUTPUT_LINES_KEPT);
    });
    stream?.on('end', () => partial.trim() && kept.push(partial));
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return { lines: () => kept.slice(-30) };
}

/** A port the OS just handed out; the dev server binds it a moment later. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const address = server.address();
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free TCP port on 127.0.0.1');
  return address.port;
}
