// `npm run fuzz`: schemathesis against the HTTP API, generated from its own /openapi.json, on a
// real Temporal dev server with a real worker, all on 127.0.0.1. Bounded: a fixed number of
// examples per operation and a time budget. Prints the figures issue 11 asks for: requests sent,
// 5xx answers, and refusals (4xx) whose body names no field. Exits 1 when either count is not 0.
// Then times one 1,000-alert Alertmanager delivery (after the fuzzing, so its 1,000 incidents do not
// load the worker the fuzzed reads need).
//
// schemathesis is a Python tool; it is installed once into a cache outside the repository:
//   python3.11 -m venv ~/.cache/escalation-engine/schemathesis-venv
//   ~/.cache/escalation-engine/schemathesis-venv/bin/pip install schemathesis
// (or set SCHEMATHESIS to its path).
//   FUZZ_EXAMPLES=100 FUZZ_MAX_SECONDS=900 FUZZ_SEED=11 npm run fuzz
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startApi } from '../client/api/app.js';
import { startHarness } from './harness.js';

const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 100);
const MAX_SECONDS = Number(process.env.FUZZ_MAX_SECONDS ?? 900);
const SEED = Number(process.env.FUZZ_SEED ?? 11);
const BATCH = Number(process.env.FUZZ_BATCH ?? 1000);
const SCHEMATHESIS = process.env.SCHEMATHESIS ?? join(homedir(), '.cache/escalation-engine/schemathesis-venv/bin/schemathesis');
const TOKEN = 'fuzz-token-0123456789abcdef';
const out = (line = '') => process.stdout.write(`${line}\n`);

if (!existsSync(SCHEMATHESIS)) {
  out(`schemathesis not found at ${SCHEMATHESIS}; install it (see the top of bench/fuzz.ts) or set SCHEMATHESIS`);
  process.exit(2);
}

// Level 1 waits ten minutes: the run fuzzes the API, not notifications. No rate limit: a fuzzer is one busy caller.
const config = {
  gates: { enabled: true, minSeverity: 'debug' },
  api: { rateLimit: { requestsPerSecond: 0, burst: 1 } },
  providers: { slack: { token: 'xoxb-fuzz', signingSecret: 'fuzz-signing-secret-0123456789' } },
  policies: [{ name: 'quiet', levels: [{ delay: '10m', targets: [{ type: 'webhook', url: 'http://127.0.0.1:9/unused' }] }] }],
};

const harness = await startHarness((line) => out(`# ${line}`));
const stack = await harness.stack(config);
// Warnings and errors of the API go to a file: a 5xx names an error id to look up there.
const logFile = join(await mkdtemp(join(tmpdir(), 'escalation-fuzz-log-')), 'api.log');
const api = await startApi({
  incidents: stack.incidents,
  config: stack.config,
  logger: pino({ level: 'warn' }, pino.destination({ dest: logFile, sync: true })),
  port: 0,
  apiToken: TOKEN,
});
out(`# API ${api.url}, task queue ${stack.taskQueue}, API log ${logFile}`);

try {
  const dir = await mkdtemp(join(tmpdir(), 'escalation-fuzz-'));
  const har = join(dir, 'fuzz.har');
  const args = [
    'run',
    `${api.url}/openapi.json`,
    '--url',
    api.url,
    '--header',
    `Authorization: Bearer ${TOKEN}`,
    '--max-examples',
    String(EXAMPLES),
    '--seed',
    String(SEED),
    '--max-time',
    String(MAX_SECONDS),
    '--workers',
    '2',
    '--checks',
    'not_a_server_error',
    '--request-timeout',
    '30',
    '--no-color',
    '--report',
    'har',
    '--report-har-path',
    har,
    ...(process.env.FUZZ_INCLUDE ? ['--include-path-regex', process.env.FUZZ_INCLUDE] : []),
  ];
  out(`# ${SCHEMATHESIS} ${args.join(' ').replace(TOKEN, '<token>')}`);
  const code = await new Promise<number>((resolve) => {
    // In the temp dir: schemathesis keeps its example database (.schemathesis/) in its working directory.
    const child = spawn(SCHEMATHESIS, args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (status) => resolve(status ?? 1));
  });

  const log = JSON.parse(readFileSync(har, 'utf8')) as {
    log: { entries: { request: { method: string; url: string }; response: { status: number; content?: { text?: string } } }[] };
  };
  const entries = log.log.entries;
  const serverErrors = entries.filter((e) => e.response.status >= 500);
  const refusals = entries.filter((e) => e.response.status >= 400 && e.response.status < 500);
  const unnamed = refusals.filter((e) => !namesAField(e.response.content?.text));
  const byStatus = new Map<number, number>();
  for (const e of entries) byStatus.set(e.response.status, (byStatus.get(e.response.status) ?? 0) + 1);
  out();
  out(`requests: ${entries.length}`);
  out(
    `by status: ${[...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
  );
  out(`5xx: ${serverErrors.length}`);
  out(`refusals (4xx): ${refusals.length}, naming no field: ${unnamed.length}`);
  for (const e of [...serverErrors, ...unnamed].slice(0, 10)) {
    out(`  ${e.response.status} ${e.request.method} ${e.request.url} ${(e.response.content?.text ?? '').slice(0, 300)}`);
  }
  out(`schemathesis exit code: ${code}`);
  process.exitCode = serverErrors.length === 0 && unnamed.length === 0 ? 0 : 1;

  // One Alertmanager delivery of BATCH alerts, each a new incident.
  const alerts = Array.from({ length: BATCH }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'FuzzBatch', severity: 'warning', instance: `host-${i}` },
    annotations: { summary: `batch alert ${i}` },
    startsAt: new Date().toISOString(),
    fingerprint: `fuzz-batch-${i}`,
  }));
  const started = performance.now();
  const batch = await fetch(`${api.url}/v1/integrations/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ version: '4', status: 'firing', groupKey: 'fuzz', alerts }),
  });
  const answer = (await batch.json()) as { results?: { action: string }[] };
  const actions = new Map<string, number>();
  for (const r of answer.results ?? []) actions.set(r.action, (actions.get(r.action) ?? 0) + 1);
  out(
    `batch: ${BATCH} alerts in one delivery answered ${batch.status} in ${((performance.now() - started) / 1000).toFixed(1)} s (${[...actions].map(([a, n]) => `${a} ${n}`).join(', ')})`,
  );
} finally {
  await api.close();
  await stack.stop();
  await harness.close();
}

/** A refusal names its field: `{ error, details: [{ path, message }] }` with a non-empty path. */
function namesAField(text: string | undefined): boolean {
  try {
    const body = JSON.parse(text ?? '') as { details?: { path?: unknown }[] };
    return Array.isArray(body.details) && body.details.length > 0 && body.details.every((d) => typeof d.path === 'string' && d.path !== '');
  } catch {
    return false;
  }
}
