import type { IncidentClient } from '../client/incidents.js';
import { breakdownFirstDelivery, warmupRows, type FirstDeliveryBreakdown, type WarmupRow } from './analysis.js';
import type { Harness, WorkerTuning } from './harness.js';
import type { Receiver } from './receiver.js';
import { firstDeliveries, pacedTwoLevel, repeatLateness, triggerAndAwaitFirst, type Delivered } from './scenarios.js';
import { summarize, type Summary } from './stats.js';

/**
 * The warm-up and tuning questions: does a fresh worker's first incident pay a one-off cost, and does
 * any poller or cache option change the first-delivery latency? Each variant gets a fresh worker.
 */
export interface TuningResult {
  name: string;
  tuning: WorkerTuning;
  warmup: WarmupRow[];
  sequential: Summary;
  /** Where the one-at-a-time first deliveries spent their time. */
  sequentialBreakdown: FirstDeliveryBreakdown;
  concurrent: Summary;
  concurrentPerSecond: number;
}

export const TUNING_VARIANTS: { name: string; tuning: WorkerTuning }[] = [
  { name: 'defaults', tuning: {} },
  { name: 'more pollers (20 workflow, 20 activity)', tuning: { maxConcurrentWorkflowTaskPolls: 20, maxConcurrentActivityTaskPolls: 20 } },
  { name: 'nonStickyToStickyPollRatio 1', tuning: { nonStickyToStickyPollRatio: 1 } },
  { name: 'no eager activities', tuning: { maxEagerActivityReservationsPerWorkflowTask: 0 } },
  { name: 'no workflow cache (no sticky queue)', tuning: { maxCachedWorkflows: 0 } },
  { name: 'workflowThreadPoolSize 2', tuning: { workflowThreadPoolSize: 2 } },
];

export async function runTuningVariant(
  harness: Harness,
  rawConfig: Record<string, unknown>,
  receiver: Receiver,
  variant: { name: string; tuning: WorkerTuning },
  sizes: { warmup: number; sequential: number; concurrent: number; concurrency: number },
): Promise<TuningResult> {
  const stack = await harness.stack(rawConfig, variant.tuning);
  try {
    const warm: Delivered[] = [];
    for (let i = 0; i < sizes.warmup; i += 1) warm.push(await triggerAndAwaitFirst(stack.incidents, receiver, 'page', `tune-warm-${i}`));
    const sequential = await firstDeliveries(stack.incidents, receiver, {
      count: sizes.sequential,
      concurrency: 1,
      policy: 'page',
      label: 'tune-seq',
    });
    const concurrent = await firstDeliveries(stack.incidents, receiver, {
      count: sizes.concurrent,
      concurrency: sizes.concurrency,
      policy: 'page',
      label: 'tune-conc',
    });
    return {
      ...variant,
      warmup: await warmupRows(harness.client, warm),
      sequential: summarize(sequential.samples.map((s) => s.firstMs)),
      sequentialBreakdown: await breakdownFirstDelivery(harness.client, sequential.samples),
      concurrent: summarize(concurrent.samples.map((s) => s.firstMs)),
      concurrentPerSecond: concurrent.perSecond,
    };
  } finally {
    await stack.stop();
  }
}

/**
 * Short timers on the dev server: the history service moves a new timer whose due time is earlier than
 * now + `history.timerProcessorMaxTimeShift` (1 s by default) at the time its timer queue last read, to
 * just after that point. Measures level-1 repeats 60 ms and 400 ms apart (policies `repeat-60ms` and
 * `repeat-400ms`) and, optionally, the 2 s level-2 timer, on a given server.
 */
export interface TimerPrecisionResult {
  server: string;
  /** Per repeat interval: lateness of repeat 1, 2, 3 (arrival − due), ms. */
  repeats: { intervalMs: number; byRepeat: Summary[] }[];
  /** Level-2 (2 s) lateness since the level-1 arrival, ms. */
  levelTwoSinceLevelOne?: Summary;
}

export const REPEAT_INTERVALS_MS = [60, 400];

export async function timerPrecision(
  harness: Harness,
  rawConfig: Record<string, unknown>,
  receiver: Receiver,
  label: string,
  sizes: { warmup: number; incidents: number; levelTwo: number; levelTwoRate: number },
  existing?: { incidents: IncidentClient },
): Promise<TimerPrecisionResult> {
  const stack = existing ? undefined : await harness.stack(rawConfig);
  const incidents = existing?.incidents ?? stack?.incidents;
  if (!incidents) throw new Error('no incident client');
  try {
    for (let i = 0; i < sizes.warmup; i += 1) await triggerAndAwaitFirst(incidents, receiver, 'page', `shift-warm-${i}`);
    const repeats: TimerPrecisionResult['repeats'] = [];
    for (const intervalMs of REPEAT_INTERVALS_MS) {
      const run = await repeatLateness(incidents, receiver, {
        count: sizes.incidents,
        repeats: 3,
        intervalMs,
        policy: `repeat-${intervalMs}ms`,
        label: `rep${intervalMs}-${label}`,
      });
      repeats.push({ intervalMs, byRepeat: run.byRepeat.map((values) => summarize(values)) });
    }
    let levelTwoSinceLevelOne: Summary | undefined;
    if (sizes.levelTwo > 0) {
      const run = await pacedTwoLevel(incidents, receiver, {
        count: sizes.levelTwo,
        ratePerSecond: sizes.levelTwoRate,
        maxInFlight: 20,
        policy: 'two-level',
        label: `l2-${label}`,
        level2DelayMs: 2000,
        levelOneDelivers: true,
      });
      levelTwoSinceLevelOne = summarize(run.levels.flatMap((l) => (l.l1 ? [l.l2.perf - l.l1.perf - 2000] : [])));
    }
    return { server: label, repeats, ...(levelTwoSinceLevelOne && { levelTwoSinceLevelOne }) };
  } finally {
    await stack?.stop();
  }
}
