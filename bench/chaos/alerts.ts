import { workflowIdForKey } from '../../domain/incident.js';
import { sleep } from './api-driver.js';
import { isOpen } from './figures.js';
import type { AlertRun, FaultWindow, ScenarioRun } from './model.js';
import type { ChaosStack } from './stack.js';

/** Sending a scenario's alerts and answers, waiting for them to settle, and gathering what happened. */

export interface ScenarioContext {
  stack: ChaosStack;
  /** Alerts the scenario sends. */
  count: number;
  /** In every key, so two runs (or scenarios) on one server never share an incident. */
  runId: string;
  random: () => number;
  log: (line: string) => void;
}

/** A seeded generator (mulberry32): the same seed gives the same kill moments and answer plans. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function between(random: () => number, min: number, max: number): number {
  return min + random() * (max - min);
}

export class AlertBook {
  readonly alerts: AlertRun[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  readonly startedAt = Date.now();

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly scenario: string,
  ) {}

  /** Sends alert `index`; `then` runs once it is accepted (an answer, a race). */
  send(index: number, then?: (alert: AlertRun) => Promise<void>): AlertRun {
    const key = `${this.scenario}-${this.ctx.runId}-${index}`;
    const alert: AlertRun = {
      key,
      id: workflowIdForKey(key),
      create: { key, firstSentAt: Date.now(), attempts: 0, lastStatus: 0 },
      answers: [],
      settled: false,
    };
    this.alerts.push(alert);
    const body = {
      summary: `chaos ${this.scenario} alert ${index}`,
      severity: 'critical',
      service: 'chaos',
      source: 'chaos-run',
      labels: { scenario: this.scenario },
    };
    this.track(
      this.ctx.stack.driver.create(key, body).then(async (outcome) => {
        alert.create = outcome;
        if (outcome.acceptedAt && then) await then(alert);
      }),
    );
    return alert;
  }

  /** Sends `count` alerts `intervalMs` apart; resolves once the last was sent (not answered). */
  async paced(intervalMs: number, then?: (alert: AlertRun, index: number) => Promise<void> | undefined): Promise<void> {
    const start = Date.now();
    for (let i = 0; i < this.ctx.count; i += 1) {
      const wait = start + i * intervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      this.send(i, then && ((alert) => then(alert, i) ?? Promise.resolve()));
    }
  }

  /** An answer, kept on the alert with its outcome. */
  async answer(alert: AlertRun, kind: 'acknowledge' | 'resolve', by: string): Promise<void> {
    const outcome = await this.ctx.stack.driver.answer(kind, alert.id, by);
    alert.answers.push(outcome);
  }

  /** A responder acknowledges at a random moment of the walk (the share of alerts given). */
  randomAck(share: number): (alert: AlertRun) => Promise<void> | undefined {
    return (alert) => {
      if (this.ctx.random() >= share) return undefined;
      alert.plan = 'ack';
      const delay = between(this.ctx.random, 200, 2_400);
      return sleep(delay).then(() => this.answer(alert, 'acknowledge', 'responder'));
    };
  }

  track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => this.ctx.log(`a request failed unexpectedly: ${String(error)}`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Every alert answered (or given up on), every answer settled. */
  async done(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * Reads every incident until it is settled (final state, no delivery pending) or `timeoutMs` runs
 * out; what is still open then is reported as not settled.
 */
export async function settle(ctx: ScenarioContext, alerts: readonly AlertRun[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = alerts.filter((a) => !a.settled);
    for (let i = 0; i < open.length; i += 8) {
      await Promise.all(
        open.slice(i, i + 8).map(async (alert) => {
          const { status, record } = await ctx.stack.driver.get(alert.id);
          if (!record) {
            alert.readStatus = status;
            return;
          }
          alert.record = record;
          alert.settled = !isOpen(record.state) && record.notifications.every((n) => n.status !== 'pending');
        }),
      );
    }
    const left = alerts.filter((a) => !a.settled).length;
    if (left === 0) return;
    if (Date.now() > deadline) {
      ctx.log(`${left} incident(s) not settled after ${Math.round(timeoutMs / 1000)} s`);
      return;
    }
    await sleep(1_000);
  }
}

/** The scenario's record: alerts, the peer's and the API's logs, and the fault windows. */
export function gather(
  ctx: ScenarioContext,
  book: AlertBook,
  spec: { name: string; title: string; faults: string[]; workers: number; windows?: FaultWindow[] },
): ScenarioRun {
  const { stack } = ctx;
  const startedAt = book.startedAt;
  const endedAt = Date.now();
  const windows = [
    ...stack.workerWindows(startedAt, endedAt, spec.workers),
    ...stack.serverWindows.filter((w) => w.to > startedAt && w.from < endedAt),
    ...(spec.windows ?? []),
  ];
  const lives = stack.workers.flatMap((w) => w.lives).filter((l) => l.spawnedAt >= startedAt && l.readyAt !== undefined);
  return {
    name: spec.name,
    title: spec.title,
    faults: spec.faults,
    startedAt,
    endedAt,
    alerts: book.alerts,
    requests: stack.peer.requests.filter((r) => r.receivedAt >= startedAt),
    calls: stack.driver.calls.filter((c) => c.startedAt >= startedAt && c.kind !== 'get'),
    windows,
    expectation: stack.expectation,
    workerStartsMs: lives.map((l) => (l.readyAt ?? l.spawnedAt) - l.spawnedAt),
  };
}

/** Total length of the windows of one kind, seconds. */
export function windowSeconds(windows: readonly FaultWindow[], kind: FaultWindow['kind']): number {
  return Math.round(windows.filter((w) => w.kind === kind).reduce((sum, w) => sum + (w.to - w.from), 0) / 100) / 10;
}
