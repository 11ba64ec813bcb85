import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { IncidentRecord } from '../../domain/incident.js';
import { startDevServer, freePort } from '../../worker/dev-server.js';
import { loadConfigFile } from '../../runtime/config-file.js';
import { ConfigHolder } from '../../runtime/config-holder.js';
import { createLogger, installRuntimeLogger } from '../../runtime/logger.js';
import { readEnv } from '../../runtime/env.js';
import { responderRuntime } from '../../runtime/responder.js';
import { runEscalationWorker } from '../../worker/worker.js';
import { startDevApi } from '../api/dev.js';
import { IncidentClient } from '../incidents.js';

export interface DevOptions {
  demo: boolean;
  port: number;
  uiPort: number;
  db: string;
  configFile: string;
  namespace: string;
  taskQueue: string;
}

/** The environment `escalate dev` runs in unless ESCALATION_ENV says otherwise. */
export const DEV_ENVIRONMENT = 'development';

/**
 * `escalate dev`: the whole product on one machine. A Temporal dev server (SQLite under .data/, so
 * incidents survive a restart, and the Web UI), the worker, and a demo incident whose escalation is
 * printed level by level. Runs until Ctrl-C.
 */
export async function runDev(options: DevOptions): Promise<void> {
  // Quiet by default: the watcher below prints the story; LOG_LEVEL=info shows every log line.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  installRuntimeLogger(logger);
  // A local run is its own environment: a config whose gate names environments (and so refuses to
  // load without one) works here unchanged, and reloads (SIGHUP, the API) see the same value.
  if (!process.env['ESCALATION_ENV']) process.env['ESCALATION_ENV'] = DEV_ENVIRONMENT;
  const config = loadConfigFile(options.configFile);
  // One holder for the worker, the client and the API: SIGHUP or POST /v1/admin/reload reaches all three.
  const holder = new ConfigHolder(config);
  const dbFile = resolve(options.db);
  mkdirSync(dirname(dbFile), { recursive: true });

  say(`starting the Temporal dev server (SQLite ${options.db}) ...`);
  const server = await startDevServer({
    port: await portOrFree(options.port),
    uiPort: await portOrFree(options.uiPort),
    namespace: options.namespace,
    dbFilename: dbFile,
  });
  const uiUrl = server.uiUrl ?? '';
  say(`Temporal at ${server.address}, Web UI at ${uiUrl} (ready in ${server.readyInMs} ms)`);

  // The API's port is picked first: the worker's pages link back to it (one-click links, Twilio callbacks).
  const apiPort = await portOrFree(Number(process.env.PORT ?? 8080));
  const responder = responderRuntime(config, readEnv(), `http://127.0.0.1:${apiPort}`);
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const worker = await runEscalationWorker({
    responder,
    connection: workerConnection,
    namespace: server.namespace,
    taskQueue: options.taskQueue,
    config: holder,
    configFile: options.configFile,
    logger,
  });
  say(`worker polling task queue "${options.taskQueue}" with ${config.policies.length} policies from ${options.configFile}`);

  const connection = await Connection.connect({ address: server.address });
  const incidents = new IncidentClient({
    client: new Client({ connection, namespace: server.namespace }),
    config: holder,
    taskQueue: options.taskQueue,
    uiUrl,
  });

  const api = await startDevApi({
    incidents,
    configFile: options.configFile,
    logger,
    port: apiPort,
  });
  say(`HTTP API at ${api.url} (OpenAPI at ${api.url}/openapi.json); bearer token: ${api.token}`);

  const stopWatching = new AbortController();
  if (options.demo) {
    const key = `demo-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}`;
    const result = await incidents.startIncident({
      summary: 'Demo: checkout latency above 2s (p99) for 5 minutes',
      severity: 'critical',
      service: 'checkout',
      source: 'escalate-dev',
      key,
      policy: config.policies.some((p) => p.name === 'demo') ? 'demo' : undefined,
      labels: { team: 'payments', environment: 'development' },
    });
    if (result.escalated) {
      say(`demo incident ${result.incidentId} opened under policy ${result.policy}`);
      say(
        `open it in the Web UI: ${uiUrl}/namespaces/${encodeURIComponent(server.namespace)}/workflows/${encodeURIComponent(result.workflowId)}`,
      );
      say(`answer it:  npm run escalate -- ack ${key} --address ${server.address}   (or resolve, escalate, show)`);
      void watch(incidents, result.workflowId, stopWatching.signal);
    } else {
      say(`the demo incident was not escalated: ${result.reason}`);
    }
  }
  say(`list incidents in the Web UI with the query: IncidentState="ACTIVE"  ·  Ctrl-C stops everything`);

  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  say('stopping: worker, then the Temporal dev server (open incidents stay in the SQLite file)');
  stopWatching.abort();
  await api.close();
  await worker.stop();
  await connection.close();
  await workerConnection.close();
  await server.stop();
}

/** Prints each new timeline entry and settled notification of the incident until it closes. */
async function watch(incidents: IncidentClient, workflowId: string, signal: AbortSignal): Promise<void> {
  let timelineSeen = 0;
  const notificationsSeen = new Set<string>();
  let record: IncidentRecord | undefined;
  while (!signal.aborted) {
    try {
      record = await incidents.getIncident(workflowId);
    } catch {
      await pause(500);
      continue;
    }
    for (const entry of record.timeline.slice(timelineSeen)) {
      const change = entry.from && entry.to ? `${entry.from} → ${entry.to}` : entry.kind;
      say(`  ${time(entry.at)}  ${change}  by ${entry.by}${entry.reason ? `: ${entry.reason}` : ''}`);
    }
    timelineSeen = record.timeline.length;
    for (const n of record.notifications) {
      const id = `${n.idempotencyKey}:${n.status}`;
      if (n.status === 'pending' || notificationsSeen.has(id)) continue;
      notificationsSeen.add(id);
      const mark =
        n.status === 'delivered'
          ? '✓ delivered'
          : n.status === 'skipped'
            ? `– skipped${n.reason ? `: ${n.reason}` : ''}`
            : `✗ ${n.status}${n.error ? `: ${n.error}` : ''}`;
      const what =
        n.kind === 'update'
          ? `${n.event ?? 'update'} sent`
          : `${n.kind === 'fallback' ? 'fallback for ' : ''}level ${n.level}${n.repeat ? ` repeat ${n.repeat}` : ''}`;
      const who = n.recipient && !n.target.endsWith(`:${n.recipient}`) ? `${n.target} → ${n.recipient}` : n.target;
      say(
        `  ${time(n.settledAt ?? n.at)}  ${what} → ${who} ${n.channel ? `via ${n.channel} (${n.address ?? ''})` : '(reaches nobody)'} ${mark}`,
      );
    }
    if (['RESOLVED', 'CANCELLED', 'FAILED'].includes(record.state)) {
      say(`demo incident ${workflowId} is ${record.state}; the servers keep running until Ctrl-C`);
      return;
    }
    await pause(300);
  }
}

async function portOrFree(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolveFree(true)));
  });
  return free ? preferred : freePort();
}

function say(line: string): void {
  process.stdout.write(`[escalate dev] ${line}\n`);
}

function time(iso: string): string {
  return iso.slice(11, 23);
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
