// The SDK's floor for the engine bench: a bare Temporal workflow of the escalation's shape, its
// pages as activities (one webhook POST each) and a timer before each later page, nothing else: no
// search attributes, no queries, no updates, no validation. What the product costs on top of this,
// measured in the same run on the same server, is the engine's own cost.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { BareActivities } from './bare-activities.js';

export interface BarePage {
  /** Due this long after the workflow started (its first task's clock). */
  afterMs: number;
  level: number;
  repeat: number;
  url: string;
}

export interface BarePlan {
  pages: BarePage[];
  /** The workflow completes this long after it started, once its pages have settled. */
  endAfterMs: number;
}

// The product's default delivery retry (5 s, backoff 2, at most 60 s, 4 attempts, 30 s per attempt).
const { page } = proxyActivities<BareActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 4 },
});

export async function bareEscalation(plan: BarePlan): Promise<number> {
  const startedAt = Date.now();
  const { workflowId } = workflowInfo();
  // Pages run beside the timers, as the product's notifications do; they settle before the end.
  const sent: Promise<void>[] = [];
  for (const next of plan.pages) {
    const wait = startedAt + next.afterMs - Date.now();
    if (wait > 0) await sleep(wait);
    sent.push(page({ url: next.url, workflowId, level: next.level, repeat: next.repeat }));
  }
  const rest = startedAt + plan.endAfterMs - Date.now();
  if (rest > 0) await sleep(rest);
  await Promise.all(sent);
  return sent.length;
}
