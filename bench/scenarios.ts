import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncidentClient } from '../client/incidents.js';
import { workflowIdForKey } from '../domain/incident.js';
import type { Arrival, Receiver } from './receiver.js';
import { within } from './receiver.js';
import { boundedPool } from './stats.js';

/** One incident as the bench started it. */
export interface Trigger {
  workflowId: string;
  /** performance.now() just before startIncident was called. */
  perf: number;
  /** Date.now() at the same moment (for server and workflow timestamps). */
  wall: number;
  /** How long startIncident (update-with-start) took to answer. */
  startMs: number;
  /** The record's createdAt: the workflow's own clock when it started (the base of every due time). */
  createdAt: number;
}

export interface Delivered extends Trigger {
  /** Arrival of the level-1 page at the receiver. */
  first: Arrival;
  /** trigger → first webhook delivery, ms. */
  firstMs: number;
}

const WAIT_MS = 60_000;

/** Starts one incident under `policy` and records when; the key is unique to this run. */
export async function trigger(incidents: IncidentClient, policy: string, label: string): Promise<Trigger> {
  const key = `bench-${label.replace(/[^A-Za-z0-9._-]+/g, '-')}-${randomUUID().slice(0, 8)}`;
  const wall = Date.now();
  const perf = performance.now();
  const result = await incidents.startIncident({ summary: `benchmark ${label}`, severity: 'critical', source: 'bench', key, policy });
  const startMs = performance.now() - perf;
  if (!result.escalated) throw new Error(`benchmark incident ${key} was not escalated: ${result.reason}`);
  if (result.workflowId !== workflowIdForKey(key)) throw new Error(`unexpected workflow id ${result.workflowId}`);
  // The answer comes before any worker ran the incident: its createdAt (the clock the levels count
  // from) is read from the workflow once it has one.
  const record = await incidents.getIncident(result.workflowId);
  return { workflowId: result.workflowId, perf, wall, startMs, createdAt: Date.parse(record.createdAt) };
}

/** Starts one incident and waits for its level-1 page (repeat 0) at the receiver. */
export async function triggerAndAwaitFirst(
  incidents: IncidentClient,
  receiver: Receiver,
  policy: string,
  label: string,
): Promise<Delivered> {
  const started = await trigger(incidents, policy, label);
  const first = await within(receiver.waitFor(started.workflowId, 1, 0), WAIT_MS, `the level-1 page of ${started.workflowId}`);
  return { ...started, first, firstMs: first.perf - started.perf };
}

export interface FirstDeliveryRun {
  samples: Delivered[];
  /** Wall time from the first trigger to the last level-1 arrival, ms. */
  elapsedMs: number;
  /** Incidents (each with its first page delivered) per second over the run. */
  perSecond: number;
}

/** `count` incidents with at most `concurrency` in flight; each counts once its level-1 page arrived. */
export async function firstDeliveries(
  incidents: IncidentClient,
  receiver: Receiver,
  options: { count: number; concurrency: number; policy: string; label: string },
): Promise<FirstDeliveryRun> {
  const begin = performance.now();
  const samples = await boundedPool(options.count, options.concurrency, (i) =>
    triggerAndAwaitFirst(incidents, receiver, options.policy, `${options.label}-${i}`),
  );
  const end = Math.max(...samples.map((s) => s.first.perf));
  const elapsedMs = end - begin;
  return { samples, elapsedMs, perSecond: (samples.length / elapsedMs) * 1000 };
}

export interface PacedRun {
  triggers: Trigger[];
  /** Level-1 (when its target answers 2xx) and level-2 pages of each incident, in trigger order. */
  levels: { l1?: Arrival; l2: Arrival }[];
  startsPerSecond: number;
}

/**
 * Open-loop load: starts `count` incidents at `ratePerSecond` (never more than `maxInFlight` starts
 * unanswered), then waits for each one's level-1 and level-2 pages.
 */
export async function pacedTwoLevel(
  incidents: IncidentClient,
  receiver: Receiver,
  options: {
    count: number;
    ratePerSecond: number;
    maxInFlight: number;
    policy: string;
    label: string;
    level2DelayMs: number;
    /** False when level 1's target never answers 2xx. */
    levelOneDelivers: boolean;
  },
): Promise<PacedRun> {
  const gap = 1000 / options.ratePerSecond;
  const begin = performance.now();
  const triggers = await boundedPool(options.count, options.maxInFlight, async (i) => {
    const due = begin + i * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return trigger(incidents, options.policy, `${options.label}-${i}`);
  });
  const startsPerSecond = (triggers.length / (performance.now() - begin)) * 1000;
  const levels = await Promise.all(
    triggers.map(async (t) => {
      const budget = options.level2DelayMs + WAIT_MS;
      const [l1, l2] = await Promise.all([
        options.levelOneDelivers ? within(receiver.waitFor(t.workflowId, 1, 0), budget, `the level-1 page of ${t.workflowId}`) : undefined,
        within(receiver.waitFor(t.workflowId, 2, 0), budget, `the level-2 page of ${t.workflowId}`),
      ]);
      return l1 ? { l1, l2 } : { l2 };
    }),
  );
  return { triggers, levels, startsPerSecond };
}

export interface FanOutRun {
  incidents: number;
  notifications: number;
  elapsedMs: number;
  perSecond: number;
  /** Deliveries per second between the 10th and the 90th percentile arrival (the steady part). */
  steadyPerSecond: number;
}

/** `count` incidents whose level 1 has `targets` webhook targets; waits for every page. */
export async function fanOut(
  incidents: IncidentClient,
  receiver: Receiver,
  options: { count: number; concurrency: number; targets: number; policy: string; label: string },
): Promise<FanOutRun> {
  const before = receiver.delivered.length;
  const expected = options.count * options.targets;
  const begin = performance.now();
  await boundedPool(options.count, options.concurrency, (i) => trigger(incidents, options.policy, `${options.label}-${i}`));
  await within(receiver.waitForCount(before + expected), WAIT_MS, `${expected} fan-out pages`);
  const arrivals = receiver.delivered
    .slice(before)
    .map((a) => a.perf)
    .sort((a, b) => a - b);
  const last = arrivals[arrivals.length - 1] ?? begin;
  const elapsedMs = last - begin;
  const p10 = arrivals[Math.floor(arrivals.length * 0.1)] ?? begin;
  const p90 = arrivals[Math.floor(arrivals.length * 0.9)] ?? last;
  return {
    incidents: options.count,
    notifications: arrivals.length,
    elapsedMs,
    perSecond: (arrivals.length / elapsedMs) * 1000,
    steadyPerSecond:
      p90 > p10 ? ((Math.floor(arrivals.length * 0.9) - Math.floor(arrivals.length * 0.1)) / (p90 - p10)) * 1000 : Number.NaN,
  };
}

/** Repeats of level 1: lateness of each repeat's arrival against its due time (createdAt + k × interval). */
export async function repeatLateness(
  incidents: IncidentClient,
  receiver: Receiver,
  options: { count: number; repeats: number; intervalMs: number; policy: string; label: string },
): Promise<{ byRepeat: number[][]; triggers: Trigger[] }> {
  const byRepeat: number[][] = Array.from({ length: options.repeats }, () => []);
  const triggers: Trigger[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const started = await trigger(incidents, options.policy, `${options.label}-${i}`);
    triggers.push(started);
    for (let r = 1; r <= options.repeats; r += 1) {
      const arrival = await within(receiver.waitFor(started.workflowId, 1, r), WAIT_MS, `repeat ${r} of ${started.workflowId}`);
      byRepeat[r - 1]?.push(arrival.wall - (started.createdAt + r * options.intervalMs));
    }
  }
  return { byRepeat, triggers };
}
