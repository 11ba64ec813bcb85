import { performance } from 'node:perf_hooks';
import { rounded, summarize } from '../stats.js';
import type { VariantName } from './options.js';
import { round1, spread, type Row, type SectionResult } from './markdown.js';
import { cpuWindow, type CpuWindow } from './proc.js';
import { lanes, launch, type Launched, type World } from './variants.js';

/**
 * Figure 3: the first page one incident at a time, from the request (the API's POST, or the bare
 * workflow's start) to the receiver's arrival. Figure 4: first pages per second with 32 incidents
 * in flight for a fixed time, and whose CPU that took: worker, dev server, API, the rest.
 */

const PAGE_TIMEOUT_MS = 60_000;

/** Opens one `page` incident and waits for its level-1 page: ms from the request, and the request's answer. */
async function onePage(launched: Launched, tag: string): Promise<{ firstMs: number; answerMs: number } | undefined> {
  const opened = await launched.open('page', tag);
  const arrival = await launched.page(opened.workflowId, 1, PAGE_TIMEOUT_MS);
  return arrival && { firstMs: arrival.perf - opened.sentPerf, answerMs: opened.answerMs };
}

async function warmUp(world: World, launched: Launched): Promise<void> {
  for (let i = 0; i < world.sizes.warmup; i += 1) await onePage(launched, `warm-${i}`);
}

interface Sequential {
  firstMs: number[];
  answerMs: number[];
  missing: number;
  /** Cores other processes on the machine kept busy meanwhile: above ~0.3 the tails measure them. */
  otherCores: number;
}

async function sequential(world: World, variant: VariantName): Promise<Sequential> {
  const launched = await launch(world, variant, 'latency');
  try {
    await warmUp(world, launched);
    const window = cpuWindow({
      worker: launched.running.workerPid,
      server: world.serverPid,
      ...(launched.running.api && { api: launched.running.api.pid }),
    });
    const run: Sequential = { firstMs: [], answerMs: [], missing: 0, otherCores: Number.NaN };
    for (let i = 0; i < world.sizes.sequential; i += 1) {
      const sample = await onePage(launched, `seq-${i}`);
      if (!sample) run.missing += 1;
      else {
        run.firstMs.push(sample.firstMs);
        run.answerMs.push(sample.answerMs);
      }
    }
    const cpu = window();
    run.otherCores = cpu.otherMs / cpu.wallMs;
    return run;
  } finally {
    await launched.close();
  }
}

export async function latencySection(world: World, variants: readonly VariantName[], log: (line: string) => void): Promise<SectionResult> {
  const runs: Partial<Record<VariantName, Sequential>> = {};
  for (const variant of variants) {
    log(`latency: ${variant}`);
    runs[variant] = await sequential(world, variant);
  }
  const per = (f: (run: Sequential) => number | string) => Object.fromEntries(Object.entries(runs).map(([v, run]) => [v, f(run)]));
  const rows: Row[] = [
    { figure: '**first page p50 (ms)**', values: per((r) => summarize(r.firstMs).p50), ratio: true },
    { figure: '**first page p99 (ms)**', values: per((r) => summarize(r.firstMs).p99), ratio: true },
    { figure: 'first page p95 / max (ms)', values: per((r) => spread(r.firstMs, ['p95', 'max'])) },
    { figure: 'request answered (POST 202, or the client start): p50 / p99 (ms)', values: per((r) => spread(r.answerMs, ['p50', 'p99'])) },
    { figure: 'no page within 60 s', values: per((r) => r.missing) },
    { figure: 'cores busy with other processes meanwhile', values: per((r) => r.otherCores) },
  ];
  return {
    title: `3. First page, one incident at a time (${world.sizes.sequential} incidents, level 1 at 0)`,
    rows,
    notes: [
      `From just before the request (the product: POST /v1/incidents; bare: client.workflow.start) to the page's arrival at the receiver; ${world.sizes.warmup} warm-up incidents first.`,
    ],
    json: {
      latency: Object.fromEntries(
        Object.entries(runs).map(([v, r]) => [
          v,
          { firstPage: rounded(summarize(r.firstMs)), answer: rounded(summarize(r.answerMs)), missing: r.missing },
        ]),
      ),
    },
  };
}

interface Sustained {
  pages: number;
  firstMs: number[];
  cpu: CpuWindow;
  cores: number;
}

async function sustained(world: World, variant: VariantName, cores: number): Promise<Sustained> {
  const launched = await launch(world, variant, 'throughput');
  try {
    await warmUp(world, launched);
    const pids: Record<string, number> = { worker: launched.running.workerPid, server: world.serverPid };
    if (launched.running.api) pids.api = launched.running.api.pid;
    const window = cpuWindow(pids);
    const begin = performance.now();
    const end = begin + world.sizes.throughputSeconds * 1000;
    const firstMs: number[] = [];
    let cpu: CpuWindow | undefined;
    const closeWindow = setTimeout(() => (cpu = window()), end - performance.now());
    await lanes(Number.MAX_SAFE_INTEGER, world.sizes.inFlight, end, async (i) => {
      const sample = await onePage(launched, `tp-${i}`);
      if (sample && performance.now() <= end) firstMs.push(sample.firstMs);
    });
    clearTimeout(closeWindow);
    cpu ??= window();
    return { pages: firstMs.length, firstMs, cpu, cores };
  } finally {
    await launched.close();
  }
}

export async function throughputSection(
  world: World,
  variants: readonly VariantName[],
  cores: number,
  log: (line: string) => void,
): Promise<SectionResult> {
  const runs: Partial<Record<VariantName, Sustained>> = {};
  for (const variant of variants) {
    log(`throughput: ${variant}`);
    runs[variant] = await sustained(world, variant, cores);
  }
  const per = (f: (run: Sustained) => number | string) => Object.fromEntries(Object.entries(runs).map(([v, run]) => [v, f(run)]));
  const cpuOf = (r: Sustained, name: string) => r.cpu.byProcess[name] ?? Number.NaN;
  const share = (r: Sustained, ms: number) => `${((ms / (r.cpu.wallMs * r.cores)) * 100).toFixed(0)}%`;
  const rows: Row[] = [
    { figure: '**first pages per second**', values: per((r) => (r.pages / r.cpu.wallMs) * 1000), ratio: true },
    { figure: 'first page under this load: p50 / p99 (ms)', values: per((r) => spread(r.firstMs, ['p50', 'p99'])) },
    { figure: '**dev server share of the machine CPU**', values: per((r) => share(r, cpuOf(r, 'server'))) },
    { figure: '**worker share of the machine CPU**', values: per((r) => share(r, cpuOf(r, 'worker'))) },
    {
      figure: 'API share / bench share / other processes',
      values: per((r) =>
        [cpuOf(r, 'api'), cpuOf(r, 'bench'), r.cpu.otherMs].map((ms) => (Number.isFinite(ms) ? share(r, ms) : '–')).join(' / '),
      ),
    },
    { figure: 'worker CPU per page (ms)', values: per((r) => cpuOf(r, 'worker') / r.pages), ratio: true },
    { figure: 'dev server CPU per page (ms)', values: per((r) => cpuOf(r, 'server') / r.pages), ratio: true },
  ];
  return {
    title: `4. Sustained first pages: ${world.sizes.inFlight} incidents in flight for ${world.sizes.throughputSeconds} s`,
    rows,
    notes: [
      `Closed loop: each of ${world.sizes.inFlight} lanes opens an incident and waits for its level-1 page, then the next. Shares are of all ${cores} cores over the window (100% = every core busy).`,
    ],
    json: {
      throughput: Object.fromEntries(
        Object.entries(runs).map(([v, r]) => [
          v,
          {
            pagesPerSecond: round1((r.pages / r.cpu.wallMs) * 1000),
            firstPage: rounded(summarize(r.firstMs)),
            cpuMs: Object.fromEntries(Object.entries(r.cpu.byProcess).map(([k, ms]) => [k, Math.round(ms)])),
            otherMs: Math.round(r.cpu.otherMs),
            wallMs: Math.round(r.cpu.wallMs),
          },
        ]),
      ),
    },
  };
}
