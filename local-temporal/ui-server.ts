// The Temporal Web UI (the operators' console, README "The console") in front of the local server:
// the ui-server binary built from the Go module proxy, configured through a YAML file of ours.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ServerTlsFiles } from './server-config.js';
import { logTail, makeOwnedTempDir, pickStablePorts, spawnBounded, waitFor } from './processes.js';

export interface UiServerOptions {
  /** The ui-server binary (ensureTemporalUi()). */
  binary: string;
  /** The frontend's host:port. */
  temporalAddress: string;
  namespace: string;
  /** The server's TLS files, when it serves TLS: the UI is then one more mTLS client. */
  tls?: ServerTlsFiles;
  port?: number;
  readyTimeoutMs?: number;
}

export interface UiServer {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const port = options.port ?? (await pickStablePorts(1))[0]!;
  const dir = makeOwnedTempDir('escalation-ui-');
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeDir);
  const logFile = join(dir, 'ui.log');
  mkdirSync(join(dir, 'config'));
  // The binary reads <root>/<config>/<env>.yaml; one file of ours, nothing from the module's examples.
  writeFileSync(
    join(dir, 'config', 'local.yaml'),
    stringify({
      temporalGrpcAddress: options.temporalAddress,
      host: '127.0.0.1',
      port,
      enableUi: true,
      defaultNamespace: options.namespace,
      // Plain HTTP on loopback: a Secure cookie would never come back, and the UI's CSRF check needs it.
      cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`] },
      refreshInterval: '1m',
      disableNewsFetch: true,
      notifyOnNewVersion: false,
      ...(options.tls && {
        tls: {
          caFile: options.tls.caFile,
          certFile: options.tls.clientCertFile,
          keyFile: options.tls.clientKeyFile,
          serverName: options.tls.serverName ?? 'localhost',
          enableHostVerification: true,
        },
      }),
    }),
  );
  const ui = spawnBounded(options.binary, ['--root', dir, '--config', 'config', '--env', 'local', 'start'], {
    deathSignal: 'KILL',
    logFile,
    cwd: dir,
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await ui.stop('SIGTERM', 5_000);
    removeDir();
    process.off('exit', removeDir);
  };
  try {
    await waitFor(
      `Temporal Web UI at ${url}`,
      async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok,
      options.readyTimeoutMs ?? 30_000,
      ui.exited,
    );
  } catch (error) {
    const tail = logTail(logFile);
    await stop();
    throw new Error(`${(error as Error).message}\nLast lines of ${logFile}:\n${tail}`);
  }
  return { url, pid: ui.pid, logFile, stop };
}
