import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { formatNumber, table, type Cell } from '../report.js';
import { rounded, summarize, type Summary } from '../stats.js';
import type { Figures, Problem } from './figures.js';
import type { ScenarioRun } from './model.js';

/** The tables a failure run prints, and the section of RELIABILITY.md it regenerates. */

export interface Checked {
  run: ScenarioRun;
  figures: Figures;
}

/** The invariants of DESIGN.md section 9 that must hold in every run, whatever the timings. */
export function violations(f: Figures): number {
  return (
    f.lost.length +
    f.wrongState.length +
    f.stepsLost.length +
    f.early.length +
    f.afterAnswer.length +
    f.raceProblems.length +
    f.unexpected.length
  );
}

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
const trio = (s: Summary) =>
  s.n === 0 ? '-' : `${formatNumber(rounded(s).p50)} / ${formatNumber(rounded(s).p99)} / ${formatNumber(rounded(s).max)}`;

/** A scenario's tables, then the first `problems` problems of each kind with their incident's timeline. */
export function scenarioTables(c: Checked, problems = 3): string {
  const { run, figures: f } = c;
  const seconds = Math.round((run.endedAt - run.startedAt) / 1000);
  const out: string[] = [`\n=== ${run.title} (${run.name}, ${seconds} s)`, ...run.faults.map((line) => `  fault: ${line}`)];
  out.push(
    table(
      'Invariants',
      ['', 'value'],
      [
        ['alerts sent / accepted (2xx) / incidents read', `${f.alerts} / ${f.accepted} / ${f.exist}`],
        ['incidents lost (none, or not settled)', String(f.lost.length)],
        ['incidents in the wrong final state', String(f.wrongState.length)],
        [
          'steps required / delivered / superseded by the answer / LOST',
          `${f.stepsExpected} / ${f.stepsDelivered} / ${f.stepsSuperseded} / ${f.stepsLost.length}`,
        ],
        ['  superseded: largest (answer taken − due), ms', f.stepsSuperseded ? String(f.supersededMaxGapMs) : '-'],
        ['steps (or TIMED_OUT) before their due time', String(f.early.length)],
        ['pages started after the answer was taken', String(f.afterAnswer.length)],
        [
          '  … per the history: handed out before / after the cancel request',
          f.afterAnswer.length
            ? `${f.afterAnswerTraced.beforeCancel} / ${f.afterAnswerTraced.afterCancel}${f.afterAnswerTraced.unexplained ? ` (${f.afterAnswerTraced.unexplained} not traced)` : ''}`
            : '-',
        ],
        ['  … of them started after the responder was told (the 200 had arrived)', String(f.afterConfirmed.length)],
        ['superseded steps the record calls failed', String(f.failedByAnswer.length)],
        ['pages where the record and the peer disagree', String(f.recordMismatch.length)],
        ['answer races gone wrong (double ack)', String(f.raceProblems.length)],
        ['pages the policy does not have', String(f.unexpected.length)],
        ['page requests at the peer / 2xx deliveries', `${f.pageRequests} / ${f.deliveries}`],
        ['duplicate deliveries (same idempotency key)', `${f.duplicateDeliveries} (${pct(f.duplicateDeliveries, f.deliveries)})`],
      ],
    ),
  );
  const late: Cell[][] = Object.entries(f.lateness)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, s]) => summaryCells(label, s));
  late.push(summaryCells('all steps', f.latenessAll), summaryCells('TIMED_OUT', f.timeoutLateness));
  out.push(table('Lateness: first 2xx arrival − due (ms)', ['step', 'n', 'p50', 'p99', 'max'], late));
  out.push(
    table(
      'Where the time goes (ms)',
      ['', 'n', 'p50', 'p99', 'max'],
      [
        summaryCells('step taken by the workflow − due', f.phases.taken),
        summaryCells('delivering attempt started − step taken', f.phases.started),
        summaryCells('arrival − that attempt started', f.phases.transfer),
        summaryCells('worker start: spawn → polling', summarize(run.workerStartsMs)),
        ...Object.entries(f.recovery).map(([kind, s]) => summaryCells(`due during "${kind}": arrival − back`, s)),
        summaryCells('accepted → createdAt (first workflow task)', f.acceptedToCreated),
      ],
    ),
  );
  const h = f.historyPhases;
  if (h) {
    out.push(
      table(
        `The same, from the histories of the ${h.incidents} latest incidents (ms)`,
        ['', 'n', 'p50', 'p99', 'max'],
        [
          summaryCells('TimerFired (or task scheduled) − due', h.timerFired),
          summaryCells('workflow task picked up by a worker − that', h.taskPickedUp),
          summaryCells('workflow task ran (delivery scheduled)', h.taskRan),
          summaryCells('delivery picked up by a worker − scheduled', h.deliveryPickedUp),
          summaryCells('arrival at the peer − picked up', h.delivered),
        ],
      ),
    );
  }
  out.push(
    table(
      'API answer times (ms)',
      ['', 'n', 'p50', 'p99', 'max'],
      [
        summaryCells('POST /v1/incidents, each attempt', f.api.create),
        summaryCells('  … attempts started during a fault', f.api.createDuringFault),
        summaryCells('  alert first sent → accepted (retries included)', f.api.acceptEndToEnd),
        summaryCells('acknowledge / resolve, each attempt', f.api.answer),
        summaryCells('  … attempts started during a fault', f.api.answerDuringFault),
      ],
    ),
  );
  const statuses = Object.entries(f.api.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}: ${n}`);
  out.push(`API answers by status: ${statuses.join(', ') || 'none'}`);
  const t = f.taskFailures;
  if (t && t.failures > 0) {
    out.push(`workflow tasks FAILED (not timed out): ${t.failures} in ${t.incidents} incident(s), e.g. ${t.examples.join(', ')}`);
    for (const [reason, n] of Object.entries(t.byReason)) out.push(`  ${n}× ${reason}`);
  } else if (t) {
    out.push('workflow tasks failed: none');
  }
  if (t && Object.keys(t.timeouts).length > 0) {
    out.push(
      `workflow tasks timed out: ${Object.entries(t.timeouts)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')}`,
    );
  }
  if (f.api.refusedAfterTaking > 0) {
    out.push(`answers retried after a 503 that then heard 409 although their first attempt had taken effect: ${f.api.refusedAfterTaking}`);
  }
  out.push(...problemLines(f, problems));
  return out.join('\n');
}

function summaryCells(name: string, s: Summary): Cell[] {
  const r = rounded(s);
  return [name, String(r.n), r.p50, r.p99, r.max];
}

/** The first `limit` problems of each kind, with the incident's timeline. */
export function problemLines(f: Figures, limit: number): string[] {
  const kinds: [string, Problem[]][] = [
    ['LOST incident', f.lost],
    ['WRONG final state', f.wrongState],
    ['LOST step', f.stepsLost],
    ['EARLY', f.early],
    ['PAGE AFTER CONFIRMED ANSWER', f.afterConfirmed],
    ['PAGE AFTER ANSWER', f.afterAnswer],
    ['RACE', f.raceProblems],
    ['FAILED-BY-ANSWER (record)', f.failedByAnswer],
    ['RECORD MISMATCH', f.recordMismatch],
    ['UNEXPECTED page', f.unexpected],
  ];
  const lines: string[] = [];
  for (const [kind, problems] of kinds) {
    for (const p of problems.slice(0, limit)) lines.push(`${kind}: ${p.incident}: ${p.what}\n${p.detail}`);
    if (problems.length > limit) {
      const which =
        limit === 0 ? `${problems.length}, e.g. ${problems[0]?.incident}: ${problems[0]?.what}` : `… and ${problems.length - limit} more`;
      lines.push(`${kind}: ${which} (all in .artifacts/chaos/<topology>.json)`);
    }
  }
  return lines;
}

export interface RunFacts {
  topology: string;
  serverDescription: string;
  command: string;
  date: string;
  cores: number;
  cpuModel: string;
  loadAtStart: number[];
  loadAtEnd: number[];
  node: string;
  seed: number;
  count: number;
  policy: string;
  delivery: string;
}

/** RELIABILITY.md's section for one topology: a summary row per scenario, then each scenario's tables. */
export function reliabilitySection(facts: RunFacts, checked: Checked[]): string {
  const rows = checked.map(({ run, figures: f }) => [
    run.name,
    `${f.exist}/${f.alerts}`,
    f.lost.length + f.wrongState.length,
    f.stepsLost.length,
    f.early.length,
    `${f.afterAnswer.length} (${f.afterConfirmed.length})`,
    f.recordMismatch.length,
    `${f.duplicateDeliveries} (${pct(f.duplicateDeliveries, f.deliveries)})`,
    trio(f.latenessAll),
    trio(f.api.create),
    trio(f.api.createDuringFault),
    Object.entries(f.api.statuses)
      .filter(([k]) => !/ 20[012]$/.test(k))
      .map(([k, n]) => `${k}: ${n}`)
      .join('; ') || 'none',
  ]);
  const header = [
    'scenario',
    'incidents',
    'lost / wrong state',
    'steps lost',
    'early',
    'pages after answer taken (after 200)',
    'record ≠ peer',
    'duplicates',
    'lateness ms p50/p99/max',
    'create ms p50/p99/max',
    'create during fault ms',
    'API non-2xx',
  ];
  const md = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(String).join(' | ')} |`).join('\n');
  return [
    `## ${facts.topology}`,
    '',
    `Run ${facts.date} with \`${facts.command}\` (seed ${facts.seed}, ${facts.count} alerts per scenario), on ${facts.cores} cores (${facts.cpuModel}), ` +
      `load average ${facts.loadAtStart.join(' ')} at the start and ${facts.loadAtEnd.join(' ')} at the end; Node ${facts.node}.`,
    `Server: ${facts.serverDescription}. Policy: ${facts.policy}. Delivery: ${facts.delivery}.`,
    '',
    md,
    '',
    ...goalLines(checked),
    '',
    '<details><summary>Each scenario: invariants, lateness, where the time goes, API answer times</summary>',
    '',
    '```',
    // The problems themselves (incident, timeline) are on stdout and in .artifacts/chaos/<topology>.json.
    ...checked.map((c) => scenarioTables(c, 0).trim()),
    '```',
    '',
    '</details>',
  ].join('\n');
}

/** Issue 9's goals, each with the figure that answers it. */
export function goalLines(checked: Checked[]): string[] {
  const by = (name: string) => checked.find((c) => c.run.name === name)?.figures;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not run' : ok ? 'met' : '**missed**');
  const zero = checked.map((c) => `${c.run.name} ${violations(c.figures)}`).join(', ');
  const churn = by('two-workers-churn')?.latenessAll;
  const kill = by('worker-kill')?.recovery['no worker'];
  const noWorker = by('no-worker')?.api.create;
  const duringFaults = checked.map((c) => ({ name: c.run.name, s: c.figures.api.createDuringFault })).filter((x) => x.s.n > 0);
  const worstFault = duringFaults.sort((a, b) => b.s.p99 - a.s.p99)[0];
  const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : `${formatNumber(v)} ms`);
  return [
    'Goals (issue 9):',
    '',
    `- 0 incidents lost, 0 steps lost, 0 early, 0 pages started after an answer was taken, in every run: ${verdict(checked.every((c) => violations(c.figures) === 0))} (violations per scenario: ${zero}).`,
    `- Two workers, one killed every few seconds, level lateness p99 < 1 s: ${verdict(churn && churn.n > 0 ? churn.p99 < 1_000 : undefined)} (p99 ${ms(churn?.p99)}).`,
    `- The only worker killed, a due step delivered within start-up + 1 s of the restart (arrival − the worker polling again ≤ 1 s): ${verdict(kill && kill.n > 0 ? kill.p99 <= 1_000 : undefined)} (p50 ${ms(kill?.p50)}, p99 ${ms(kill?.p99)}, max ${ms(kill?.max)}).`,
    `- Alert accepted p99 < 100 ms with no worker running: ${verdict(noWorker && noWorker.n > 0 ? noWorker.p99 < 100 : undefined)} (p99 ${ms(noWorker?.p99)}); ` +
      `and during every fault: ${verdict(worstFault ? worstFault.s.p99 < 100 : undefined)} (worst: ${worstFault ? `${worstFault.name} p99 ${ms(worstFault.s.p99)}` : '-'}).`,
  ];
}

const START = (topology: string) => `<!-- chaos:${topology}:start -->`;
const END = (topology: string) => `<!-- chaos:${topology}:end -->`;

const PREAMBLE = `# Reliability: failure runs

What "nothing is lost" (DESIGN.md section 9) measured: \`npm run chaos\` (bench/chaos/) starts a Temporal
server, a webhook peer, the API and supervised workers on 127.0.0.1, sends alerts through the HTTP API
on a millisecond policy, injects one fault per scenario, then checks every incident from the peer's log,
the API's answers and the incident's final record. Each topology's section below is regenerated by its
last run; the invariants (0 lost, 0 steps lost, 0 early, 0 pages after an answer) must be 0 in every row.

How to read the figures: a step is due at createdAt + its offset, each offset counted from the due time
before it (DESIGN.md section 4). "Early" and "after the answer" compare the attempt's start (the
webhook body's \`sentAt\`, the provider's clock when it began the attempt) with the due time and with the
timeline's move to ACKNOWLEDGED/RESOLVED. For an answered incident only the steps due before the
answer was taken are required; one of those the answer withdrew (\`cancelled\` in the record) or
reached first is counted as superseded, not lost. Duplicates are 2xx deliveries of an idempotency key
beyond the first: what a receiver that ignores the key would see twice.
`;

/**
 * Rewrites the topology's section of RELIABILITY.md (between its markers), keeping the others and
 * the hand-written text around them, formatted as `npm run lint` (prettier --check) wants it.
 */
export async function writeReliability(file: string, topology: string, section: string): Promise<void> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : PREAMBLE;
  const block = `${START(topology)}\n${section}\n${END(topology)}`;
  const start = text.indexOf(START(topology));
  const end = text.indexOf(END(topology));
  const next =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${block}${text.slice(end + END(topology).length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(next, { ...options, filepath: file }));
}
