// A private PostgreSQL cluster for one local Temporal server: its own temp folder, a free port on
// 127.0.0.1, the `temporal` role and both databases with Temporal's schemas (DESIGN.md section 8).
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalServer, BUILD_COMMAND } from './server-build.js';
import { logTail, makeOwnedTempDir, pickStablePorts, runTool, spawnBounded, waitFor, type BoundedChild } from './processes.js';

export interface PostgresOptions {
  /** The Temporal SQL schema tool (`sql`); default: the cached build (see server-build.ts). */
  sqlTool?: string;
  /** Default: a free port below the ephemeral range. */
  port?: number;
  readyTimeoutMs?: number;
}

export interface PostgresCluster {
  host: '127.0.0.1';
  port: number;
  /** The temp folder: data/, postgres.log, the socket. Removed by stop(). */
  dir: string;
  logFile: string;
  pid: number;
  user: string;
  password: string;
  databases: { temporal: string; visibility: string };
  /** How long initdb, start-up and both schemas took. */
  readyInMs: number;
  /** Fast shutdown (clients disconnected), then the folder is removed. */
  stop(): Promise<void>;
}

const USER = 'temporal';
const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
/** The SQL tool's embedded schema directories, per database. */
const SCHEMAS: Record<keyof typeof DATABASES, string> = { temporal: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' };
// PostgreSQL refuses to run as root; when we are root, the cluster belongs to this user.
const OS_USER = 'postgres';

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresCluster> {
  const started = Date.now();
  const sqlTool = options.sqlTool ?? findTemporalServer()?.sqlTool;
  if (!sqlTool) throw new Error(`the Temporal SQL schema tool is not built yet; run \`${BUILD_COMMAND}\` once (10-14 minutes)`);
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? OS_USER : undefined;
  const port = options.port ?? (await pickStablePorts(1))[0]!;
  const dir = makeOwnedTempDir('escalation-pg-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const password = randomBytes(18).toString('hex');
  let server: BoundedChild | undefined;
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeDir);

  const stop = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: it disconnects clients instead of waiting for them (SIGTERM).
    await server?.stop('SIGINT', 10_000);
    removeDir();
    process.off('exit', removeDir);
  };

  try {
    if (runAs) chownToUser(dir, runAs);
    // Local socket connections are trusted: the socket sits in our 0700 folder. TCP needs the password.
    runTool(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
      {
        ...(runAs && { user: runAs }),
        timeoutMs: 120_000,
      },
    );
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# escalation-engine local topology (local-temporal/postgres.ts)',
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        // Four Temporal services in one process keep up to 4 x (20 + 2) connections.
        'max_connections = 200',
        // The failure runs kill Temporal and workers, never this machine: the page cache keeps every
        // commit through a process crash, so waiting for the disk would only slow the runs down.
        'fsync = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    server = spawnBounded(join(bin, 'postgres'), ['-D', dataDir], { ...(runAs && { user: runAs }), deathSignal: 'INT', logFile });
    const current = server;
    await waitFor(
      `PostgreSQL on 127.0.0.1:${port}`,
      async () => {
        runTool(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { timeoutMs: 5_000 });
        return true;
      },
      options.readyTimeoutMs ?? 30_000,
      current.exited,
    );
    const psql = (sql: string) =>
      runTool(join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], {
        ...(runAs && { user: runAs }),
      });
    psql(`CREATE ROLE ${USER} LOGIN PASSWORD '${password}' CREATEDB`);
    for (const which of ['temporal', 'visibility'] as const) createSchema(sqlTool, port, password, DATABASES[which], SCHEMAS[which]);
  } catch (error) {
    const tail = logTail(logFile);
    await stop();
    throw new Error(
      `PostgreSQL for the local Temporal server did not start: ${(error as Error).message}\nLast lines of ${logFile}:\n${tail}`,
    );
  }

  return {
    host: '127.0.0.1',
    port,
    dir,
    logFile,
    pid: server.pid,
    user: USER,
    password,
    databases: { ...DATABASES },
    readyInMs: Date.now() - started,
    stop,
  };
}

/** create, setup-schema -v 0.0, update-schema: the order Temporal's own auto-setup uses. */
function createSchema(sqlTool: string, port: number, password: string, database: string, schemaName: string): void {
  // The password goes through the environment, so it is neither in `ps` nor in an error message.
  const env = { ...process.env, SQL_PASSWORD: password };
  const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', USER, '--db', database];
  runTool(sqlTool, [...base, 'create'], { env });
  runTool(sqlTool, [...base, 'setup-schema', '-v', '0.0'], { env });
  runTool(sqlTool, [...base, 'update-schema', '--schema-name', schemaName], { env });
}

/**
 * Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin, off PATH (only client
 * wrappers are there). ESCALATION_POSTGRES_BIN_DIR wins; otherwise the newest installed major.
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.ESCALATION_POSTGRES_BIN_DIR;
  if (explicit) {
    if (!existsSync(join(explicit, 'initdb'))) throw new Error(`ESCALATION_POSTGRES_BIN_DIR is ${explicit}, but it holds no initdb`);
    return explicit;
  }
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0]) return join(root, majors[0], 'bin');
  for (const dir of (env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb'))) return dir;
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH. ' +
      'Install them (Debian/Ubuntu: apt-get install -y postgresql) or set ESCALATION_POSTGRES_BIN_DIR.',
  );
}

function chownToUser(dir: string, user: string): void {
  try {
    chownSync(dir, Number(runTool('id', ['-u', user]).trim()), Number(runTool('id', ['-g', user]).trim()));
  } catch (error) {
    throw new Error(
      `running as root, PostgreSQL needs the '${user}' user to own its cluster (${(error as Error).message}); ` +
        `Debian's postgresql package creates it, or: useradd --system ${user}`,
    );
  }
}
