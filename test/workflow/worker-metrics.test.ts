import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { IncidentClient } from '../../client/incidents.js';
import { Config } from '../../domain/config.js';
import { createWorkerMetrics, startMetricsServer, type MetricsServer } from '../../worker/metrics.js';
import { runEscalationWorker, type RunningWorker } from '../../worker/worker.js';
import { closedPort } from '../helpers/ports.js';
import { FAST_DELIVERY } from '../helpers/stack.js';
import { uniqueTaskQueue } from '../helpers/temporal.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** The value of one sample in Prometheus text format, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

async function startMeasuredWorker(peer: WebhookPeer) {
  const config = Config.parse({
    delivery: FAST_DELIVERY,
    policies: [
      {
        name: 'default',
        levels: [
          {
            targets: [
              { type: 'webhook', url: `${peer.url}?to=good` },
              { type: 'webhook', url: `${peer.url}?to=bad` },
            ],
          },
          { delay: '1h', targets: [{ type: 'webhook', url: peer.url }] },
        ],
      },
    ],
  });
  const taskQueue = uniqueTaskQueue('metrics');
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const metrics = createWorkerMetrics({ defaultMetrics: false, incidentRefreshMs: 200 });
  const server: MetricsServer = await startMetricsServer(metrics.registry, 0);
  const worker: RunningWorker = await runEscalationWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    config,
    logger: pino({ level: 'silent' }),
    metrics,
    workflowBundlePath: inject('workflowBundlePath'),
  });
  const clientConnection = await Connection.connect({ address: inject('temporalAddress') });
  const incidents = new IncidentClient({
    client: new Client({ connection: clientConnection, namespace: inject('temporalNamespace') }),
    config,
    taskQueue,
  });
  cleanup.push(async () => {
    await worker.stop();
    await connection.close();
    await clientConnection.close();
    await server.close();
  });
  const scrape = async () => {
    const response = await fetch(server.url);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };
  return { incidents, scrape };
}

describe('worker metrics on /metrics', () => {
  it('counts deliveries by channel and outcome, times them, and gauges incidents by state', async () => {
    const peer = await startWebhookPeer();
    cleanup.push(() => peer.close());
    // The "bad" target refuses with 400: not retryable, one attempt per incident.
    peer.respondWith(({ path }) => ({ status: path.includes('to=bad') ? 400 : 200 }));
    const { incidents, scrape } = await startMeasuredWorker(peer);

    await incidents.startIncident({ summary: 'metrics one', severity: 'critical', key: 'metrics-one' });
    await incidents.startIncident({ summary: 'metrics two', severity: 'critical', key: 'metrics-two' });
    await peer.waitFor((received) => received.length === 2);

    let text = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      text = await scrape();
      const settled = sample(text, 'escalation_deliveries_total', { channel: 'webhook', outcome: 'rejected' }) === 2;
      if (settled && sample(text, 'escalation_incidents', { state: 'ACTIVE' }) === 2) break;
    }
    expect(sample(text, 'escalation_deliveries_total', { channel: 'webhook', outcome: 'delivered' })).toBe(2);
    expect(sample(text, 'escalation_deliveries_total', { channel: 'webhook', outcome: 'rejected' })).toBe(2);
    expect(sample(text, 'escalation_delivery_duration_seconds_count', { channel: 'webhook', outcome: 'delivered' })).toBe(2);
    expect(sample(text, 'escalation_delivery_duration_seconds_sum', { channel: 'webhook', outcome: 'delivered' })).toBeGreaterThan(0);
    expect(sample(text, 'escalation_step_lateness_seconds_count', { kind: 'page' })).toBe(4);
    expect(sample(text, 'escalation_incidents', { state: 'ACTIVE' })).toBe(2);
    expect(sample(text, 'escalation_incidents', { state: 'RESOLVED' })).toBe(0);
    expect(sample(text, 'escalation_actions_total', { outcome: 'succeeded' })).toBe(0);
    expect(sample(text, 'escalation_actions_total', { outcome: 'failed' })).toBe(0);

    await incidents.resolve('metrics-one', 'dana');
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      text = await scrape();
      // Visibility catches up a moment after the move: wait for both counts.
      if (
        sample(text, 'escalation_incidents', { state: 'RESOLVED' }) === 1 &&
        sample(text, 'escalation_incidents', { state: 'ACTIVE' }) === 1
      )
        break;
    }
    expect(sample(text, 'escalation_incidents', { state: 'RESOLVED' })).toBe(1);
    expect(sample(text, 'escalation_incidents', { state: 'ACTIVE' })).toBe(1);
  });

  it('is served by `escalate worker` on METRICS_PORT', async () => {
    const peer = await startWebhookPeer();
    cleanup.push(() => peer.close());
    const dir = mkdtempSync(join(tmpdir(), 'escalate-metrics-'));
    const configFile = join(dir, 'escalation.json');
    const rawConfig = { policies: [{ name: 'default', levels: [{ targets: [{ type: 'webhook', url: peer.url }] }] }] };
    writeFileSync(configFile, JSON.stringify(rawConfig));
    const taskQueue = uniqueTaskQueue('metrics-cli');
    const port = await closedPort();
    const bin = fileURLToPath(new URL('../../bin/escalate.mjs', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        bin,
        '--address',
        inject('temporalAddress'),
        '--namespace',
        inject('temporalNamespace'),
        '--task-queue',
        taskQueue,
        '--config',
        configFile,
        'worker',
      ],
      {
        env: { ...process.env, METRICS_PORT: String(port), LOG_LEVEL: 'silent', ESCALATION_WORKFLOW_BUNDLE: inject('workflowBundlePath') },
        stdio: 'ignore',
      },
    );
    const exited = once(child, 'exit');
    cleanup.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    const clientConnection = await Connection.connect({ address: inject('temporalAddress') });
    cleanup.push(() => clientConnection.close());
    const config = Config.parse(rawConfig);
    const incidents = new IncidentClient({
      client: new Client({ connection: clientConnection, namespace: inject('temporalNamespace') }),
      config,
      taskQueue,
    });
    await incidents.startIncident({ summary: 'metrics cli', severity: 'critical', key: 'metrics-cli' });
    await peer.waitFor((received) => received.length === 1, 30_000);

    let text = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      text = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      if (sample(text, 'escalation_deliveries_total', { channel: 'webhook', outcome: 'delivered' }) === 1) break;
    }
    expect(sample(text, 'escalation_deliveries_total', { channel: 'webhook', outcome: 'delivered' })).toBe(1);
    expect(text).toContain('escalation_worker_process_cpu_seconds_total');
  });

  it('answers 404 for anything but GET /metrics', async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const server = await startMetricsServer(metrics.registry, 0);
    cleanup.push(() => server.close());
    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
  });
});
