import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/**
 * The policy every failure run escalates by, and the steps it implies, worked out here from
 * DESIGN.md section 4 rather than with the product's own maths (domain/escalation.ts), so a
 * mistake there shows up as early or missing steps instead of moving the yardstick with it:
 * a level is due its delay after the previous level was due (level 1: after the trigger), its
 * repeats every interval after that while before the next level, and the policy times out
 * `finalWait` after the last notification was due.
 */

export interface PlanLevel {
  delayMs: number;
  /** One webhook target per path on the peer. */
  paths: string[];
  repeat?: { count: number; intervalMs: number };
}

export interface Plan {
  name: string;
  levels: PlanLevel[];
  finalWaitMs: number;
}

/** Three levels, 300 ms to 1 s apart; level 1 pages two targets and repeats once; no policy loop. */
export const CHAOS_PLAN: Plan = {
  name: 'chaos',
  levels: [
    { delayMs: 300, paths: ['/l1/primary', '/l1/secondary'], repeat: { count: 1, intervalMs: 400 } },
    { delayMs: 700, paths: ['/l2'] },
    { delayMs: 1_000, paths: ['/l3'] },
  ],
  finalWaitMs: 500,
};

/**
 * Delivery retries for the run: quick, so a fault's stretch (a few seconds) is retried through
 * within the budget (about 13 s over 10 attempts), and the provider gives up on a hung peer after 1 s.
 */
export const CHAOS_DELIVERY = { initialInterval: '200ms', backoff: 2, maximumInterval: '2s', maximumAttempts: 10, attemptTimeout: '2s' };
export const WEBHOOK_TIMEOUT = '1s';

export interface ExpectedStep {
  /** `L1R0`, `L1R1`, `L2R0`, ... (levels 1-based as the record and the webhook body show them). */
  label: string;
  level: number;
  repeat: number;
  /** Due time after the trigger (the record's createdAt). */
  offsetMs: number;
  /** Target labels as the webhook body names them: `webhook:<url>`. */
  targets: string[];
}

export interface Expectation {
  steps: ExpectedStep[];
  /** When the walk ends in TIMED_OUT, after the trigger. */
  timeoutOffsetMs: number;
}

export function expectation(plan: Plan, peerBase: string): Expectation {
  const steps: ExpectedStep[] = [];
  let levelAt = 0;
  plan.levels.forEach((level, index) => {
    levelAt += level.delayMs;
    const targets = level.paths.map((path) => `webhook:${peerBase}${path}`);
    const step = (repeat: number, offsetMs: number) => ({ label: `L${index + 1}R${repeat}`, level: index + 1, repeat, offsetMs, targets });
    steps.push(step(0, levelAt));
    const next = plan.levels[index + 1];
    const nextLevelAt = next ? levelAt + next.delayMs : Number.POSITIVE_INFINITY;
    for (let repeat = 1; repeat <= (level.repeat?.count ?? 0); repeat += 1) {
      const at = levelAt + repeat * (level.repeat?.intervalMs ?? 0);
      if (at >= nextLevelAt) break;
      steps.push(step(repeat, at));
    }
  });
  const lastAt = Math.max(...steps.map((s) => s.offsetMs));
  return { steps: steps.sort((a, b) => a.offsetMs - b.offsetMs), timeoutOffsetMs: lastAt + plan.finalWaitMs };
}

/** The walk's length, trigger to TIMED_OUT. */
export function walkMs(plan: Plan): number {
  return expectation(plan, '').timeoutOffsetMs;
}

/** The config file the API and the workers load: the plan's policy, every target a webhook to the peer. */
export function chaosConfig(plan: Plan, peerBase: string): Record<string, unknown> {
  return {
    gates: { enabled: true, minSeverity: 'warning' },
    routes: [{ policy: plan.name }],
    providers: { webhook: { timeout: WEBHOOK_TIMEOUT } },
    delivery: CHAOS_DELIVERY,
    policies: [
      {
        name: plan.name,
        levels: plan.levels.map((level) => ({
          delay: `${level.delayMs}ms`,
          targets: level.paths.map((path) => ({ type: 'webhook', url: `${peerBase}${path}` })),
          ...(level.repeat && { repeat: { count: level.repeat.count, interval: `${level.repeat.intervalMs}ms` } }),
        })),
        repeatPolicy: 0,
        finalWait: `${plan.finalWaitMs}ms`,
      },
    ],
  };
}

export async function writeChaosConfig(file: string, plan: Plan, peerBase: string): Promise<void> {
  await writeFile(file, `# Written by bench/chaos for one failure run.\n${stringify(chaosConfig(plan, peerBase))}`);
}
