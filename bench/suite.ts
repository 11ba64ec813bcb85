import { setTimeout as sleep } from 'node:timers/promises';
import { IncidentClient } from '../client/incidents.js';
import { Config } from '../domain/config.js';
import { breakdownFirstDelivery, levelTwoLateness, warmupRows, type FirstDeliveryBreakdown, type LevelTwoLateness } from './analysis.js';
import { cpuMeter, describeCpu, type CpuSpent } from './cpu.js';
import { timerPrecision } from './experiments.js';
import type { Harness, Stack } from './harness.js';
import type { Receiver } from './receiver.js';
import { SUMMARY_HEADERS, summaryRow, table } from './report.js';
import { fanOut, firstDeliveries, pacedTwoLevel, triggerAndAwaitFirst, type Delivered, type FirstDeliveryRun } from './scenarios.js';
import { rounded, summarize, type Summary } from './stats.js';

/** The figures `npm run bench` always measures, each section printing its table and returning its JSON. */

export interface Sizes {
  warmup: number;
  sequential: number;
  concurrent: number;
  concurrency: number;
  levelTwo: number;
  failing: number;
  fanOutIncidents: number;
  fanOutTargets: number;
  repeatIncidents: number;
}

export const LEVEL2_DELAY_MS = 2000;
/** The default retry policy (5 s, backoff 2, at most 60 s, 4 attempts, 30 s per attempt) scaled down 10×. */
export const SCALED_RETRY = { initialInterval: '500ms', backoff: 2, maximumInterval: '6s', maximumAttempts: 4, attemptTimeout: '3s' };

export interface Context {
  harness: Harness;
  receiver: Receiver;
  stack: Stack;
  rawConfig: Record<string, unknown>;
  sizes: Sizes;
  cores: number;
  out: (line?: string) => void;
}

const round = (value: number) => Math.round(value * 10) / 10;
export function roundAll<T extends object>(summaries: T): Record<keyof T, unknown> {
  return Object.fromEntries(Object.entries(summaries).map(([key, value]) => [key, rounded(value as Summary)])) as Record<keyof T, unknown>;
}
/** CPU per incident, and how many cores other processes on the machine kept busy meanwhile. */
export const cpuJson = (cpu: CpuSpent, incidents: number) => ({
  nodeMsPerIncident: round(cpu.nodeMs / incidents),
  serverMsPerIncident: round(cpu.serverMs / incidents),
  otherProcessesCores: Math.round((cpu.otherMs / cpu.wallMs) * 100) / 100,
});
const pair = (s: Summary) => `${rounded(s).p50} / ${rounded(s).p99}`;

export async function warmupSection({ harness, receiver, stack, sizes, out }: Context) {
  const warm: Delivered[] = [];
  for (let i = 0; i < sizes.warmup; i += 1) warm.push(await triggerAndAwaitFirst(stack.incidents, receiver, 'page', `warmup-${i}`));
  const rows = await warmupRows(harness.client, warm);
  out(
    table(
      `Warm-up: the first ${sizes.warmup} incidents on a fresh worker, one at a time (ms; not in the figures below)`,
      ['incident', 'start RPC', 'first delivery', '1st workflow task ran', 'targets → deliver scheduled'],
      rows.map((w) => [`#${w.index + 1}`, w.startMs, w.firstMs, w.firstTaskRunMs, w.secondTaskMs]),
    ),
  );
  return rows.map((w) => ({
    startMs: Math.round(w.startMs),
    firstMs: Math.round(w.firstMs),
    firstTaskRunMs: Math.round(w.firstTaskRunMs),
    secondTaskMs: Math.round(w.secondTaskMs),
  }));
}

export async function firstDeliverySection(ctx: Context) {
  const { harness, receiver, stack, sizes, out } = ctx;
  const runs: { concurrency: number; run: FirstDeliveryRun; cpu: CpuSpent; breakdown: FirstDeliveryBreakdown }[] = [];
  for (const concurrency of [1, sizes.concurrency]) {
    const meter = cpuMeter(harness.server.pid);
    const count = concurrency === 1 ? sizes.sequential : sizes.concurrent;
    const run = await firstDeliveries(stack.incidents, receiver, { count, concurrency, policy: 'page', label: `c${concurrency}` });
    const cpu = meter();
    runs.push({ concurrency, run, cpu, breakdown: await breakdownFirstDelivery(harness.client, run.samples) });
  }
  out(
    table(
      'Trigger → first webhook delivery (ms)',
      SUMMARY_HEADERS,
      runs.flatMap(({ concurrency, run }) => [
        summaryRow(`${concurrency} in flight (${run.perSecond.toFixed(1)} incidents/s)`, summarize(run.samples.map((s) => s.firstMs))),
        summaryRow('  of which the start RPC (update-with-start)', summarize(run.samples.map((s) => s.startMs))),
      ]),
    ),
  );
  for (const { concurrency, cpu, run } of runs) out(`  ${concurrency} in flight: ${describeCpu(cpu, run.samples.length, ctx.cores)}`);
  const phases: [string, keyof FirstDeliveryBreakdown][] = [
    ['trigger → first workflow task scheduled', 'toFirstTask'],
    ['first workflow task Scheduled → Started', 'firstTaskDispatch'],
    ['first workflow task Started → Completed', 'firstTaskRun'],
    ['resolveTargets activity Scheduled → Completed', 'resolveTargets'],
    ['its result → deliver scheduled (2nd task)', 'secondTask'],
    ['deliver activity Scheduled → Started', 'deliverDispatch'],
    ['deliver Started → POST at the receiver', 'deliverToArrival'],
  ];
  out(
    table(
      'Where the first-delivery time goes (ms, from each history; p50 / p99)',
      ['phase', ...runs.map((r) => `${r.concurrency} in flight`)],
      phases.map(([label, key]) => [label, ...runs.map((r) => pair(r.breakdown[key]))]),
    ),
  );
  const json = ({ concurrency, run, cpu, breakdown }: (typeof runs)[number]) => ({
    concurrency,
    ...rounded(summarize(run.samples.map((s) => s.firstMs))),
    perSecond: round(run.perSecond),
    startRpc: rounded(summarize(run.samples.map((s) => s.startMs))),
    cpu: cpuJson(cpu, run.samples.length),
    breakdown: roundAll(breakdown),
  });
  const [sequential, concurrent] = runs.map(json);
  if (!sequential || !concurrent) throw new Error('both first-delivery runs should have results');
  return { sequential, concurrent };
}

function printLateness(out: (line?: string) => void, title: string, lateness: LevelTwoLateness): void {
  out(
    table(title, SUMMARY_HEADERS, [
      summaryRow('end to end (arrival − trigger − delay)', lateness.endToEnd),
      summaryRow('since level-1 arrival (− delay)', lateness.sinceLevelOne),
      summaryRow('workflow timer (ESCALATING at − due)', lateness.workflowTimer),
      summaryRow('  server fired the timer (− due)', lateness.serverFire),
      summaryRow('    = timer set late (task run time)', lateness.timerSetLate),
      summaryRow('    + server timer precision', lateness.serverPrecision),
      summaryRow('  timer task Scheduled → Started', lateness.timerTaskDispatch),
      summaryRow('ESCALATING at → level-2 arrival', lateness.escalationToArrival),
    ]),
  );
}

/** Level-2 lateness with healthy providers, then with level 1's target answering 503 always. */
export async function levelTwoSection(ctx: Context, ratePerSecond: number) {
  const { harness, receiver, stack, sizes, out } = ctx;
  const paced = { ratePerSecond, maxInFlight: sizes.concurrency, level2DelayMs: LEVEL2_DELAY_MS };
  const meter = cpuMeter(harness.server.pid);
  const healthyRun = await pacedTwoLevel(stack.incidents, receiver, {
    ...paced,
    count: sizes.levelTwo,
    policy: 'two-level',
    label: 'l2',
    levelOneDelivers: true,
  });
  const healthyCpu = meter();
  const healthy = await levelTwoLateness(harness.client, stack.incidents, healthyRun, LEVEL2_DELAY_MS);
  const openLoopFirst = summarize(healthyRun.levels.flatMap((l, i) => (l.l1 ? [l.l1.perf - (healthyRun.triggers[i]?.perf ?? NaN)] : [])));
  out(
    table(
      `Trigger → first webhook delivery at a steady ${healthyRun.startsPerSecond.toFixed(1)} incidents/s (open loop; ms)`,
      SUMMARY_HEADERS,
      [summaryRow('level-1 page of the two-level incidents', openLoopFirst)],
    ),
  );
  out(`  ${describeCpu(healthyCpu, sizes.levelTwo, ctx.cores)}`);
  printLateness(
    out,
    `Level-2 lateness, level 2 due 2 s after the trigger (${sizes.levelTwo} incidents at ${healthyRun.startsPerSecond.toFixed(1)}/s; ms)`,
    healthy,
  );

  const failingConfig = Config.parse({ ...ctx.rawConfig, delivery: SCALED_RETRY });
  const failingClient = new IncidentClient({ client: harness.client, config: failingConfig, taskQueue: stack.taskQueue });
  const before = receiver.statuses.get(503) ?? 0;
  const failingRun = await pacedTwoLevel(failingClient, receiver, {
    ...paced,
    count: sizes.failing,
    policy: 'failing',
    label: 'fail',
    levelOneDelivers: false,
  });
  const failing = await levelTwoLateness(harness.client, failingClient, failingRun, LEVEL2_DELAY_MS);
  const deadline = Date.now() + 15_000;
  while ((receiver.statuses.get(503) ?? 0) - before < sizes.failing * 4 && Date.now() < deadline) await sleep(50);
  const answered503 = (receiver.statuses.get(503) ?? 0) - before;
  printLateness(
    out,
    `Level-2 lateness, level 1's target answering 503 always, retried after 0.5 s, 1 s, 2 s (${sizes.failing} incidents; ms)`,
    failing,
  );
  out(
    `  503 answers: ${answered503} of the expected ${sizes.failing * 4} (4 attempts each; the last ~3.5 s after the trigger, after level 2)`,
  );
  const added = (key: 'workflowTimer' | 'serverFire') =>
    `p50 ${(failing[key].p50 - healthy[key].p50).toFixed(1)} ms, p99 ${(failing[key].p99 - healthy[key].p99).toFixed(1)} ms`;
  out(`  failing minus healthy, workflow timer: ${added('workflowTimer')}; server fired: ${added('serverFire')}`);
  const json = {
    ratePerSecond: round(healthyRun.startsPerSecond),
    openLoopFirstDelivery: rounded(openLoopFirst),
    healthy: roundAll(healthy),
    cpu: cpuJson(healthyCpu, sizes.levelTwo),
    failingLevelOne: { ...roundAll(failing), answered503 },
  };
  return { json, healthy, failing, openLoopFirst };
}

export async function fanOutSection(ctx: Context) {
  const { harness, receiver, stack, sizes, out } = ctx;
  const meter = cpuMeter(harness.server.pid);
  const fan = await fanOut(stack.incidents, receiver, {
    count: sizes.fanOutIncidents,
    concurrency: sizes.concurrency,
    targets: sizes.fanOutTargets,
    policy: 'fan-out',
    label: 'fan',
  });
  const cpu = meter();
  out(
    table(
      'Webhook throughput, default worker concurrency (100 activity slots)',
      ['', 'value'],
      [
        ['incidents × webhook targets on level 1', `${fan.incidents} × ${sizes.fanOutTargets}`],
        ['notifications delivered', fan.notifications],
        ['first trigger → last POST (ms)', fan.elapsedMs],
        ['notifications/s overall', fan.perSecond],
        ['notifications/s, 10th → 90th percentile arrival', fan.steadyPerSecond],
      ],
    ),
  );
  out(`  ${describeCpu(cpu, fan.incidents, ctx.cores)}`);
  return {
    ...fan,
    cpu: cpuJson(cpu, fan.incidents),
    elapsedMs: Math.round(fan.elapsedMs),
    perSecond: round(fan.perSecond),
    steadyPerSecond: round(fan.steadyPerSecond),
  };
}

export async function shortTimerSection(ctx: Context) {
  const { harness, receiver, stack, sizes, rawConfig } = ctx;
  return timerPrecision(
    harness,
    rawConfig,
    receiver,
    'defaults',
    { warmup: 0, incidents: sizes.repeatIncidents, levelTwo: 0, levelTwoRate: 0 },
    { incidents: stack.incidents },
  );
}
