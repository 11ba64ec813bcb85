import { performance } from 'node:perf_hooks';
import { summarize } from '../stats.js';
import type { VariantName } from './options.js';
import { round1, type Row, type SectionResult } from './markdown.js';
import { cpuWindow, mib, peakRssBytes, rssBytes, type CpuWindow } from './proc.js';
import { lanes, launch, pagesBy, type Opened, type World } from './variants.js';

/**
 * Figure 5: a storm of distinct alerts on a fresh worker, sent 32 at a time (the product through its
 * API, bare through the client): how long until every first page arrived, capped, and the worker's
 * RSS on the way.
 */

const WINDOW_MS = 30_000;

interface Storm {
  sent: number;
  acceptedMs: number;
  answerMs: number[];
  retries: number;
  paged: number;
  /** Last first page − first request (ms), when every one arrived. */
  allPagedMs: number | undefined;
  /** Pages per 30 s window from the first request. */
  perWindow: number[];
  peakRssMiB: number;
  endRssMiB: number;
  cpu: CpuWindow;
}

async function storm(world: World, variant: VariantName): Promise<Storm> {
  const { sizes } = world;
  const launched = await launch(world, variant, 'storm');
  const pid = launched.running.workerPid;
  let peak = rssBytes(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 500);
  try {
    const pids: Record<string, number> = { worker: pid, server: world.serverPid };
    if (launched.running.api) pids.api = launched.running.api.pid;
    const window = cpuWindow(pids);
    const begin = performance.now();
    const beginWall = Date.now();
    const capAt = begin + sizes.stormCapMs;
    const opened: Opened[] = [];
    const sent = await lanes(sizes.storm, sizes.inFlight, capAt, async (i) => {
      opened.push(await launched.open('page', `storm-${i}`));
    });
    const acceptedMs = performance.now() - begin;
    const got = await pagesBy(launched, opened, 1, beginWall + sizes.stormCapMs);
    const cpu = window();
    const arrivals = [...got.values()].map((a) => a.perf - begin);
    const perWindow = Array.from({ length: Math.ceil(sizes.stormCapMs / WINDOW_MS) }, () => 0);
    for (const at of arrivals) {
      const slot = Math.floor(at / WINDOW_MS);
      if (slot < perWindow.length) perWindow[slot] = (perWindow[slot] ?? 0) + 1;
    }
    while (perWindow.length > 1 && perWindow[perWindow.length - 1] === 0) perWindow.pop();
    const allPaged = got.size === sizes.storm;
    return {
      sent,
      acceptedMs,
      answerMs: opened.map((o) => o.answerMs),
      retries: opened.reduce((sum, o) => sum + o.retries, 0),
      paged: got.size,
      allPagedMs: allPaged ? Math.max(...arrivals) : undefined,
      perWindow,
      peakRssMiB: mib(Math.max(peak, peakRssBytes(pid))),
      endRssMiB: mib(rssBytes(pid)),
      cpu,
    };
  } finally {
    clearInterval(sampler);
    await launched.close();
  }
}

export async function stormSection(world: World, variants: readonly VariantName[], log: (line: string) => void): Promise<SectionResult> {
  const runs: Partial<Record<VariantName, Storm>> = {};
  for (const variant of variants) {
    log(`storm: ${variant} (${world.sizes.storm} alerts)`);
    runs[variant] = await storm(world, variant);
  }
  const per = (f: (run: Storm) => number | string) => Object.fromEntries(Object.entries(runs).map(([v, run]) => [v, f(run)]));
  const n = world.sizes.storm;
  const capS = world.sizes.stormCapMs / 1000;
  const rows: Row[] = [
    {
      figure: `**every first page arrived after (s)**`,
      values: per((r) => (r.allPagedMs === undefined ? `not within ${capS} s` : r.allPagedMs / 1000)),
      ratio: true,
    },
    { figure: `**first pages arrived within ${capS} s**`, values: per((r) => `${r.paged} of ${n}`) },
    { figure: '**worker peak RSS (MiB)**', values: per((r) => r.peakRssMiB), ratio: true },
    { figure: 'worker RSS at the end (MiB)', values: per((r) => r.endRssMiB) },
    { figure: 'all alerts answered after (s)', values: per((r) => r.acceptedMs / 1000) },
    {
      figure: 'request answered p50 / p99 (ms)',
      values: per((r) => `${summarize(r.answerMs).p50.toFixed(0)} / ${summarize(r.answerMs).p99.toFixed(0)}`),
    },
    { figure: '503 answers retried', values: per((r) => r.retries) },
    { figure: 'first pages per 30 s window', values: per((r) => r.perWindow.join(', ')) },
    {
      figure: 'worker / dev server CPU over the storm (s)',
      values: per((r) => `${((r.cpu.byProcess.worker ?? NaN) / 1000).toFixed(0)} / ${((r.cpu.byProcess.server ?? NaN) / 1000).toFixed(0)}`),
    },
    { figure: 'cores busy with other processes meanwhile', values: per((r) => r.cpu.otherMs / r.cpu.wallMs) },
  ];
  return {
    title: `5. Storm: ${n} alerts, ${world.sizes.inFlight} at a time, on a fresh worker`,
    rows,
    notes: [
      `Each alert a new incident (distinct key) of the \`page\` policy; timed from the first request; capped at ${capS} s. RSS sampled every 0.5 s and the kernel's VmHWM.`,
    ],
    json: {
      storm: Object.fromEntries(
        Object.entries(runs).map(([v, r]) => [
          v,
          {
            alerts: n,
            sent: r.sent,
            paged: r.paged,
            allPagedMs: r.allPagedMs === undefined ? null : Math.round(r.allPagedMs),
            acceptedMs: Math.round(r.acceptedMs),
            retries: r.retries,
            perWindow: r.perWindow,
            peakRssMiB: round1(r.peakRssMiB),
            endRssMiB: round1(r.endRssMiB),
            workerCpuMs: Math.round(r.cpu.byProcess.worker ?? NaN),
            serverCpuMs: Math.round(r.cpu.byProcess.server ?? NaN),
            otherCores: round1((r.cpu.otherMs / r.cpu.wallMs) * 100) / 100,
          },
        ]),
      ),
    },
  };
}
