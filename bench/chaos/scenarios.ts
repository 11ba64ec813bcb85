import { sleep } from './api-driver.js';
import { AlertBook, between, gather, settle, windowSeconds, type ScenarioContext } from './alerts.js';
import type { AlertRun, FaultWindow, ScenarioRun } from './model.js';
import type { PeerMode } from './peer.js';

/**
 * The faults of issue 9, each its own scenario on a stack of its own (or, in the short test, one
 * stack shared by faults 1, 3 and 6). Every scenario sends `ctx.count` alerts through the API,
 * answers some, injects its fault, waits for every incident to settle and returns what it saw.
 */

export interface ScenarioSizes {
  /** Fault 1: SIGKILLs of the only worker. */
  workerKills: number;
  /** Fault 3: server SIGKILL + restart. */
  serverBounces: number;
  /** Fault 3: how long the server stays down each time. */
  serverDownMs: number;
  /** How long the run waits for the incidents to settle after the faults. */
  settleMs: number;
}

export interface Scenario {
  name: string;
  title: string;
  /** Workers the stack starts with. */
  workers: number;
  run(ctx: ScenarioContext, sizes: ScenarioSizes): Promise<ScenarioRun>;
}

/** Share of alerts a responder acknowledges at a random moment, in the scenarios that are not about answers. */
const ACK_SHARE = 0.2;
const PEER_STRETCH_MS = 4_000;

export const workerKill: Scenario = {
  name: 'worker-kill',
  title: 'Fault 1: the only worker SIGKILLed at random moments under the supervisor',
  workers: 1,
  async run(ctx, sizes) {
    const worker = ctx.stack.workers[0];
    if (!worker) throw new Error('worker-kill needs a worker');
    const first = worker.lives[0];
    const startupMs = first?.readyAt ? first.readyAt - first.spawnedAt : 8_000;
    // Spread the alerts over the kills: each round is a start-up, the restart delay and 0.5-3 s alive.
    const interval = (sizes.workerKills * (startupMs + ctx.stack.restartDelayMs + 1_750)) / ctx.count;
    const book = new AlertBook(ctx, 'worker-kill');
    const sending = book.paced(interval, book.randomAck(ACK_SHARE));
    let kills = 0;
    while (kills < sizes.workerKills) {
      await worker.waitReady(120_000);
      await sleep(between(ctx.random, 500, 3_000));
      if (worker.kill('SIGKILL')) kills += 1;
    }
    ctx.log(`worker-kill: ${kills} kills done`);
    await sending;
    await book.done();
    await worker.waitReady(120_000);
    await settle(ctx, book.alerts, sizes.settleMs);
    const run = gather(ctx, book, { name: this.name, title: this.title, faults: [], workers: 1 });
    run.faults.push(
      `${kills} SIGKILLs of the only worker (restart delay ${ctx.stack.restartDelayMs} ms)`,
      `no worker polling for ${windowSeconds(run.windows, 'no worker')} s in all`,
    );
    return run;
  },
};

export const twoWorkers: Scenario = {
  name: 'two-workers',
  title: 'Fault 2: two workers, one SIGKILLed for good mid-run',
  workers: 2,
  async run(ctx, sizes) {
    const victim = ctx.stack.workers[1];
    if (!victim) throw new Error('two-workers needs two workers');
    const book = new AlertBook(ctx, 'two-workers');
    const killAt = Math.floor(ctx.count * 0.4);
    await book.paced(200, (alert, index) => {
      if (index === killAt) book.track(victim.retire().then(() => ctx.log('two-workers: worker-2 killed for good')));
      return book.randomAck(ACK_SHARE)(alert);
    });
    await book.done();
    await settle(ctx, book.alerts, sizes.settleMs);
    return gather(ctx, book, {
      name: this.name,
      title: this.title,
      faults: [`worker-2 SIGKILLed for good after alert ${killAt} of ${ctx.count}`],
      workers: 1,
    });
  },
};

export const twoWorkersChurn: Scenario = {
  name: 'two-workers-churn',
  title: 'Two workers, one SIGKILLed every few seconds (the goal: level lateness p99 < 1 s)',
  workers: 2,
  async run(ctx, sizes) {
    const victim = ctx.stack.workers[1];
    if (!victim) throw new Error('two-workers-churn needs two workers');
    const book = new AlertBook(ctx, 'two-workers-churn');
    let sent = false;
    const sending = book.paced(200, book.randomAck(ACK_SHARE)).then(() => {
      sent = true;
    });
    let kills = 0;
    while (!sent) {
      await victim.waitReady(120_000);
      await sleep(between(ctx.random, 2_000, 4_000));
      if (!sent && victim.kill('SIGKILL')) kills += 1;
    }
    await sending;
    await book.done();
    await settle(ctx, book.alerts, sizes.settleMs);
    const run = gather(ctx, book, { name: this.name, title: this.title, faults: [], workers: 2 });
    run.faults.push(`${kills} SIGKILLs of worker-2 (restart delay ${ctx.stack.restartDelayMs} ms); worker-1 never killed`);
    run.faults.push(`worker-2 away ${windowSeconds(run.windows, 'one worker of two down')} s in all`);
    return run;
  },
};

export const serverRestart: Scenario = {
  name: 'server-restart',
  title: 'Fault 3: the Temporal server SIGKILLed and restarted mid-escalation',
  workers: 1,
  async run(ctx, sizes) {
    const book = new AlertBook(ctx, 'server-restart');
    const interval = 250;
    const bounceEvery = (ctx.count * interval) / (sizes.serverBounces + 1);
    const sending = book.paced(interval, book.randomAck(ACK_SHARE));
    for (let i = 1; i <= sizes.serverBounces; i += 1) {
      await sleep(Math.max(0, book.startedAt + i * bounceEvery - Date.now()));
      await ctx.stack.bounceServer(sizes.serverDownMs);
    }
    await sending;
    await book.done();
    await Promise.all(ctx.stack.workers.map((w) => w.waitReady(120_000)));
    await settle(ctx, book.alerts, sizes.settleMs);
    const run = gather(ctx, book, { name: this.name, title: this.title, faults: [], workers: 1 });
    const starts = ctx.stack.workers.flatMap((w) => w.lives).filter((l) => l.spawnedAt >= book.startedAt).length;
    run.faults.push(`${sizes.serverBounces} server SIGKILLs, each down ${sizes.serverDownMs / 1000} s before the restart`);
    run.faults.push(
      `worker restarts by the supervisor: ${starts}; no worker polling for ${windowSeconds(run.windows, 'no worker')} s in all`,
    );
    return run;
  },
};

export const peerFaults: Scenario = {
  name: 'peer-faults',
  title: 'Fault 4: the webhook peer answers 500, 429 + Retry-After, hangs, drops connections, then recovers',
  workers: 1,
  async run(ctx, sizes) {
    const { peer } = ctx.stack;
    const book = new AlertBook(ctx, 'peer-faults');
    const modes: [PeerMode, FaultWindow['kind']][] = [
      ['error500', 'peer 500'],
      ['throttle429', 'peer 429'],
      ['hang', 'peer hang'],
      ['drop', 'peer drop'],
    ];
    const windows: FaultWindow[] = [];
    const interval = Math.max(100, (PEER_STRETCH_MS * (2 * modes.length + 1)) / ctx.count);
    const sending = book.paced(interval, book.randomAck(ACK_SHARE));
    await sleep(PEER_STRETCH_MS);
    for (const [mode, kind] of modes) {
      const from = Date.now();
      peer.setMode(mode);
      await sleep(PEER_STRETCH_MS);
      peer.setMode('ok');
      windows.push({ kind, from, to: Date.now() });
      await sleep(PEER_STRETCH_MS);
    }
    await sending;
    await book.done();
    await settle(ctx, book.alerts, sizes.settleMs);
    const run = gather(ctx, book, { name: this.name, title: this.title, faults: [], workers: 1, windows });
    const answered = (mode: string) => run.requests.filter((r) => r.answer === mode).length;
    run.faults.push(
      `${PEER_STRETCH_MS / 1000} s each: 500 (${answered('error500')} requests), 429 Retry-After 1 (${answered('throttle429')}), ` +
        `hang past the 1 s provider timeout (${answered('hang')}), connection destroyed (${answered('drop')})`,
    );
    return run;
  },
};

type Race = 'ack-at-due' | 'resolve-at-due' | 'resolve-in-flight' | 'double-ack';
const RACES: Race[] = ['ack-at-due', 'resolve-at-due', 'resolve-in-flight', 'double-ack'];
/** How long the peer holds the page of a resolve-in-flight incident: under the provider's 1 s timeout. */
const IN_FLIGHT_HOLD_MS = 600;

export const answerRaces: Scenario = {
  name: 'answer-races',
  title: "Fault 5: answers race the timers (ack or resolve exactly at a step's due time, resolve mid-delivery, two acks at once)",
  workers: 1,
  async run(ctx, sizes) {
    const { stack } = ctx;
    const book = new AlertBook(ctx, 'answer-races');
    const holds = new Map<string, AlertRun>();
    stack.peer.onPage((request) => {
      const alert = holds.get(request.workflowId);
      if (!alert || request.level !== 1 || request.repeat !== 0) return undefined;
      holds.delete(request.workflowId);
      // The page is at the peer and its answer held: the delivery is in flight. Resolve now.
      book.track(book.answer(alert, 'resolve', 'responder'));
      return IN_FLIGHT_HOLD_MS;
    });
    const steps = stack.expectation.steps.filter((s) => s.label !== 'L1R0');
    const race = async (alert: AlertRun, index: number) => {
      const kind = RACES[index % RACES.length] as Race;
      if (kind === 'resolve-in-flight') {
        alert.plan = kind;
        holds.set(alert.id, alert);
        return;
      }
      if (kind === 'double-ack') {
        alert.plan = kind;
        await sleep(between(ctx.random, 300, 2_000));
        await Promise.all([book.answer(alert, 'acknowledge', 'responder-a'), book.answer(alert, 'acknowledge', 'responder-b')]);
        return;
      }
      // Exactly at a step's due time, as the client sees it: createdAt + the step's offset, ±20 ms.
      const step = steps[Math.floor(index / RACES.length) % steps.length] ?? steps[0];
      if (!step) return;
      alert.plan = `${kind === 'ack-at-due' ? 'ack' : 'resolve'} at ${step.label}`;
      const createdAt = await createdAtOf(ctx, alert.id);
      if (createdAt === undefined) return;
      await sleep(Math.max(0, createdAt + step.offsetMs + between(ctx.random, -20, 20) - Date.now()));
      await book.answer(alert, kind === 'ack-at-due' ? 'acknowledge' : 'resolve', 'responder');
    };
    await book.paced(200, race);
    await book.done();
    stack.peer.onPage(undefined);
    await settle(ctx, book.alerts, sizes.settleMs);
    const run = gather(ctx, book, { name: this.name, title: this.title, faults: [], workers: 1 });
    const count = (prefix: string) => book.alerts.filter((a) => a.plan?.startsWith(prefix)).length;
    run.faults.push(
      `${count('ack at')} acks and ${count('resolve at')} resolves at a step's due time (±20 ms); ` +
        `${count('resolve-in-flight')} resolves while level 1's page was held ${IN_FLIGHT_HOLD_MS} ms at the peer; ${count('double-ack')} double acks`,
    );
    return run;
  },
};

export const noWorker: Scenario = {
  name: 'no-worker',
  title: 'Fault 6: alerts arrive while no worker runs at all; the worker starts after the last',
  workers: 1,
  async run(ctx, sizes) {
    const { stack } = ctx;
    await Promise.all(stack.workers.map((w) => w.stop()));
    const book = new AlertBook(ctx, 'no-worker');
    await book.paced(50, book.randomAck(ACK_SHARE));
    // The worker starts once every alert has its answer (or its sender gave up), bounded.
    await Promise.race([settledCreates(book), sleep(75_000)]);
    ctx.log(
      `no-worker: ${book.alerts.filter((a) => a.create.acceptedAt).length}/${ctx.count} accepted with no worker; starting the worker`,
    );
    const startAt = Date.now();
    stack.workers[0]?.start();
    await stack.workers[0]?.waitReady(120_000);
    await book.done();
    await settle(ctx, book.alerts, sizes.settleMs);
    const run = gather(ctx, book, { name: this.name, title: this.title, faults: [], workers: 1 });
    run.faults.push(
      `no worker for ${Math.round((startAt - book.startedAt) / 100) / 10} s while ${ctx.count} alerts were sent (20/s); then one worker started`,
    );
    return run;
  },
};

export const SCENARIOS: Scenario[] = [workerKill, twoWorkers, twoWorkersChurn, serverRestart, peerFaults, answerRaces, noWorker];

async function settledCreates(book: AlertBook): Promise<void> {
  // A create's outcome replaces the placeholder (0 attempts) once it is accepted or given up on.
  while (book.alerts.some((a) => a.create.attempts === 0)) await sleep(200);
}

/** The incident's createdAt from its record (its first workflow task), read as soon as it can be. */
async function createdAtOf(ctx: ScenarioContext, id: string): Promise<number | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { record } = await ctx.stack.driver.get(id);
    if (record) return Date.parse(record.createdAt);
    await sleep(50);
  }
  ctx.log(`answer-races: no record for ${id} within 10 s; its race was not run`);
  return undefined;
}
