import { readFileSync } from 'node:fs';

/**
 * CPU time spent during a scenario: by this Node process (client, worker with its workflow thread and
 * the SDK's Rust core, webhook receiver), by the dev server process, and by everything else on the
 * machine (other processes compete for the same cores; on a shared machine that is the first thing to
 * check). Linux /proc; elsewhere the server and machine figures are NaN.
 */
export interface CpuSpent {
  nodeMs: number;
  serverMs: number;
  /** CPU time of every other process on the machine. */
  otherMs: number;
  wallMs: number;
}

const CLOCK_TICKS_PER_SECOND = 100;
const ticksToMs = (ticks: number) => (ticks / CLOCK_TICKS_PER_SECOND) * 1000;

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function processCpuMs(pid: number): number {
  return readOr(() => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ticksToMs(Number(fields[11]) + Number(fields[12]));
  }, Number.NaN);
}

/** Busy CPU time of the whole machine (every core): user, nice, system, irq, softirq, steal. */
function machineBusyMs(): number {
  return readOr(() => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ticksToMs([user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0));
  }, Number.NaN);
}

export function cpuMeter(serverPid: number): () => CpuSpent {
  const node = process.cpuUsage();
  const server = processCpuMs(serverPid);
  const machine = machineBusyMs();
  const began = performance.now();
  return () => {
    const spent = process.cpuUsage(node);
    const nodeMs = (spent.user + spent.system) / 1000;
    const serverMs = processCpuMs(serverPid) - server;
    return { nodeMs, serverMs, otherMs: Math.max(0, machineBusyMs() - machine - nodeMs - serverMs), wallMs: performance.now() - began };
  };
}

/** `CPU per incident: node 52 ms + dev server 40 ms; cores busy: bench 0.98, other processes 1.1 (of 2)` */
export function describeCpu(spent: CpuSpent, incidents: number, cores: number): string {
  const per = (ms: number) => (ms / incidents).toFixed(1);
  const coresBusy = (ms: number) => (ms / spent.wallMs).toFixed(2);
  return (
    `CPU per incident: node ${per(spent.nodeMs)} ms + dev server ${per(spent.serverMs)} ms; ` +
    `cores busy: bench ${coresBusy(spent.nodeMs + spent.serverMs)}, other processes ${coresBusy(spent.otherMs)} (of ${cores})`
  );
}
