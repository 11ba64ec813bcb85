import { setTimeout as sleep } from 'node:timers/promises';
import { timedHistory } from '../history.js';
import { boundedPool, rounded, summarize } from '../stats.js';
import type { VariantName } from './options.js';
import { round1, spread, type Row, type SectionResult } from './markdown.js';
import { cpuWindow, mib, peakRssBytes, rssBytes } from './proc.js';
import { lanes, launch, pagesBy, type Opened, type World } from './variants.js';

/**
 * Figures 6 and 7: incidents held open in one worker (level 1 pages at once, level 2 is due later),
 * the worker's RSS before and after they all paged level 1, per incident; then how late level 2
 * went out when it came due. Due time = where the variant's clock starts + the level-2 delay: the
 * product counts its policy from acceptance (WorkflowExecutionStarted, patch
 * `policy-clock-from-acceptance`), the bare workflow from its first task (the first
 * WorkflowTaskStarted).
 */

const SETTLE_MS = 5_000;

interface Held {
  opened: number;
  levelOnePaged: number;
  openingMs: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** Level-2 pages that had arrived when RSS was read (they should be none). */
  levelTwoEarly: number;
  levelTwoPaged: number;
  lateness: number[];
  sinceLevelOne: number[];
  peakRssMiB: number;
  endRssMiB: number;
  maxCachedWorkflows: number | undefined;
  /** Cores other processes kept busy from the first open to the last level-2 page. */
  otherCores: number;
}

async function clockStart(world: World, variant: VariantName, workflowId: string): Promise<number> {
  const events = await timedHistory(world.client, workflowId);
  const from = variant === 'bare' ? 'WORKFLOW_TASK_STARTED' : 'WORKFLOW_EXECUTION_STARTED';
  return events.find((e) => e.type === from)?.at ?? Number.NaN;
}

async function hold(world: World, variant: VariantName, big: boolean, log: (line: string) => void): Promise<Held> {
  const { sizes } = world;
  const count = big ? sizes.bigIncidents : sizes.openIncidents;
  const delayMs = big ? sizes.bigDelayMs : sizes.openDelayMs;
  const policy = big ? 'open-big' : 'open';
  const launched = await launch(world, variant, big ? 'big' : 'memory');
  const pid = launched.running.workerPid;
  try {
    // Warm-up with the one-hour `page` policy: these stay open and are in the baseline.
    for (let i = 0; i < sizes.warmup; i += 1) {
      const o = await launched.open('page', `warm-${i}`);
      await launched.page(o.workflowId, 1, 60_000);
    }
    await sleep(SETTLE_MS);
    const rssBefore = rssBytes(pid);
    const window = cpuWindow({ worker: pid, server: world.serverPid, ...(launched.running.api && { api: launched.running.api.pid }) });
    const began = Date.now();
    const opened: Opened[] = [];
    // Opening must end before level 2 comes due for the first ones; past that, stop and say so.
    const rate = big ? sizes.bigRatePerSecond : undefined;
    await lanes(count, sizes.inFlight, performance.now() + delayMs, async (i) => {
      // Paced (--big-rate): level 2 then comes due at the same rate, not as one burst.
      const due = rate === undefined ? 0 : began + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      opened.push(await launched.open(policy, `${policy}-${i}`));
    });
    const openingMs = Date.now() - began;
    const levelOne = await pagesBy(launched, opened, 1, Date.now() + 120_000);
    log(`  ${variant}: ${opened.length} opened in ${(openingMs / 1000).toFixed(0)} s, ${levelOne.size} paged level 1`);
    await sleep(SETTLE_MS);
    const rssAfter = rssBytes(pid);
    const levelTwoOut = new Set(world.receiver.delivered.filter((a) => a.level === 2).map((a) => a.workflowId));
    const early = opened.filter((o) => levelTwoOut.has(o.workflowId)).length;
    const lastOpened = Math.max(...opened.map((o) => o.sentWall));
    const levelTwo = await pagesBy(launched, opened, 2, lastOpened + delayMs + (big ? 600_000 : 120_000));
    const cpu = window();
    const peak = peakRssBytes(pid);
    const endRss = rssBytes(pid);
    const started = await boundedPool(opened.length, 16, (i) => clockStart(world, variant, opened[i]?.workflowId ?? ''));
    const lateness: number[] = [];
    const sinceLevelOne: number[] = [];
    opened.forEach((o, i) => {
      const l2 = levelTwo.get(o.workflowId);
      const l1 = levelOne.get(o.workflowId);
      const at = started[i] ?? Number.NaN;
      if (l2 && Number.isFinite(at)) lateness.push(l2.wall - (at + delayMs));
      if (l2 && l1) sinceLevelOne.push(l2.wall - l1.wall - delayMs);
    });
    return {
      opened: opened.length,
      levelOnePaged: levelOne.size,
      openingMs,
      rssBeforeMiB: mib(rssBefore),
      rssAfterMiB: mib(rssAfter),
      levelTwoEarly: early,
      levelTwoPaged: levelTwo.size,
      lateness,
      sinceLevelOne,
      peakRssMiB: mib(peak),
      endRssMiB: mib(endRss),
      maxCachedWorkflows: launched.running.maxCachedWorkflows,
      otherCores: cpu.otherMs / cpu.wallMs,
    };
  } finally {
    await launched.close();
  }
}

export async function memorySection(
  world: World,
  variants: readonly VariantName[],
  big: boolean,
  cacheNote: string,
  log: (line: string) => void,
): Promise<SectionResult> {
  const runs: Partial<Record<VariantName, Held>> = {};
  for (const variant of variants) {
    log(`${big ? 'big' : 'memory'}: ${variant}`);
    runs[variant] = await hold(world, variant, big, log);
  }
  const per = (f: (run: Held) => number | string) => Object.fromEntries(Object.entries(runs).map(([v, run]) => [v, f(run)]));
  const n = big ? world.sizes.bigIncidents : world.sizes.openIncidents;
  const delayS = (big ? world.sizes.bigDelayMs : world.sizes.openDelayMs) / 1000;
  const perIncidentKiB = (r: Held) => ((r.rssAfterMiB - r.rssBeforeMiB) * 1024) / r.levelOnePaged;
  const rows: Row[] = [
    { figure: `**worker RSS per open incident (KiB)**`, values: per(perIncidentKiB), ratio: true },
    {
      figure: 'worker RSS before → with them open (MiB)',
      values: per((r) => `${r.rssBeforeMiB.toFixed(0)} → ${r.rssAfterMiB.toFixed(0)}`),
    },
    { figure: 'worker peak RSS / at the end (MiB)', values: per((r) => `${r.peakRssMiB.toFixed(0)} / ${r.endRssMiB.toFixed(0)}`) },
    {
      figure: 'opened / paged level 1 / opening took (s)',
      values: per((r) => `${r.opened} / ${r.levelOnePaged} / ${(r.openingMs / 1000).toFixed(0)}`),
    },
    { figure: 'level 2 already out when RSS was read', values: per((r) => r.levelTwoEarly) },
    { figure: '**level-2 lateness p50 / p99 / max (ms)**', values: per((r) => spread(r.lateness)) },
    { figure: 'level-2 lateness p99 (ms)', values: per((r) => summarize(r.lateness).p99), ratio: true },
    { figure: 'level 2 − level 1 arrival − delay: p50 / p99 / max (ms)', values: per((r) => spread(r.sinceLevelOne)) },
    { figure: 'level 2 paged', values: per((r) => `${r.levelTwoPaged} of ${r.opened}`) },
    { figure: 'cores busy with other processes meanwhile', values: per((r) => r.otherCores) },
  ];
  const title = big
    ? `7. ${n.toLocaleString('en-US')} open incidents on one worker (level 2 due after ${delayS} s)`
    : `6. Memory per open incident: ${n.toLocaleString('en-US')} open (level 2 due after ${delayS} s)`;
  return {
    title,
    rows,
    notes: [
      `Per incident = (VmRSS ${SETTLE_MS / 1000} s after every level-1 page arrived − VmRSS before the first was opened, after ${world.sizes.warmup} warm-up incidents) / incidents paged. Opened ${world.sizes.inFlight} at a time${big && world.sizes.bigRatePerSecond !== undefined ? `, paced at ${world.sizes.bigRatePerSecond}/s (--big-rate)` : ''}.`,
      'Lateness = level-2 arrival at the receiver − (the clock start + the delay): the due time the policy computes. The product counts from acceptance (WorkflowExecutionStarted), the bare workflow from its first WorkflowTaskStarted.',
      cacheNote,
    ],
    json: {
      [big ? 'big' : 'memory']: Object.fromEntries(
        Object.entries(runs).map(([v, r]) => [
          v,
          {
            incidents: r.opened,
            levelOnePaged: r.levelOnePaged,
            openingMs: r.openingMs,
            rssBeforeMiB: round1(r.rssBeforeMiB),
            rssAfterMiB: round1(r.rssAfterMiB),
            perIncidentKiB: round1(perIncidentKiB(r)),
            peakRssMiB: round1(r.peakRssMiB),
            levelTwoEarly: r.levelTwoEarly,
            levelTwoPaged: r.levelTwoPaged,
            lateness: rounded(summarize(r.lateness)),
            sinceLevelOne: rounded(summarize(r.sinceLevelOne)),
            otherCores: round1(r.otherCores * 100) / 100,
            ...(r.maxCachedWorkflows !== undefined && { maxCachedWorkflows: r.maxCachedWorkflows }),
          },
        ]),
      ),
    },
  };
}
