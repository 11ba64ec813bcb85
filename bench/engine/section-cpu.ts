import { timedHistory } from '../history.js';
import { boundedPool, summarize } from '../stats.js';
import type { VariantName } from './options.js';
import { round1, spread, type Row, type SectionResult } from './markdown.js';
import { cpuWindow, type CpuWindow } from './proc.js';
import { markProfileWindow, monotonicUs } from './profile.js';
import { launch, paced, untilCount, walkedQuery, type World } from './variants.js';

/**
 * Figures 1 and 2: worker CPU per incident for incidents of the three-level `walk` policy walked to
 * TIMED_OUT, started at a steady modest rate so the worker is never saturated; then each one's
 * history: events, timers started and cancelled, workflow tasks, activities.
 */

interface HistoryCounts {
  events: number;
  timersStarted: number;
  timersCancelled: number;
  workflowTasks: number;
  workflowTasksFailed: number;
  activities: number;
}

interface CpuRun {
  incidents: number;
  /** Walked to the end (visibility): TIMED_OUT for the product, completed for bare. */
  walked: number;
  cpu: CpuWindow;
  histories: HistoryCounts[];
  endings: Record<string, number>;
}

const WALK_TIMEOUT_MS = 120_000;

async function historyCounts(world: World, workflowId: string): Promise<HistoryCounts> {
  const events = await timedHistory(world.client, workflowId);
  const count = (type: string) => events.filter((e) => e.type === type).length;
  return {
    events: events.length,
    timersStarted: count('TIMER_STARTED'),
    timersCancelled: count('TIMER_CANCELED'),
    workflowTasks: count('WORKFLOW_TASK_COMPLETED'),
    workflowTasksFailed: count('WORKFLOW_TASK_FAILED'),
    activities: count('ACTIVITY_TASK_SCHEDULED'),
  };
}

async function measure(world: World, variant: VariantName, log: (line: string) => void): Promise<CpuRun> {
  const { sizes } = world;
  const launched = await launch(world, variant, 'cpu');
  try {
    // Warm-up: a fresh worker's first workflows run unoptimised code; they are not counted.
    await paced(launched, 'walk', sizes.warmup, sizes.cpuRatePerSecond, sizes.inFlight);
    const query = walkedQuery(launched);
    const warm = await untilCount(world.client, query, sizes.warmup, WALK_TIMEOUT_MS);
    if (warm < sizes.warmup)
      log(`  ${variant}: only ${warm} of ${sizes.warmup} warm-up incidents walked to the end within ${WALK_TIMEOUT_MS / 1000} s`);
    const pids: Record<string, number> = { worker: launched.running.workerPid, server: world.serverPid };
    if (launched.running.api) pids.api = launched.running.api.pid;
    const window = cpuWindow(pids);
    const fromUs = monotonicUs();
    const opened = await paced(launched, 'walk', sizes.cpuIncidents, sizes.cpuRatePerSecond, sizes.inFlight);
    const walked = (await untilCount(world.client, query, warm + opened.length, WALK_TIMEOUT_MS)) - warm;
    const cpu = window();
    markProfileWindow(`${variant}-cpu`, fromUs, monotonicUs());
    if (walked < opened.length)
      log(`  ${variant}: only ${walked} of ${opened.length} walked to the end within ${WALK_TIMEOUT_MS / 1000} s; measured anyway`);
    const histories = await boundedPool(opened.length, 16, (i) => historyCounts(world, opened[i]?.workflowId ?? ''));
    const end = variant === 'bare' ? 'completed' : 'TIMED_OUT (open, waiting for an answer)';
    const endings = { [end]: walked, ...(walked < opened.length && { 'not yet': opened.length - walked }) };
    return { incidents: opened.length, walked, cpu, histories, endings };
  } finally {
    await launched.close();
  }
}

export async function cpuSection(world: World, variants: readonly VariantName[], log: (line: string) => void): Promise<SectionResult[]> {
  const runs: Partial<Record<VariantName, CpuRun>> = {};
  for (const variant of variants) {
    log(`cpu: ${variant}`);
    runs[variant] = await measure(world, variant, log);
  }
  const per = (f: (run: CpuRun) => number | string) => Object.fromEntries(Object.entries(runs).map(([v, run]) => [v, f(run)]));
  const cores = (name: string) => (run: CpuRun) => (run.cpu.byProcess[name] ?? Number.NaN) / run.cpu.wallMs;
  const mean = (key: keyof HistoryCounts) => (run: CpuRun) => summarize(run.histories.map((h) => h[key])).mean;
  const range = (key: keyof HistoryCounts) => (run: CpuRun) =>
    spread(
      run.histories.map((h) => h[key]),
      ['min', 'p50', 'max'],
    );
  const n = world.sizes.cpuIncidents;

  const cpuRows: Row[] = [
    { figure: '**worker CPU per incident (ms)**', values: per((r) => (r.cpu.byProcess.worker ?? NaN) / r.incidents), ratio: true },
    { figure: 'dev server CPU per incident (ms)', values: per((r) => (r.cpu.byProcess.server ?? NaN) / r.incidents), ratio: true },
    { figure: 'API process CPU per incident (ms)', values: per((r) => (r.cpu.byProcess.api ?? NaN) / r.incidents) },
    {
      figure: 'cores busy: worker / dev server',
      values: per((r) => `${cores('worker')(r).toFixed(2)} / ${cores('server')(r).toFixed(2)}`),
    },
    { figure: 'cores busy: other processes on the machine', values: per((r) => r.cpu.otherMs / r.cpu.wallMs) },
    { figure: 'window: first start → all walked to the end (s)', values: per((r) => r.cpu.wallMs / 1000) },
    {
      figure: 'how they ended',
      values: per((r) =>
        Object.entries(r.endings)
          .map(([k, v]) => `${v} ${k}`)
          .join(', '),
      ),
    },
  ];
  const historyRows: Row[] = [
    { figure: '**history events per incident** (mean)', values: per(mean('events')), ratio: true },
    { figure: 'history events: min / p50 / max', values: per(range('events')) },
    { figure: '**timers started per incident** (mean)', values: per(mean('timersStarted')), ratio: true },
    { figure: '**timers cancelled per incident** (mean)', values: per(mean('timersCancelled')) },
    { figure: 'timers started: min / p50 / max', values: per(range('timersStarted')) },
    { figure: 'workflow tasks per incident (mean)', values: per(mean('workflowTasks')), ratio: true },
    { figure: 'activities scheduled per incident (mean)', values: per(mean('activities')), ratio: true },
    { figure: 'workflow tasks failed (all incidents)', values: per((r) => r.histories.reduce((s, h) => s + h.workflowTasksFailed, 0)) },
  ];
  const json = Object.fromEntries(
    Object.entries(runs).map(([v, r]) => [
      v,
      {
        incidents: r.incidents,
        walked: r.walked,
        workerMsPerIncident: round1((r.cpu.byProcess.worker ?? NaN) / r.incidents),
        serverMsPerIncident: round1((r.cpu.byProcess.server ?? NaN) / r.incidents),
        apiMsPerIncident: r.cpu.byProcess.api === undefined ? null : round1(r.cpu.byProcess.api / r.incidents),
        otherCores: round1((r.cpu.otherMs / r.cpu.wallMs) * 100) / 100,
        wallMs: Math.round(r.cpu.wallMs),
        endings: r.endings,
        history: Object.fromEntries(
          (['events', 'timersStarted', 'timersCancelled', 'workflowTasks', 'activities'] as const).map((k) => [
            k,
            { mean: round1(summarize(r.histories.map((h) => h[k])).mean), max: Math.max(...r.histories.map((h) => h[k])) },
          ]),
        ),
        workflowTasksFailed: r.histories.reduce((s, h) => s + h.workflowTasksFailed, 0),
      },
    ]),
  );
  const policy = 'three levels (level 1 at 0 and repeated 150 ms later, level 2 at 300 ms, level 3 at 600 ms, TIMED_OUT at 900 ms)';
  return [
    {
      title: `1. Worker CPU per incident: ${n} incidents walked to TIMED_OUT at ${world.sizes.cpuRatePerSecond}/s`,
      rows: cpuRows,
      notes: [
        `Policy: ${policy}; every page a webhook to the bench's receiver. ${world.sizes.warmup} warm-up incidents on the fresh worker first, not counted.`,
        'CPU = utime + stime of the worker process (/proc/<pid>/stat) from the first start until visibility counted every incident walked to its end (product: IncidentState TIMED_OUT, which stays open waiting for an answer; bare: completed), divided by the incidents.',
      ],
      json: { cpu: json },
    },
    {
      title: `2. History per incident (the same ${n} incidents)`,
      rows: historyRows,
      notes: [
        "From each workflow's history (its last run): TimerStarted / TimerCanceled / WorkflowTaskCompleted / ActivityTaskScheduled events.",
      ],
      json: {},
    },
  ];
}
