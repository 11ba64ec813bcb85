import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IncidentClient } from '../../client/incidents.js';
import { Config } from '../../domain/config.js';
import { startPostgres, type PostgresCluster } from '../../local-temporal/postgres.js';
import { BUILD_COMMAND, findTemporalServer } from '../../local-temporal/server-build.js';
import { startTemporalServer, type ServerTlsFiles, type TemporalServer } from '../../local-temporal/temporal-server.js';
import { connectTemporal, connectTemporalNative, temporalTarget } from '../../runtime/temporal.js';
import { createEscalationWorker } from '../../worker/worker.js';
import { FAST_DELIVERY, webhookLevel } from '../helpers/stack.js';
import { uniqueTaskQueue } from '../helpers/temporal.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// The production shape secures Temporal with mTLS (DESIGN.md section 8): the real Go server, built
// from the module proxy and cached (building it takes 10+ minutes, so without the cache this skips),
// with a throwaway CA, refuses clients without a certificate from that CA and lets our own
// connectTemporal in through the SDK's environment-configuration names.
const binaries = findTemporalServer();
const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const skipReason = !binaries
  ? `the Temporal server is not built; build it once with \`${BUILD_COMMAND}\` (10-14 minutes)`
  : !hasOpenssl
    ? 'the openssl CLI is missing; install it (Debian/Ubuntu: apt-get install -y openssl)'
    : undefined;
if (skipReason) process.stderr.write(`test/e2e/mtls.test.ts is skipped: ${skipReason}\n`);

describe.skipIf(skipReason !== undefined)(`mTLS on the real Temporal server${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let certs: Certificates;
  let postgres: PostgresCluster | undefined;
  let server: TemporalServer | undefined;
  let peer: WebhookPeer | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    certs = makeCertificates();
    peer = await startWebhookPeer();
    postgres = await startPostgres({ sqlTool: binaries!.sqlTool });
    server = await startTemporalServer({ postgres, binaries: binaries!, tls: certs.serverTls, logLevel: 'warn' });
    // Exactly what an operator would export for a worker or the API.
    env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
  });

  afterAll(async () => {
    await server?.stop();
    await postgres?.stop();
    await peer?.close();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  it('refuses a client that presents no client certificate', async () => {
    const tls = { serverNameOverride: 'localhost', serverRootCACertificate: readFileSync(certs.ca) };
    await expect(Connection.connect({ address: server!.address, tls, connectTimeout: 2_000 })).rejects.toThrow();
    // gRPC only says it could not connect in time; TLS says why: the server asks for a certificate.
    expect(await handshakeFailure(server!.address, certs.ca)).toMatch(/certificate required/i);
    // The same settings with the client pair get in: the certificate alone made the difference.
    const clientCertPair = { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
    const admitted = await Connection.connect({ address: server!.address, tls: { ...tls, clientCertPair }, connectTimeout: 5_000 });
    await admitted.close();
  });

  it('refuses a worker whose client certificate another CA signed', async () => {
    const attempt = NativeConnection.connect({
      address: server!.address,
      tls: {
        serverNameOverride: 'localhost',
        serverRootCACertificate: readFileSync(certs.ca),
        clientCertPair: { crt: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) },
      },
    });
    await expect(attempt).rejects.toThrow();
  });

  it('lets connectTemporal in with the TEMPORAL_TLS_* variables, which then describes the namespace', async () => {
    const target = temporalTarget(env);
    expect(target.description).toContain('mTLS');
    const connection = await connectTemporal(target);
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: target.namespace });
      expect(described.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
  });

  it('runs an incident to its first page and to resolved with a worker and a client that both connect with mTLS', async () => {
    const target = temporalTarget(env);
    const config = Config.parse({ delivery: FAST_DELIVERY, policies: [{ name: 'mtls', levels: [webhookLevel(peer!.url, '1')] }] });
    const taskQueue = uniqueTaskQueue('mtls');
    const workerConnection = await connectTemporalNative(target);
    let worker: Worker | undefined;
    let running: Promise<void> | undefined;
    const connection = await connectTemporal(target);
    try {
      worker = await createEscalationWorker({
        connection: workerConnection,
        namespace: target.namespace,
        taskQueue,
        config,
        workflowBundlePath: inject('workflowBundlePath'),
      });
      running = worker.run();
      const incidents = new IncidentClient({ client: new Client({ connection, namespace: target.namespace }), config, taskQueue });

      const started = await incidents.startIncident({ summary: 'certificates everywhere', severity: 'critical', key: 'mtls-page' });
      expect(started).toMatchObject({ escalated: true, workflowId: 'incident-mtls-page' });
      await peer!.waitFor(() => peer!.keysFor('incident-mtls-page').length >= 1);
      expect(peer!.keysFor('incident-mtls-page')[0]).toContain('/L1/R0/');

      const resolved = await incidents.resolve('mtls-page', 'mtls-test', 'paged over mTLS');
      expect(resolved.state).toBe('RESOLVED');
    } finally {
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
      await workerConnection.close();
      await connection.close();
    }
  });
});

/** How a plain TLS client without a certificate fares: the error the server's alert turns into. */
async function handshakeFailure(address: string, caFile: string): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolveFailure) => {
    const socket = tlsConnect({ host, port: Number(port), servername: 'localhost', ca: readFileSync(caFile), ALPNProtocols: ['h2'] });
    // TLS 1.3 finishes the client's side first; the server's certificate_required alert follows.
    const timer = setTimeout(() => {
      socket.destroy();
      resolveFailure('the server kept the connection open without a client certificate');
    }, 5_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolveFailure(error.message);
    });
  });
}

interface Certificates {
  dir: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  /** Signed by a CA the server does not trust. */
  strangerCert: string;
  strangerKey: string;
  serverTls: ServerTlsFiles;
}

/** A throwaway CA with a server certificate (localhost, 127.0.0.1) and a client certificate, via the openssl CLI. */
function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'escalation-mtls-'));
  const file = (name: string) => join(dir, name);
  const ca = makeCa(dir, 'ca', 'escalation-test-ca');
  const stranger = makeCa(dir, 'stranger-ca', 'someone-else');
  writeFileSync(
    file('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  writeFileSync(file('client.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  signLeaf(dir, 'server', 'localhost', ca, 'server.ext');
  signLeaf(dir, 'client', 'escalation-worker', ca, 'client.ext');
  signLeaf(dir, 'stranger', 'escalation-worker', stranger, 'client.ext');
  return {
    dir,
    ca: ca.cert,
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    strangerCert: file('stranger.pem'),
    strangerKey: file('stranger.key'),
    serverTls: {
      serverCertFile: file('server.pem'),
      serverKeyFile: file('server.key'),
      caFile: ca.cert,
      clientCertFile: file('client.pem'),
      clientKeyFile: file('client.key'),
      serverName: 'localhost',
      requireClientAuth: true,
    },
  };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string, commonName: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  openssl(dir, [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

function signLeaf(dir: string, name: string, commonName: string, ca: { cert: string; key: string }, extFile: string): void {
  openssl(dir, ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    extFile,
  ]);
}

function openssl(cwd: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr || run.error?.message}`);
}
