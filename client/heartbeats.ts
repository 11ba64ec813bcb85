import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../domain/config.js';
import { formatDuration } from '../domain/duration-text.js';
import {
  ENGINE_HEARTBEAT,
  engineHeartbeatSpec,
  HEARTBEAT_MEMO,
  HEARTBEAT_WORKFLOW_TYPE,
  heartbeatDeadline,
  heartbeatSpec,
  heartbeatState,
  heartbeatWorkflowId,
  type HeartbeatConfigInput,
  type HeartbeatMemo,
  type HeartbeatPing,
  type HeartbeatPingAnswer,
  type HeartbeatSpec,
  type HeartbeatStatus,
  type HeartbeatWorkflowInput,
} from '../domain/heartbeat.js';
import { ACCEPT_DEADLINE_MS } from './incidents.js';
import { holderOf, type ConfigHolder, type ConfigSource } from '../runtime/config-holder.js';
import { heartbeatConfigSignal, heartbeatPingSignal, heartbeatStopSignal } from '../workflows/heartbeat-messages.js';

/** A ping for a heartbeat the config does not define; nothing was recorded. */
export class HeartbeatNotFoundError extends Error {
  constructor(
    readonly heartbeat: string,
    readonly configured: string[],
  ) {
    super(
      heartbeat === ENGINE_HEARTBEAT
        ? `${ENGINE_HEARTBEAT} is the engine's own heartbeat and pings itself; ping a heartbeat of the config instead (${list(configured)})`
        : `no heartbeat "${heartbeat}" in the config (configured: ${list(configured)}); add it under heartbeats: or fix the name`,
    );
    this.name = 'HeartbeatNotFoundError';
  }
}

const list = (names: string[]) => (names.length > 0 ? names.join(', ') : 'none');

export interface HeartbeatClientOptions {
  client: Client;
  /** A fixed config, or the holder a reload replaces: each call reads the one in force. */
  config: ConfigSource;
  taskQueue: string;
  /** Only for Temporal's time-skipping test server (see AcceptAlert.timeoutMs); real servers need none. */
  timeoutMs?: number;
  /**
   * How long a ping or a list may wait for the Temporal server before it counts as unreachable
   * (default 2 s, as for an alert): the API answers 503 + Retry-After and a cron job can retry,
   * instead of hanging on the SDK's reconnects while the server restarts.
   */
  deadlineMs?: number;
  now?: () => number;
}

export interface HeartbeatSyncResult {
  started: string[];
  updated: string[];
  stopped: string[];
}

/** The watches a config asks for: each heartbeat of it, and the engine's own. */
export function configuredWatches(config: Config): HeartbeatConfigInput[] {
  return [...config.heartbeats.map((heartbeat) => ({ spec: heartbeatSpec(heartbeat) })), engineHeartbeatSpec(config.selfHeartbeat)];
}

/**
 * Pings, lists and starts heartbeat watches (workflows/heartbeat-watch.ts). A ping is one
 * signal-with-start: the server takes it whether or not a worker runs, and starts the watch if it
 * is not running yet. The list reads each watch's memo through describe, so it needs no worker either.
 */
export class HeartbeatClient {
  private readonly holder: ConfigHolder;

  constructor(private readonly options: HeartbeatClientOptions) {
    this.holder = holderOf(options.config);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async ping(name: string, by: string, note?: string): Promise<HeartbeatPingAnswer> {
    const config = this.holder.current;
    const heartbeat = config.heartbeats.find((h) => h.name === name);
    if (!heartbeat)
      throw new HeartbeatNotFoundError(
        name,
        config.heartbeats.map((h) => h.name),
      );
    const receivedAt = new Date(this.now()).toISOString();
    const ping: HeartbeatPing = { at: receivedAt, by, ...(note !== undefined && { note }) };
    const spec = heartbeatSpec(heartbeat);
    const workflowId = heartbeatWorkflowId(name);
    // Used only when the watch is not running: then this ping is its first, and the memo says so at once.
    await this.withinDeadline(() => this.options.client.workflow.signalWithStart(HEARTBEAT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: this.options.taskQueue,
      args: [{ spec, since: receivedAt } satisfies HeartbeatWorkflowInput],
      signal: heartbeatPingSignal,
      signalArgs: [ping],
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { [HEARTBEAT_MEMO]: { name, every: spec.every, grace: spec.grace, since: receivedAt, lastPing: ping, pings: 1 } },
      ...this.timeouts(),
    }));
    return { name, workflowId, receivedAt, accepted: true };
  }

  /** Every heartbeat of the config in force and the engine's own, in config order. */
  async list(): Promise<HeartbeatStatus[]> {
    const config = this.holder.current;
    const now = this.now();
    return this.withinDeadline(() =>
      Promise.all(configuredWatches(config).map(({ spec, self }) => this.status(spec, self !== undefined, self?.url, now))),
    );
  }

  private async status(spec: HeartbeatSpec, engine: boolean, url: string | undefined, now: number): Promise<HeartbeatStatus> {
    const memo = await this.memoOf(spec.name);
    const since = memo ? Date.parse(memo.since) : undefined;
    const lastPingAt = memo?.lastPing ? Date.parse(memo.lastPing.at) : undefined;
    const state = since === undefined ? 'never-pinged' : heartbeatState(spec, lastPingAt, since, now);
    return {
      name: spec.name,
      engine,
      every: formatDuration(spec.every),
      grace: formatDuration(spec.grace),
      severity: spec.severity,
      ...(spec.service !== undefined && { service: spec.service }),
      state,
      ...(memo?.lastPing && { lastPing: memo.lastPing }),
      ...(since !== undefined && { nextDeadline: new Date(heartbeatDeadline(spec, lastPingAt, since)).toISOString() }),
      pings: memo?.pings ?? 0,
      ...(memo?.incidentId !== undefined && { incidentId: memo.incidentId }),
      ...(memo?.problem !== undefined && { problem: memo.problem }),
      watching: memo !== undefined,
      ...(url !== undefined && { url }),
      ...(memo?.self?.lastError !== undefined && { urlError: memo.self.lastError }),
    };
  }

  /** The running watch's memo; undefined when none runs for this task queue. */
  private async memoOf(name: string): Promise<HeartbeatMemo | undefined> {
    try {
      const description = await this.options.client.workflow.getHandle(heartbeatWorkflowId(name)).describe();
      if (description.status.name !== 'RUNNING' || description.taskQueue !== this.options.taskQueue) return undefined;
      const memo = description.memo?.[HEARTBEAT_MEMO];
      return isMemo(memo) ? memo : undefined;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Brings the running watches in line with the config: starts the missing ones, sends the
   * running ones their (maybe changed) settings, and ends the ones whose heartbeat left the
   * config. Idempotent: worker start-up, `escalate setup` and every reload call it.
   */
  async sync(by = 'engine', options: { endRemoved?: boolean } = {}): Promise<HeartbeatSyncResult> {
    const config = this.holder.current;
    const wanted = configuredWatches(config);
    const result: HeartbeatSyncResult = { started: [], updated: [], stopped: [] };
    for (const change of wanted) {
      const running = (await this.memoOf(change.spec.name)) !== undefined;
      const since = new Date(this.now()).toISOString();
      await this.options.client.workflow.signalWithStart(HEARTBEAT_WORKFLOW_TYPE, {
        workflowId: heartbeatWorkflowId(change.spec.name),
        taskQueue: this.options.taskQueue,
        args: [{ ...change, since } satisfies HeartbeatWorkflowInput],
        signal: heartbeatConfigSignal,
        signalArgs: [change],
        workflowIdConflictPolicy: 'USE_EXISTING',
        memo: { [HEARTBEAT_MEMO]: { name: change.spec.name, every: change.spec.every, grace: change.spec.grace, since, pings: 0 } },
        ...this.timeouts(),
      });
      (running ? result.updated : result.started).push(change.spec.name);
    }
    if (options.endRemoved === false) return result;
    const names = new Set(wanted.map((w) => w.spec.name));
    const query = `WorkflowType = "${HEARTBEAT_WORKFLOW_TYPE}" AND TaskQueue = "${this.options.taskQueue}" AND ExecutionStatus = "Running"`;
    for await (const execution of this.options.client.workflow.list({ query })) {
      const name = execution.workflowId.replace(/^heartbeat-/, '');
      if (names.has(name)) continue;
      await this.options.client.workflow
        .getHandle(execution.workflowId)
        .signal(heartbeatStopSignal, { by, reason: `heartbeat ${name} is no longer in the config` });
      result.stopped.push(name);
    }
    return result;
  }

  private withinDeadline<T>(work: () => Promise<T>): Promise<T> {
    return this.options.client.withDeadline(Date.now() + (this.options.deadlineMs ?? ACCEPT_DEADLINE_MS), work);
  }

  private timeouts() {
    const ms = this.options.timeoutMs;
    return ms === undefined ? {} : { workflowExecutionTimeout: ms, workflowRunTimeout: ms };
  }
}

function isMemo(value: unknown): value is HeartbeatMemo {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { since?: unknown }).since === 'string'
  );
}
