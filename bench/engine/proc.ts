import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/**
 * What one process costs, read from Linux /proc: CPU (utime + stime of /proc/<pid>/stat, in clock
 * ticks of 10 ms) and memory (VmRSS, and VmHWM: the highest RSS since the process started). The
 * engine bench reads the worker's process, not its own: the worker runs in a child process.
 */

const CLOCK_TICKS_PER_SECOND = 100;
const ticksToMs = (ticks: number) => (ticks / CLOCK_TICKS_PER_SECOND) * 1000;

/** CPU time of a process since it started (ms); NaN once it has gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count from the last ')'. utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ticksToMs(Number(fields[11]) + Number(fields[12]));
  } catch {
    return Number.NaN;
  }
}

/** A line of /proc/<pid>/status in bytes (`VmRSS`, `VmHWM`); NaN once the process has gone. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    const kb = Number(line?.split(/\s+/)[1]);
    return Number.isFinite(kb) ? kb * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export const rssBytes = (pid: number) => statusBytes(pid, 'VmRSS');
export const peakRssBytes = (pid: number) => statusBytes(pid, 'VmHWM');

/** Busy CPU time of the whole machine, every core (ms): user, nice, system, irq, softirq, steal. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ticksToMs([user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0));
  } catch {
    return Number.NaN;
  }
}

export interface CpuWindow {
  wallMs: number;
  /** CPU ms per named process over the window. */
  byProcess: Record<string, number>;
  /** CPU ms of everything else on the machine (other sessions' work included). */
  otherMs: number;
}

/**
 * Starts a CPU window over the named processes; the returned function closes it. `bench` is this
 * process, whatever else is named must be a pid.
 */
export function cpuWindow(pids: Record<string, number>): () => CpuWindow {
  const startedAt = performance.now();
  const machine = machineBusyMs();
  const own = process.cpuUsage();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  return () => {
    const spent = process.cpuUsage(own);
    const byProcess: Record<string, number> = { bench: (spent.user + spent.system) / 1000 };
    for (const [name, pid] of Object.entries(pids)) byProcess[name] = processCpuMs(pid) - (start[name] ?? Number.NaN);
    const ours = Object.values(byProcess).reduce((sum, ms) => sum + (Number.isFinite(ms) ? ms : 0), 0);
    return { wallMs: performance.now() - startedAt, byProcess, otherMs: Math.max(0, machineBusyMs() - machine - ours) };
  };
}

/** The 1-, 5- and 15-minute load averages, rounded to 0.01. */
export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);

export const mib = (bytes: number) => bytes / 2 ** 20;
