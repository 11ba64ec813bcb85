// `npx tsx bench/api.ts`: POST /v1/incidents through the HTTP API at a fixed concurrency, with
// autocannon against 127.0.0.1, on a real Temporal dev server (file-backed SQLite, WAL, synchronous
// NORMAL) and a production worker. Two loads: every request a new incident (update-with-start opens a
// workflow), and every request the same key (an occurrence counted on one open incident).
//   API_BENCH_SECONDS=10 API_BENCH_CONNECTIONS=16 npx tsx bench/api.ts
import autocannon from 'autocannon';
import { pino } from 'pino';
import { startApi } from '../client/api/app.js';
import { startHarness } from './harness.js';

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.API_BENCH_CONNECTIONS ?? 16);
const TOKEN = 'bench-token-0123456789abcdef';
const out = (line = '') => process.stdout.write(`${line}\n`);

// Level 1 waits ten minutes: the run measures the API and the start, not notifications.
const config = {
  gates: { enabled: true, minSeverity: 'info' },
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

const harness = await startHarness((line) => out(`# ${line}`));
try {
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
    if (response.status !== 201) throw new Error(`warm-up: POST /v1/incidents answered ${response.status}: ${await response.text()}`);
  }
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
