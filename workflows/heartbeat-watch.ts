import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  log,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  HEARTBEAT_MEMO,
  heartbeatDeadline,
  type HeartbeatActivities,
  type HeartbeatConfigInput,
  type HeartbeatMemo,
  type HeartbeatPing,
  type HeartbeatSpec,
  type HeartbeatStopInput,
  type HeartbeatWorkflowInput,
  type SelfHeartbeatSpec,
} from '../domain/heartbeat-state.js';
import { heartbeatConfigSignal, heartbeatPingSignal, heartbeatStatusQuery, heartbeatStopSignal } from './heartbeat-messages.js';

// Opening or resolving the incident goes through the ingest path (Temporal calls): retried for
// about a quarter of an hour, since a missed beat that opens nothing is what this exists to prevent.
const incidents = proxyActivities<HeartbeatActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
});
// The external ping is one GET: a few quick tries, then the next beat tries again.
const external = proxyActivities<HeartbeatActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3 },
});

const DEFAULT_PINGS_PER_RUN = 500;

/**
 * A dead-man's switch (workflow id `heartbeat-<name>`): one durable timer to the deadline
 * (`every + grace` after the last ping). When it fires with no ping, incident `heartbeat-<name>`
 * opens through the normal routes; the next ping resolves it. The engine's own heartbeat
 * (`self`) pings itself on the same kind of timer and GETs an external URL each time, so a monitor
 * outside hears that server, worker and timers all work. Pings arrive as signals only, so the API
 * accepts them while no worker runs; the state is published in the memo for the same reason.
 */
export async function heartbeatWatch(input: HeartbeatWorkflowInput): Promise<HeartbeatMemo> {
  const watch = new Watch(input);
  setHandler(heartbeatPingSignal, (ping) => watch.ping(ping));
  setHandler(heartbeatConfigSignal, (change) => watch.configure(change));
  setHandler(heartbeatStopSignal, (stop) => watch.stop(stop));
  setHandler(heartbeatStatusQuery, () => watch.memo());

  while (!watch.stopped) {
    if (watch.shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      return makeContinueAsNewFunc<typeof heartbeatWatch>({ memo: { [HEARTBEAT_MEMO]: watch.memo() } })(watch.carry());
    }
    watch.publish();
    const seen = watch.revision;
    const changed = () => watch.revision !== seen;

    const incident = watch.incident;
    if (incident && watch.pings > incident.pings && watch.lastPing) {
      await watch.pingedAgain(incident.id, watch.lastPing.at);
      continue;
    }

    const now = Date.now();
    if (watch.self) {
      const due = watch.lastPing ? Date.parse(watch.lastPing.at) + watch.self.every : now;
      if (now < due) {
        await condition(changed, due - now);
        continue;
      }
      await watch.beat(watch.self);
      continue;
    }

    const deadline = watch.deadline();
    if (now < deadline) {
      await condition(changed, deadline - now);
      continue;
    }
    if (!watch.incident && watch.handledDeadline !== deadline) {
      await watch.missed(deadline);
      continue;
    }
    // Missed and acted on: wait for a ping (or a config change) to move the deadline.
    await condition(changed);
  }
  watch.publish();
  return watch.memo();
}

/** The watch's state and the moves on it; the workflow above only decides when. */
class Watch {
  spec: HeartbeatSpec;
  self: SelfHeartbeatSpec | undefined;
  readonly since: string;
  lastPing: HeartbeatPing | undefined;
  pings: number;
  incident: { id: string; pings: number } | undefined;
  handledDeadline: number | undefined;
  problem: string | undefined;
  selfError: string | undefined;
  stopped: HeartbeatStopInput | undefined;
  revision = 0;
  private pingsThisRun = 0;
  private readonly pingsPerRun: number;
  private published = '';

  constructor(input: HeartbeatWorkflowInput) {
    this.spec = input.spec;
    this.self = input.self;
    this.since = input.since ?? new Date().toISOString();
    this.lastPing = input.lastPing;
    this.pings = input.pings ?? 0;
    this.incident = input.incident;
    this.handledDeadline = input.handledDeadline;
    this.problem = input.problem;
    this.selfError = input.selfError;
    this.pingsPerRun = input.pingsPerRun ?? DEFAULT_PINGS_PER_RUN;
  }

  ping(ping: HeartbeatPing): void {
    // Two pings racing through the API may land out of order: the deadline counts from the later.
    if (!this.lastPing || Date.parse(ping.at) >= Date.parse(this.lastPing.at)) this.lastPing = ping;
    this.pings += 1;
    this.pingsThisRun += 1;
    this.problem = undefined;
    this.revision += 1;
  }

  configure(change: HeartbeatConfigInput): void {
    this.spec = change.spec;
    this.self = change.self;
    this.revision += 1;
  }

  stop(stop: HeartbeatStopInput): void {
    this.stopped = stop;
    log.info('heartbeat watch ends', { heartbeat: this.spec.name, by: stop.by, reason: stop.reason });
    this.revision += 1;
  }

  deadline(): number {
    return heartbeatDeadline(this.spec, this.lastPing ? Date.parse(this.lastPing.at) : undefined, Date.parse(this.since));
  }

  /** The deadline passed without a ping: open the incident (once per silence). */
  async missed(deadline: number): Promise<void> {
    const name = this.spec.name;
    this.handledDeadline = deadline;
    // A ping that lands while the incident is being opened must still resolve it: count from here.
    const pingsAtMiss = this.pings;
    try {
      const result = await incidents.openHeartbeatIncident({
        spec: this.spec,
        deadline: new Date(deadline).toISOString(),
        ...(this.lastPing && { lastPingAt: this.lastPing.at }),
      });
      if (result.escalated) {
        this.incident = { id: result.incidentId, pings: pingsAtMiss };
        this.problem = undefined;
        log.warn('heartbeat missed: incident opened', { heartbeat: name, incident: result.incidentId, lastPing: this.lastPing?.at });
      } else {
        this.problem = `missed at ${new Date(deadline).toISOString()}, no incident opened: ${result.reason}`;
        log.warn('heartbeat missed, but no incident opened', { heartbeat: name, reason: result.reason });
      }
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      this.problem = `missed at ${new Date(deadline).toISOString()}, the incident could not be opened: ${error.cause?.message ?? error.message}`;
      log.error('heartbeat missed and its incident could not be opened; check the routes and the API log', {
        heartbeat: name,
        error: error.cause?.message,
      });
    }
  }

  /** A ping after a miss: the engine resolves the incident the silence opened. */
  async pingedAgain(incidentId: string, pingAt: string): Promise<void> {
    const name = this.spec.name;
    try {
      const outcome = await incidents.resolveHeartbeatIncident({ name, incidentId, pingAt });
      log.info('heartbeat pinged again', { heartbeat: name, incident: incidentId, pingAt, outcome });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      this.problem = `pinged again at ${pingAt}, but ${incidentId} could not be resolved: ${error.cause?.message ?? error.message}; resolve it by hand`;
      log.error('heartbeat pinged again, but its incident could not be resolved; resolve it by hand', {
        heartbeat: name,
        incident: incidentId,
      });
    }
    this.incident = undefined;
  }

  /** The engine's own beat: the external URL first (when set), then the ping on itself. */
  async beat(self: SelfHeartbeatSpec): Promise<void> {
    if (self.url !== undefined) {
      try {
        await external.pingExternalHeartbeat({ url: self.url });
        this.selfError = undefined;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        this.selfError = error.cause?.message ?? error.message;
        log.warn('the external heartbeat URL did not take the ping; trying again next beat', { error: this.selfError });
      }
    }
    this.ping({ at: new Date().toISOString(), by: 'engine' });
  }

  shouldContinueAsNew(): boolean {
    return this.pingsThisRun >= this.pingsPerRun || workflowInfo().continueAsNewSuggested;
  }

  carry(): HeartbeatWorkflowInput {
    return {
      spec: this.spec,
      ...(this.self && { self: this.self }),
      since: this.since,
      ...(this.lastPing && { lastPing: this.lastPing }),
      pings: this.pings,
      ...(this.incident && { incident: this.incident }),
      ...(this.handledDeadline !== undefined && { handledDeadline: this.handledDeadline }),
      ...(this.problem !== undefined && { problem: this.problem }),
      ...(this.selfError !== undefined && { selfError: this.selfError }),
      ...(this.pingsPerRun !== DEFAULT_PINGS_PER_RUN && { pingsPerRun: this.pingsPerRun }),
    };
  }

  memo(): HeartbeatMemo {
    return {
      name: this.spec.name,
      every: this.spec.every,
      grace: this.spec.grace,
      since: this.since,
      ...(this.lastPing && { lastPing: this.lastPing }),
      pings: this.pings,
      ...(this.incident && { incidentId: this.incident.id }),
      ...(this.problem !== undefined && { problem: this.problem }),
      ...(this.self && {
        self: {
          ...(this.self.url !== undefined && { url: this.self.url }),
          ...(this.selfError !== undefined && { lastError: this.selfError }),
        },
      }),
    };
  }

  /** Upserts the memo when it changed: the API's list reads it without a worker. */
  publish(): void {
    const memo = this.memo();
    const text = JSON.stringify(memo);
    if (text === this.published) return;
    this.published = text;
    upsertMemo({ [HEARTBEAT_MEMO]: memo });
  }
}
