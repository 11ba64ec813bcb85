import { markdownTable } from './markdown.js';
import type { VariantName } from './options.js';

/**
 * The performance goals of issue 10 ("The engine core"), checked for each product variant against
 * the figures of this run. Ratios are against the bare workflow measured in the same run.
 */

/** Today's sustained rate the goal multiplies (issue 10: "1.5× today's (≈ 21/s)"). */
const TODAY_PAGES_PER_SECOND = 21;

function pick(json: unknown, path: readonly string[]): number | undefined {
  let at: unknown = json;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !(key in at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'number' ? at : undefined;
}

interface Goal {
  goal: string;
  /** The figure as shown, and whether it meets the goal; undefined when the section did not run. */
  check(sections: unknown, variant: VariantName): { shown: string; met: boolean } | undefined;
}

const ratioGoal = (goal: string, path: string[], limit: number, digits = 2): Goal => ({
  goal,
  check(sections, variant) {
    const value = pick(sections, [path[0] ?? '', variant, ...path.slice(1)]);
    const bare = pick(sections, [path[0] ?? '', 'bare', ...path.slice(1)]);
    if (value === undefined || bare === undefined || bare === 0) return undefined;
    const ratio = value / bare;
    return { shown: `${ratio.toFixed(digits)}× (${value} vs ${bare})`, met: ratio <= limit };
  },
});

const GOALS: Goal[] = [
  ratioGoal('worker CPU per incident ≤ 1.2× bare', ['cpu', 'workerMsPerIncident'], 1.2),
  ratioGoal('history events per incident ≤ bare', ['cpu', 'history', 'events', 'mean'], 1),
  {
    goal: 'first page one at a time: p50 < 40 ms, p99 < 100 ms',
    check(sections, variant) {
      const p50 = pick(sections, ['latency', variant, 'firstPage', 'p50']);
      const p99 = pick(sections, ['latency', variant, 'firstPage', 'p99']);
      if (p50 === undefined || p99 === undefined) return undefined;
      return { shown: `${p50} / ${p99} ms`, met: p50 < 40 && p99 < 100 };
    },
  },
  {
    goal: `sustained first pages ≥ 1.5 × ${TODAY_PAGES_PER_SECOND}/s`,
    check(sections, variant) {
      const rate = pick(sections, ['throughput', variant, 'pagesPerSecond']);
      if (rate === undefined) return undefined;
      return { shown: `${rate}/s`, met: rate >= 1.5 * TODAY_PAGES_PER_SECOND };
    },
  },
  {
    goal: 'storm: every first page within 3 minutes',
    check(sections, variant) {
      const all = pick(sections, ['storm', variant, 'allPagedMs']);
      const paged = pick(sections, ['storm', variant, 'paged']);
      const alerts = pick(sections, ['storm', variant, 'alerts']);
      if (paged === undefined || alerts === undefined) return undefined;
      if (all === undefined) return { shown: `${paged} of ${alerts} within the cap`, met: false };
      return { shown: `${(all / 1000).toFixed(0)} s for ${alerts}`, met: all <= 180_000 };
    },
  },
  ratioGoal('memory per open incident ≤ 1.5× bare', ['memory', 'perIncidentKiB'], 1.5),
  {
    goal: '10,000 open: level-2 lateness p99 < 1 s',
    check(sections, variant) {
      const p99 = pick(sections, ['big', variant, 'lateness', 'p99']);
      const n = pick(sections, ['big', variant, 'incidents']);
      if (p99 === undefined) return undefined;
      return { shown: `${p99} ms (${n ?? '?'} open)`, met: p99 < 1000 };
    },
  },
];

export function targetsTable(sections: unknown, variants: readonly VariantName[]): string {
  const products = variants.filter((v) => v !== 'bare');
  const rows = GOALS.flatMap((goal) => {
    const cells = products.map((v) => goal.check(sections, v));
    if (cells.every((c) => c === undefined)) return [];
    return [[goal.goal, ...cells.map((c) => (c ? `${c.shown}: ${c.met ? 'met' : '**missed**'}` : '–'))]];
  });
  if (rows.length === 0) return '';
  return ['\n### Against the goals of issue 10\n', markdownTable(['goal', ...products], rows)].join('\n');
}
