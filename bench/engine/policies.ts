import type { BarePlan } from './bare-workflow.js';

/**
 * The escalation shapes the engine bench drives, written once as a product config (every target a
 * webhook to the bench's receiver) and once as the bare workflow's plans, so both variants page the
 * same levels at the same times:
 * - `walk`: three levels walked to TIMED_OUT with nobody answering. Level 1 at 0 and its repeat
 *   150 ms later, level 2 at 300 ms, level 3 at 600 ms, timed out at 900 ms: four pages and four
 *   timers (150, 150, 300, 300 ms).
 * - `page`: level 1 at 0, then a one-hour wait that outlasts the run (first-page figures, storm).
 * - `open`, `open-big`: level 1 at 0, level 2 after `openDelayMs` / `bigDelayMs`, then the hour:
 *   incidents kept open in the worker's memory until level 2 comes due.
 */
export const POLICY_NAMES = ['walk', 'page', 'open', 'open-big'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const WALK = { repeatMs: 150, levelTwoMs: 300, levelThreeMs: 300, finalWaitMs: 300 } as const;
/** Longer than any run: an incident that has paged what a section measures stays quiet. */
const QUIET_MS = 60 * 60_000;

export interface Delays {
  openDelayMs: number;
  bigDelayMs: number;
}

const ms = (value: number) => `${value}ms`;

/** The product's config file (JSON is YAML): gates on at severity info, no API rate limit, one webhook path per policy. */
export function productConfig(receiverBase: string, variant: string, delays: Delays): Record<string, unknown> {
  const target = (policy: PolicyName, level: number) => [{ type: 'webhook', url: `${receiverBase}/${variant}/${policy}/l${level}` }];
  const quiet = ms(QUIET_MS);
  return {
    gates: { enabled: true, minSeverity: 'info' },
    // The bench measures the engine, not the API's per-token limiter (50/s by default): off.
    api: { rateLimit: { requestsPerSecond: 0 } },
    policies: [
      {
        name: 'walk',
        levels: [
          { delay: '0s', targets: target('walk', 1), repeat: { count: 1, interval: ms(WALK.repeatMs) } },
          { delay: ms(WALK.levelTwoMs), targets: target('walk', 2) },
          { delay: ms(WALK.levelThreeMs), targets: target('walk', 3) },
        ],
        finalWait: ms(WALK.finalWaitMs),
      },
      { name: 'page', levels: [{ delay: '0s', targets: target('page', 1) }], finalWait: quiet },
      {
        name: 'open',
        levels: [
          { delay: '0s', targets: target('open', 1) },
          { delay: ms(delays.openDelayMs), targets: target('open', 2) },
        ],
        finalWait: quiet,
      },
      {
        name: 'open-big',
        levels: [
          { delay: '0s', targets: target('open-big', 1) },
          { delay: ms(delays.bigDelayMs), targets: target('open-big', 2) },
        ],
        finalWait: quiet,
      },
    ],
  };
}

/** The same shapes for the bare workflow: its pages (time after the start, level, repeat) and its end. */
export function barePlan(policy: PolicyName, receiverBase: string, delays: Delays): BarePlan {
  const url = (level: number) => `${receiverBase}/bare/${policy}/l${level}`;
  switch (policy) {
    case 'walk': {
      const l2 = WALK.levelTwoMs;
      const l3 = l2 + WALK.levelThreeMs;
      return {
        pages: [
          { afterMs: 0, level: 1, repeat: 0, url: url(1) },
          { afterMs: WALK.repeatMs, level: 1, repeat: 1, url: url(1) },
          { afterMs: l2, level: 2, repeat: 0, url: url(2) },
          { afterMs: l3, level: 3, repeat: 0, url: url(3) },
        ],
        endAfterMs: l3 + WALK.finalWaitMs,
      };
    }
    case 'page':
      return { pages: [{ afterMs: 0, level: 1, repeat: 0, url: url(1) }], endAfterMs: QUIET_MS };
    case 'open':
    case 'open-big': {
      const delay = policy === 'open' ? delays.openDelayMs : delays.bigDelayMs;
      return {
        pages: [
          { afterMs: 0, level: 1, repeat: 0, url: url(1) },
          { afterMs: delay, level: 2, repeat: 0, url: url(2) },
        ],
        endAfterMs: delay + QUIET_MS,
      };
    }
    default: {
      const unknownPolicy: never = policy;
      throw new Error(`no bare plan for policy ${String(unknownPolicy)}`);
    }
  }
}
