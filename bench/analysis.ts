import type { Client } from '@temporalio/client';
import type { IncidentClient } from '../client/incidents.js';
import { next, timedHistory, type TimedEvent } from './history.js';
import type { Delivered, PacedRun } from './scenarios.js';
import { boundedPool, summarize, type Summary } from './stats.js';

/** Reads histories and records a few at a time, so the analysis does not become a load test itself. */
const READERS = 8;

/**
 * Where the trigger → first delivery time goes, from each incident's history: the start RPC until the
 * first workflow task is scheduled, that task waiting for a poller and running (the update answer, the
 * level-1 step), the resolveTargets activity and the workflow task that handles its result (when
 * targets are resolved by a regular activity), the delivery activity waiting to start, and its HTTP
 * request until the receiver has the body.
 */
export interface FirstDeliveryBreakdown {
  toFirstTask: Summary;
  firstTaskDispatch: Summary;
  firstTaskRun: Summary;
  resolveTargets: Summary;
  secondTask: Summary;
  deliverDispatch: Summary;
  deliverToArrival: Summary;
}

const PHASES = [
  'toFirstTask',
  'firstTaskDispatch',
  'firstTaskRun',
  'resolveTargets',
  'secondTask',
  'deliverDispatch',
  'deliverToArrival',
] as const;

function firstDeliveryPhases(events: readonly TimedEvent[], sample: Delivered): Record<(typeof PHASES)[number], number> | undefined {
  const scheduled = next(events, 0, 'WORKFLOW_TASK_SCHEDULED');
  const started = next(events, 0, 'WORKFLOW_TASK_STARTED');
  const completed = next(events, 0, 'WORKFLOW_TASK_COMPLETED');
  const deliver = next(events, 0, 'ACTIVITY_TASK_SCHEDULED', (e) => e.name === 'deliver');
  if (!scheduled || !started || !completed || !deliver) return undefined;
  const deliverStarted = next(events, deliver.id, 'ACTIVITY_TASK_STARTED', (e) => e.ref === deliver.id);
  const resolve = next(events, 0, 'ACTIVITY_TASK_SCHEDULED', (e) => e.name === 'resolveTargets' && e.id < deliver.id);
  const resolved = resolve && next(events, resolve.id, 'ACTIVITY_TASK_COMPLETED', (e) => e.ref === resolve.id);
  return {
    toFirstTask: scheduled.at - sample.wall,
    firstTaskDispatch: started.at - scheduled.at,
    firstTaskRun: completed.at - started.at,
    // A local activity runs inside the first task: then both of these are 0.
    resolveTargets: resolve && resolved ? resolved.at - resolve.at : 0,
    secondTask: resolved ? deliver.at - resolved.at : 0,
    deliverDispatch: deliverStarted ? deliverStarted.at - deliver.at : Number.NaN,
    deliverToArrival: deliverStarted ? sample.first.wall - deliverStarted.at : Number.NaN,
  };
}

export async function breakdownFirstDelivery(client: Client, samples: readonly Delivered[]): Promise<FirstDeliveryBreakdown> {
  const rows = await boundedPool(samples.length, READERS, async (i) => {
    const sample = samples[i] as Delivered;
    return firstDeliveryPhases(await timedHistory(client, sample.workflowId), sample);
  });
  const column = (phase: (typeof PHASES)[number]) =>
    summarize(rows.flatMap((row) => (row && Number.isFinite(row[phase]) ? [row[phase]] : [])));
  return Object.fromEntries(PHASES.map((phase) => [phase, column(phase)])) as unknown as FirstDeliveryBreakdown;
}

/** Level-2 lateness, several ways (ms; positive = late). */
export interface LevelTwoLateness {
  /** Level-2 arrival − (trigger + delay): includes the start and the delivery latency. */
  endToEnd: Summary;
  /** (Level-2 arrival − level-1 arrival) − delay: the first-delivery latency taken out. */
  sinceLevelOne: Summary;
  /** The record's ACTIVE→ESCALATING `at` − (createdAt + delay): the pure timer lateness as the workflow saw it. */
  workflowTimer: Summary;
  /** TimerFired − (createdAt + delay), from the history. */
  serverFire: Summary;
  /** (TimerStarted + its duration) − (createdAt + delay): the workflow's clock stands still during a task, the server starts the timer when the task completes. */
  timerSetLate: Summary;
  /** TimerFired − (TimerStarted + its duration): the server's own timer precision. */
  serverPrecision: Summary;
  /** The fired timer's workflow task, Scheduled → Started (matching and the poller). */
  timerTaskDispatch: Summary;
  /** Level-2 arrival − ESCALATING `at`: the worker's task(s), resolving targets, the delivery. */
  escalationToArrival: Summary;
}

type Row = Partial<Record<keyof LevelTwoLateness, number>>;

export async function levelTwoLateness(
  client: Client,
  incidents: IncidentClient,
  run: PacedRun,
  delayMs: number,
): Promise<LevelTwoLateness> {
  const rows = await boundedPool(run.triggers.length, READERS, async (i): Promise<Row> => {
    const t = run.triggers[i];
    const levels = run.levels[i];
    if (!t || !levels) return {};
    const due = t.createdAt + delayMs;
    const record = await incidents.getIncident(t.workflowId);
    const escalating = record.timeline.find((entry) => entry.kind === 'move' && entry.to === 'ESCALATING');
    const escalatedAt = escalating ? Date.parse(escalating.at) : Number.NaN;
    const events = await timedHistory(client, t.workflowId);
    // The level-2 timer is the first that fires (later ones wait minutes); without one, the workflow
    // woke for something else after the due time and took the step then.
    const fired = next(events, 0, 'TIMER_FIRED');
    const started = fired && events.find((e) => e.id === fired.ref);
    const scheduled = fired && next(events, fired.id, 'WORKFLOW_TASK_SCHEDULED');
    const taskStarted = fired && next(events, fired.id, 'WORKFLOW_TASK_STARTED');
    const row: Row = {
      endToEnd: levels.l2.perf - (t.perf + delayMs),
      workflowTimer: escalatedAt - due,
      escalationToArrival: levels.l2.wall - escalatedAt,
    };
    if (levels.l1) row.sinceLevelOne = levels.l2.perf - levels.l1.perf - delayMs;
    if (fired && started) {
      row.serverFire = fired.at - due;
      row.timerSetLate = started.at + (started.detail ?? 0) - due;
      row.serverPrecision = fired.at - (started.at + (started.detail ?? 0));
    }
    // Only when the timer scheduled a task of its own (not when one was already under way).
    if (scheduled && taskStarted && taskStarted.id === scheduled.id + 1) row.timerTaskDispatch = taskStarted.at - scheduled.at;
    return row;
  });
  const keys: (keyof LevelTwoLateness)[] = [
    'endToEnd',
    'sinceLevelOne',
    'workflowTimer',
    'serverFire',
    'timerSetLate',
    'serverPrecision',
    'timerTaskDispatch',
    'escalationToArrival',
  ];
  const pick = (key: keyof LevelTwoLateness) => summarize(rows.flatMap((row) => (Number.isFinite(row[key]) ? [row[key] as number] : [])));
  return Object.fromEntries(keys.map((key) => [key, pick(key)])) as unknown as LevelTwoLateness;
}

/** Per incident of a warm-up: start RPC, first delivery, and the first workflow task's run time. */
export interface WarmupRow {
  index: number;
  startMs: number;
  firstMs: number;
  firstTaskRunMs: number;
  secondTaskMs: number;
}

export async function warmupRows(client: Client, samples: readonly Delivered[]): Promise<WarmupRow[]> {
  const rows: WarmupRow[] = [];
  for (const [index, sample] of samples.entries()) {
    const phases = firstDeliveryPhases(await timedHistory(client, sample.workflowId), sample);
    rows.push({
      index,
      startMs: sample.startMs,
      firstMs: sample.firstMs,
      firstTaskRunMs: phases?.firstTaskRun ?? Number.NaN,
      secondTaskMs: phases?.secondTask ?? Number.NaN,
    });
  }
  return rows;
}
