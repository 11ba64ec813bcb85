// `npm run bench`: latency, timer precision and webhook throughput of the escalation engine on a real
// Temporal dev server it starts itself. What each figure means, and the figures measured: BENCHMARKS.md.
//   npm run bench                    the figures (about 3 minutes)
//   npm run bench -- --experiments   also: worker tuning variants, and a dev server with a 10 ms timer shift
//   BENCH_QUICK=1 npm run bench      small sizes, to try the bench itself
import { loadavg } from 'node:os';
import {
  REPEAT_INTERVALS_MS,
  runTuningVariant,
  timerPrecision,
  TUNING_VARIANTS,
  type TimerPrecisionResult,
  type TuningResult,
} from './experiments.js';
import { startHarness, webhookPolicy, type Harness } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';
import { moduleCost } from './module-cost.js';
import { machineFacts, SUMMARY_HEADERS, summaryRow, table, verdict } from './report.js';
import { rounded, type Summary } from './stats.js';
import {
  fanOutSection,
  firstDeliverySection,
  levelTwoSection,
  roundAll,
  shortTimerSection,
  warmupSection,
  type Context,
  type Sizes,
} from './suite.js';

const QUICK = process.env.BENCH_QUICK === '1';
const EXPERIMENTS = process.argv.includes('--experiments');
const SIZES: Sizes = {
  warmup: 10,
  sequential: QUICK ? 20 : 100,
  concurrent: QUICK ? 100 : 500,
  concurrency: 20,
  levelTwo: QUICK ? 40 : 200,
  failing: QUICK ? 20 : 50,
  fanOutIncidents: QUICK ? 20 : 100,
  fanOutTargets: 10,
  repeatIncidents: QUICK ? 5 : 10,
};
const TUNING_SIZES = { warmup: 5, sequential: QUICK ? 10 : 30, concurrent: QUICK ? 40 : 200, concurrency: 20 };
const SHIFTED_SERVER = { 'history.timerProcessorMaxTimeShift': '10ms' };
const HARD_LIMIT_MS = (EXPERIMENTS ? 12 : 6) * 60_000;

const out = (line = '') => process.stdout.write(`${line}\n`);
const results: Record<string, unknown> = {};

function policies(receiver: Receiver, fanOutTargets: number) {
  const url = (path: string) => `${receiver.base}${path}`;
  const quiet = { finalWait: '10m' }; // after its last level nothing else happens to an incident during the run
  return [
    webhookPolicy('page', [{ urls: [url('/page')] }], quiet),
    webhookPolicy('two-level', [{ urls: [url('/l1')] }, { delay: '2s', urls: [url('/l2')] }], quiet),
    webhookPolicy('failing', [{ urls: [url('/fail')] }, { delay: '2s', urls: [url('/l2')] }], quiet),
    webhookPolicy('fan-out', [{ urls: Array.from({ length: fanOutTargets }, (_, i) => url(`/fan/${i}`)) }], quiet),
    ...REPEAT_INTERVALS_MS.map((ms) =>
      webhookPolicy(`repeat-${ms}ms`, [{ urls: [url(`/rep${ms}`)], repeat: { count: 3, interval: `${ms}ms` } }], quiet),
    ),
  ];
}

function printShortTimers(precision: TimerPrecisionResult[]): void {
  const cell = (s: Summary) => `${rounded(s).p50} / ${rounded(s).p99} / ${rounded(s).max}`;
  out(
    table(
      `Level-1 repeats (${precision[0]?.repeats[0]?.byRepeat[0]?.n ?? 0} incidents each, one at a time): arrival − due time (ms; p50 / p99 / max)`,
      ['dev server', 'interval', 'repeat 1', 'repeat 2', 'repeat 3'],
      precision.flatMap((p) => p.repeats.map((r) => [p.server, `${r.intervalMs} ms`, ...r.byRepeat.map(cell)])),
    ),
  );
  for (const p of precision.filter((x) => x.levelTwoSinceLevelOne)) {
    const l2 = p.levelTwoSinceLevelOne as Summary;
    out(`  ${p.server}: level 2 (2 s) since the level-1 arrival, ${l2.n} incidents: p50 ${rounded(l2).p50} ms, p99 ${rounded(l2).p99} ms`);
  }
}

async function experiments(ctx: Context, precision: TimerPrecisionResult[], levelTwoRate: number): Promise<void> {
  const tuning: TuningResult[] = [];
  for (const variant of TUNING_VARIANTS)
    tuning.push(await runTuningVariant(ctx.harness, ctx.rawConfig, ctx.receiver, variant, TUNING_SIZES));
  const s = TUNING_SIZES;
  out(
    table(
      `Worker tuning: a fresh worker each; first-delivery ms (${s.warmup} warm-up incidents, ${s.sequential} one at a time, ${s.concurrent} at ${s.concurrency} in flight)`,
      ['variant', '1st', '2nd', `${s.warmup}th`, 'seq p50', 'seq p99', '1st task wait', '2nd task', 'conc p50', 'conc p99', 'incidents/s'],
      tuning.map((t) => [
        t.name,
        t.warmup[0]?.firstMs ?? NaN,
        t.warmup[1]?.firstMs ?? NaN,
        t.warmup[t.warmup.length - 1]?.firstMs ?? NaN,
        t.sequential.p50,
        t.sequential.p99,
        t.sequentialBreakdown.firstTaskDispatch.p50,
        t.sequentialBreakdown.secondTask.p50,
        t.concurrent.p50,
        t.concurrent.p99,
        t.concurrentPerSecond,
      ]),
    ),
  );
  out(
    '  1st task wait: first workflow task Scheduled → Started, p50 one at a time; 2nd task: resolveTargets result → deliver scheduled, p50',
  );
  results.tuning = tuning.map((t) => ({
    name: t.name,
    tuning: t.tuning,
    warmupFirstMs: t.warmup.map((w) => Math.round(w.firstMs)),
    sequential: rounded(t.sequential),
    sequentialBreakdown: roundAll(t.sequentialBreakdown),
    concurrent: rounded(t.concurrent),
    perSecond: Math.round(t.concurrentPerSecond * 10) / 10,
  }));
  const modules = await moduleCost(ctx.harness, QUICK ? 10 : 40);
  out(
    table(
      'Loading the workflow modules, per workflow execution: one-task workflows on their own workers (first task Started → Completed, ms)',
      SUMMARY_HEADERS,
      modules.map((m) => summaryRow(m.name, m.firstTaskRun)),
    ),
  );
  results.moduleCost = modules.map((m) => ({ name: m.name, firstTaskRun: rounded(m.firstTaskRun) }));
  const shifted = await startHarness(out, { dynamicConfig: SHIFTED_SERVER, bundlePath: ctx.harness.bundlePath });
  try {
    const sizes = { warmup: 5, incidents: ctx.sizes.repeatIncidents, levelTwo: QUICK ? 20 : 100, levelTwoRate };
    precision.push(await timerPrecision(shifted, ctx.rawConfig, ctx.receiver, 'timerProcessorMaxTimeShift=10ms', sizes));
  } finally {
    await shifted.close();
  }
}

async function main(harness: Harness, receiver: Receiver): Promise<void> {
  const rawConfig = { policies: policies(receiver, SIZES.fanOutTargets) };
  const stack = await harness.stack(rawConfig);
  const ctx: Context = { harness, receiver, stack, rawConfig, sizes: SIZES, cores: facts.cpus, out };
  results.warmup = await warmupSection(ctx);
  const first = await firstDeliverySection(ctx);
  results.firstDelivery = first;
  // Level 2 at about 30% of the capacity just measured (a two-level incident costs about twice a
  // one-level one): lateness under load, not the length of a queue. At least 3/s, so 200 incidents
  // take at most about a minute even on a busy machine.
  const rate = Math.min(10, Math.max(3, Math.round(first.concurrent.perSecond * 0.3)));
  const levelTwo = await levelTwoSection(ctx, rate);
  results.levelTwo = levelTwo.json;
  results.fanOut = await fanOutSection(ctx);
  const precision = [await shortTimerSection(ctx)];
  await stack.stop();
  if (EXPERIMENTS) await experiments(ctx, precision, rate);
  printShortTimers(precision);
  results.shortTimers = precision.map((p) => ({
    server: p.server,
    repeats: p.repeats.map((r) => ({ intervalMs: r.intervalMs, byRepeat: r.byRepeat.map(rounded) })),
    ...(p.levelTwoSinceLevelOne && { levelTwoSinceLevelOne: rounded(p.levelTwoSinceLevelOne) }),
  }));

  const { healthy } = levelTwo;
  out('\nTargets');
  out(
    `  first delivery, ${SIZES.concurrency} in flight: ${verdict('p50', first.concurrent.p50, 50)}; ${verdict('p99', first.concurrent.p99, 250)}`,
  );
  out(`  first delivery, 1 in flight:  ${verdict('p50', first.sequential.p50, 50)}; ${verdict('p99', first.sequential.p99, 250)}`);
  const open = levelTwo.openLoopFirst;
  out(`  first delivery, ${levelTwo.json.ratePerSecond}/s open loop: ${verdict('p50', open.p50, 50)}; ${verdict('p99', open.p99, 250)}`);
  out(`  level-2 lateness, workflow timer: ${verdict('p99', healthy.workflowTimer.p99, 100)}`);
  out(`  level-2 lateness, since level-1 arrival: ${verdict('p99', healthy.sinceLevelOne.p99, 100)}`);
}

const began = Date.now();
const facts = machineFacts();
const hardLimit = setTimeout(() => {
  process.stderr.write(`bench: still running after ${HARD_LIMIT_MS / 60_000} min; giving up\n`);
  process.exit(2);
}, HARD_LIMIT_MS);
hardLimit.unref();
out(`escalation-engine benchmark${QUICK ? ' (BENCH_QUICK: small sizes)' : ''}${EXPERIMENTS ? ' with --experiments' : ''}`);
out(
  `machine: ${facts.cpus} × ${facts.cpuModel}, ${facts.memoryGiB} GiB, load average ${facts.loadAverageAtStart.join(' ')}; Node ${facts.node}`,
);
out(`temporal: ${facts.temporal}`);
const receiver = await startReceiver();
let harness: Harness;
try {
  harness = await startHarness(out);
} catch (error) {
  await receiver.close();
  throw error;
}
const pragmas = Object.entries(harness.pragmas).map(([k, v]) => `${k}=${v}`);
out(
  `dev server: headless, file-backed SQLite in a temp dir, --sqlite-pragma ${pragmas.join(' --sqlite-pragma ')}; webhooks to ${receiver.base}`,
);
const stopOnSignal = () => {
  void Promise.allSettled([harness.close(), receiver.close()]).then(() => process.exit(130));
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
let failed = false;
try {
  await main(harness, receiver);
} catch (error) {
  failed = true;
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
} finally {
  await harness.close();
  await receiver.close();
}
results.machine = { ...facts, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) };
results.server = {
  sqlitePragmas: harness.pragmas,
  database: 'file in a temp dir, removed after the run',
  readyInMs: harness.server.readyInMs,
};
results.elapsedSeconds = Math.round((Date.now() - began) / 1000);
out(
  `\nfinished in ${results.elapsedSeconds} s; load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
out(`BENCH_JSON ${JSON.stringify(results)}`);
process.exitCode = failed ? 1 : 0;
