// The Temporal server's static config for the local topology, after the module's own
// config/development-postgres12.yaml: PostgreSQL 12+ stores, every service on 127.0.0.1.
import { stringify } from 'yaml';
import type { PostgresCluster } from './postgres.js';

/** Files for frontend mTLS. The client pair is what the server's own system worker presents. */
export interface ServerTlsFiles {
  /** The frontend's certificate (its SANs must cover `serverName`) and key. */
  serverCertFile: string;
  serverKeyFile: string;
  /** The CA that signed the server certificate and the client certificates it accepts. */
  caFile: string;
  /** A client certificate and key signed by `caFile`: the system worker and our health probe use it. */
  clientCertFile: string;
  clientKeyFile: string;
  /** The name clients check the server certificate against; default 'localhost'. */
  serverName?: string;
  /** Refuse clients without a certificate from `caFile`; default true. */
  requireClientAuth?: boolean;
}

export interface ServerPorts {
  frontend: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  /** Prometheus scrape port; absent: no metrics endpoint. */
  metrics?: number;
}

export interface ServerConfigInput {
  postgres: Pick<PostgresCluster, 'host' | 'port' | 'user' | 'password' | 'databases'>;
  ports: ServerPorts;
  dynamicConfigFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  tls?: ServerTlsFiles;
}

/**
 * Fixed when the database is first used: history shards cannot be re-split later. Four suit one
 * process on a small machine, as in Temporal's own development configs.
 */
const HISTORY_SHARDS = 4;
// How often the server re-reads its dynamic config file.
const DYNAMIC_CONFIG_POLL = '10s';

export function serverConfigYaml(input: ServerConfigInput): string {
  const { postgres, ports } = input;
  const store = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true } });

  const config = {
    log: { stdout: true, level: input.logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': store(postgres.databases.temporal, 20),
        'postgres-visibility': store(postgres.databases.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      ...(ports.metrics !== undefined && {
        metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
      }),
      ...(input.tls && { tls: tlsSection(input.tls) }),
    },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: DYNAMIC_CONFIG_POLL },
  };
  return stringify(config);
}

/**
 * Frontend TLS, and the system worker's client side of it: with requireClientAuth the server's own
 * system workflows (and the frontend's calls to itself, as when adding search attributes on SQL)
 * must present a certificate too, so they get the client pair.
 */
function tlsSection(tls: ServerTlsFiles): Record<string, unknown> {
  const client = { serverName: tls.serverName ?? 'localhost', rootCaFiles: [tls.caFile] };
  return {
    frontend: {
      server: {
        certFile: tls.serverCertFile,
        keyFile: tls.serverKeyFile,
        clientCaFiles: [tls.caFile],
        requireClientAuth: tls.requireClientAuth ?? true,
      },
      client,
    },
    systemWorker: { certFile: tls.clientCertFile, keyFile: tls.clientKeyFile, client },
  };
}

/** Dynamic config in the server's file format: every key a list of constrained values. */
export function dynamicConfigYaml(values: Record<string, unknown>): string {
  const entries = Object.entries(values).map(([key, value]) => [key, [{ value, constraints: {} }]]);
  // An empty file is valid but the server logs a warning for it; a comment keeps it quiet and says why.
  return entries.length === 0 ? '# no overrides (local-temporal/server-config.ts)\n' : stringify(Object.fromEntries(entries));
}
