import { VARIANTS, type VariantName } from './options.js';
import { rounded, summarize, type Summary } from '../stats.js';

/** The engine bench's output: markdown tables with the variants side by side, ratios against bare. */

export type Value = number | string | undefined;

export interface Row {
  figure: string;
  values: Partial<Record<VariantName, Value>>;
  /** Print after/bare and before/bare (numbers only). */
  ratio?: boolean;
}

export interface SectionResult {
  title: string;
  rows: Row[];
  notes: string[];
  json: Record<string, unknown>;
}

export function formatValue(value: Value): string {
  if (value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

const ratio = (a: Value, b: Value) => (typeof a === 'number' && typeof b === 'number' && b !== 0 ? `${(a / b).toFixed(2)}×` : '–');

export function markdownTable(headers: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => escape(c).padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function sectionTable(result: SectionResult, variants: readonly VariantName[]): string {
  const shown = VARIANTS.filter((v) => variants.includes(v));
  const ratios = variants.includes('bare') ? shown.filter((v) => v !== 'bare') : [];
  const headers = ['figure', ...shown, ...ratios.map((v) => `${v}/bare`)];
  const rows = result.rows.map((row) => [
    row.figure,
    ...shown.map((v) => formatValue(row.values[v])),
    ...ratios.map((v) => (row.ratio ? ratio(row.values[v], row.values.bare) : '')),
  ]);
  return [`\n### ${result.title}\n`, markdownTable(headers, rows), ...result.notes.map((n) => `\n- ${n}`)].join('\n');
}

/** `p50 / p99 / max` of a sample, as one cell. */
export function spread(values: readonly number[], keys: (keyof Summary)[] = ['p50', 'p99', 'max']): string {
  if (values.length === 0) return '–';
  const s = rounded(summarize(values));
  const whole = values.every((v) => Number.isInteger(v));
  return keys.map((k) => (whole && k !== 'mean' ? String(s[k]) : formatValue(s[k]))).join(' / ');
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
