// `npx tsx bench/api.ts`: POST /v1/incidents through the HTTP API on a real Temporal dev server
// (file-backed SQLite, WAL, synchronous NORMAL), all on 127.0.0.1. First the accept figures of
// issue 9: one alert at a time (the answer's own latency, with a worker and with none running), and
// a burst of 500 alerts sent at once (accepted per second); then autocannon at a fixed concurrency:
// every request a new incident, and every request the same key (an occurrence on one incident).
//   API_BENCH_SECONDS=10 API_BENCH_CONNECTIONS=16 API_BENCH_BURST=500 npx tsx bench/api.ts
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { startApi, type RunningApi } from '../client/api/app.js';
import { IncidentClient } from '../client/incidents.js';
import { Config } from '../domain/config.js';
import { startHarness } from './harness.js';
import { summarize } from './stats.js';

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.API_BENCH_CONNECTIONS ?? 16);
const BURST = Number(process.env.API_BENCH_BURST ?? 500);
const ONE_BY_ONE = 200;
const TOKEN = 'bench-token-0123456789abcdef';
const out = (line = '') => process.stdout.write(`${line}\n`);

// Level 1 waits ten minutes: the run measures the API and the start, not notifications.
// No per-token rate limit: the bench is one token measuring how much the API can take.
const config = {
  gates: { enabled: true, minSeverity: 'info' },
  api: { rateLimit: { requestsPerSecond: 0, burst: 1 } },
  policies: [{ name: 'quiet', levels: [{ delay: '10m', targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/unused' }] }] }],
};

async function load(url: string, name: string, body: (n: number) => string): Promise<void> {
  let n = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v1/incidents',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        setupRequest: (request) => ({ ...request, body: body((n += 1)) }),
      },
    ],
  });
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${(s as { count: number }).count}`)
    .join(' ');
  out(
    `| ${name} | ${CONNECTIONS} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${result.errors + result.timeouts} | ${statuses} |`,
  );
}

async function post(url: string, body: unknown): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/incidents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

const alert = (label: string, n: number) => ({
  summary: `${label} ${n}`,
  severity: 'critical',
  service: 'bench',
  key: `${label.replace(/[^A-Za-z0-9]+/g, '-')}-${n}`,
});

/** One alert at a time: each answer's latency is the API's and the server's, with nothing queued. */
async function oneByOne(api: RunningApi, label: string): Promise<void> {
  const samples: number[] = [];
  const statuses = new Map<number, number>();
  for (let n = 0; n < ONE_BY_ONE; n += 1) {
    const { ms, status } = await post(api.url, alert(`${label}-${randomUUID().slice(0, 4)}`, n));
    samples.push(ms);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  const s = summarize(samples);
  out(
    `| ${label}, one at a time | ${s.n} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} | ${[...statuses].map(([c, k]) => `${c}×${k}`).join(' ')} |`,
  );
}

/** BURST alerts sent at once (each its own incident): how fast the API accepts them all. */
async function burst(api: RunningApi, label: string): Promise<void> {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: BURST }, (_, n) => post(api.url, alert(`${label}-${randomUUID().slice(0, 4)}`, n))),
  );
  const seconds = (performance.now() - started) / 1000;
  const s = summarize(answers.map((a) => a.ms));
  const accepted = answers.filter((a) => a.status === 202).length;
  out(
    `| ${label}, burst of ${BURST} at once | ${s.n} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} | 202×${accepted}; ${(accepted / seconds).toFixed(0)} accepted/s |`,
  );
}

const harness = await startHarness((line) => out(`# ${line}`));
try {
  // No worker on this task queue at all: what a sender sees during a deploy or a crash loop.
  const parsed = Config.parse(config);
  const lonely = new IncidentClient({ client: harness.client, config: parsed, taskQueue: `bench-no-worker-${randomUUID().slice(0, 8)}` });
  const noWorkerApi = await startApi({ incidents: lonely, config: parsed, logger: pino({ level: 'silent' }), port: 0, apiToken: TOKEN });
  out('| accept | alerts | p50 ms | p99 ms | max ms | answers |');
  out('|---|---|---|---|---|---|');
  await oneByOne(noWorkerApi, 'no worker running');
  await burst(noWorkerApi, 'no worker running');
  await noWorkerApi.close(30_000);

  const stack = await harness.stack(config, { maxConcurrentWorkflowTaskExecutions: 100, maxCachedWorkflows: 2000 });
  const api = await startApi({
    incidents: stack.incidents,
    config: stack.config,
    logger: pino({ level: 'silent' }),
    port: 0,
    apiToken: TOKEN,
  });
  out(`# API ${api.url}, ${SECONDS}s per load, ${CONNECTIONS} connections, node ${process.version}`);
  // Warm-up, one at a time: the worker's first workflow tasks, the gRPC channels, JIT.
  for (let n = 0; n < 30; n += 1) {
    const response = await fetch(`${api.url}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ summary: `warm ${n}`, severity: 'critical', key: `warm-${n}` }),
    });
    if (response.status !== 202) throw new Error(`warm-up: POST /v1/incidents answered ${response.status}: ${await response.text()}`);
  }
  await oneByOne(api, 'worker running');
  await burst(api, 'worker running');
  out('');
  out('| load | connections | req/s (mean) | p50 ms | p99 ms | max ms | errors | statuses |');
  out('|---|---|---|---|---|---|---|---|');
  await load(api.url, 'new incident per request', (n) =>
    JSON.stringify({ summary: `bench ${n}`, severity: 'critical', service: 'bench', key: `bench-new-${n}` }),
  );
  await load(api.url, 'same key (occurrence)', () =>
    JSON.stringify({ summary: 'bench repeat', severity: 'critical', service: 'bench', key: 'bench-same' }),
  );
  await api.close(30_000); // let the last in-flight starts answer before the connections close
  await stack.stop();
} finally {
  await harness.close();
}
