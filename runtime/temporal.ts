import { existsSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

/**
 * One way to reach Temporal for every process (worker, API, CLI): the Temporal SDK's environment
 * configuration, so a deployment sets the same variables it would for the `temporal` CLI:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY (Temporal Cloud), TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION, and TEMPORAL_PROFILE with
 * TEMPORAL_CONFIG_FILE for a TOML profile. Command-line flags (`--address`, `--namespace`) win.
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** The options both connection kinds take: address, TLS, API key, gRPC metadata. */
  connection: ClientConnectConfig['connectionOptions'] & { address: string };
  /** How it connects, for logs and errors: `127.0.0.1:7233 (mTLS, namespace default)`. */
  description: string;
}

/** The environment names a TLS file path: a missing file is a config error, not a wait. */
const TLS_PATH_VARIABLES = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'] as const;

export class TemporalSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalSettingsError';
  }
}

export function temporalTarget(
  source: NodeJS.ProcessEnv = process.env,
  overrides: { address?: string | undefined; namespace?: string | undefined } = {},
): TemporalTarget {
  // An empty variable means "not set", as shells and compose files usually mean it.
  const env = Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => !!entry[1]));
  for (const name of TLS_PATH_VARIABLES) {
    const path = env[name];
    if (path !== undefined && !existsSync(path)) {
      throw new TemporalSettingsError(`${name} names ${path}, which does not exist; fix the path or unset ${name}`);
    }
  }
  let loaded: ClientConnectConfig;
  try {
    // Read the environment only unless a profile file is named: a stray ~/.config/temporal file
    // on a shared host should not redirect the engine.
    const fileNamed = env.TEMPORAL_CONFIG_FILE !== undefined || env.TEMPORAL_PROFILE !== undefined;
    loaded = loadClientConnectConfig({ disableFile: !fileNamed, overrideEnvVars: env });
  } catch (error) {
    throw new TemporalSettingsError(`the Temporal connection settings are not valid: ${messageOf(error)}`);
  }
  const address = overrides.address ?? loaded.connectionOptions.address ?? 'localhost:7233';
  const namespace = overrides.namespace ?? loaded.namespace ?? 'default';
  const { tls, apiKey } = loaded.connectionOptions;
  const mode =
    apiKey !== undefined
      ? 'API key over TLS'
      : typeof tls === 'object' && tls?.clientCertPair
        ? 'mTLS'
        : tls === true || (typeof tls === 'object' && tls !== null)
          ? 'TLS'
          : 'plaintext';
  return {
    address,
    namespace,
    connection: { ...loaded.connectionOptions, address },
    description: `${address} (${mode}, namespace ${namespace})`,
  };
}

/** A client connection (API, CLI). Fails at once, naming what to check, if the server is not there. */
export async function connectTemporal(target: TemporalTarget, connectTimeoutMs = 5_000): Promise<Connection> {
  try {
    return await Connection.connect({ ...target.connection, connectTimeout: connectTimeoutMs });
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${target.description}: ${messageOf(error)}; start it with \`npm run dev\`, or set TEMPORAL_ADDRESS (and TEMPORAL_TLS_* or TEMPORAL_API_KEY for a secured cluster)`,
    );
  }
}

/** A worker's connection (Rust core). Use waitForTemporal to ride out a server that is not up yet. */
export function connectTemporalNative(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(target.connection);
}

/**
 * Failures that waiting will not fix: bad credentials, a certificate the server refuses, a
 * namespace this identity may not use. Anything else (refused, reset, unavailable, DNS not up
 * yet, a namespace still being created) is worth another try.
 */
export function isPermanentConnectFailure(error: unknown): boolean {
  const text = messageOf(error);
  return /unauthenticated|permission ?denied|permissiondenied|invalid (api )?key|certificate|bad ?certificate|unknown ca|handshake/i.test(
    text,
  );
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
