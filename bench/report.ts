import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolveTemporalCli } from '../worker/temporal-binary.js';
import { rounded, type Summary } from './stats.js';

/** Plain-text tables for the terminal, plus the facts about the machine the figures came from. */

export type Cell = string | number;

export function table(title: string, headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [`\n${title}`, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toFixed(1);
}

export const SUMMARY_HEADERS = ['', 'n', 'p50', 'p95', 'p99', 'max', 'mean'];

export function summaryRow(name: string, summary: Summary): Cell[] {
  const r = rounded(summary);
  return [name, r.n, r.p50, r.p95, r.p99, r.max, r.mean];
}

/** A target check as printed: `p50 41.2 < 50 ok` or `p99 312 < 250 MISSED`. */
export function verdict(label: string, value: number, limit: number): string {
  return `${label} ${formatNumber(value)} ms < ${limit} ms: ${value < limit ? 'met' : 'MISSED'}`;
}

export interface MachineFacts {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  temporal: string;
  loadAverageAtStart: number[];
}

export function machineFacts(): MachineFacts {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  let temporal = 'unknown';
  try {
    temporal = execFileSync(resolveTemporalCli().path, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    temporal = `unknown (${(error as Error).message})`;
  }
  return {
    cpuModel,
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    temporal,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
