import type { Percentiles } from '../../domain/analytics.js';
import type { AnalyticsAnswer, OncallLoadAnswer, Source } from '../analytics.js';

/** The terminal view of `escalate stats --by` and `--oncall-load`: a table a person reads at a glance. */
export function formatAnalytics(answer: AnalyticsAnswer): string {
  const header = ['group', 'incidents', 'acked', 'resolved', 'MTTA p50/p90', 'MTTR p50/p90', 'esc/inc', 'unreached', 'breaches'];
  const rows = [...answer.groups, answer.total].map((g) => [
    g.group,
    String(g.incidents),
    String(g.acknowledged),
    String(g.resolved),
    pair(g.mtta),
    pair(g.mttr),
    String(g.escalationsPerIncident),
    String(g.unreachedLevels),
    String(g.slaBreaches),
  ]);
  return [`incidents opened since ${answer.since} (${answer.window}), by ${answer.by}`, table([header, ...rows]), sourceLine(answer.source)]
    .filter(Boolean)
    .join('\n');
}

export function formatOncallLoad(answer: OncallLoadAnswer): string {
  const header = ['person', 'week', 'pages', 'business', 'off hours', 'night'];
  const rows = answer.people.flatMap((p) => [
    [p.person, `all (${p.timezone})`, String(p.pages), String(p.businessHours), String(p.offHours), String(p.night)],
    ...p.weeks.map((w) => ['', w.week, String(w.pages), String(w.businessHours), String(w.offHours), String(w.night)]),
  ]);
  const body = rows.length > 0 ? table([header, ...rows]) : 'nobody was paged';
  return [`pages since ${answer.since} (${answer.window})`, body, sourceLine(answer.source)].filter(Boolean).join('\n');
}

function pair(p: Percentiles): string {
  return p.count === 0 ? '-' : `${duration(p.p50Seconds)} / ${duration(p.p90Seconds)}`;
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 360) / 10}h`;
}

function sourceLine(source: Source): string {
  return source.note ?? '';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
