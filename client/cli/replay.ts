import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../../domain/config.js';
import { formatDuration, parseDuration } from '../../domain/duration.js';
import { workflowIdForKey, type IncidentRecord } from '../../domain/incident.js';
import { describePage, wouldPages, type WouldPage } from '../../domain/shadow.js';
import { startTimeSkippingServer } from '../../local-temporal/time-skipping.js';
import { createEscalationWorker } from '../../worker/worker.js';
import { acknowledgeSignal, resolveSignal } from '../../workflows/messages.js';
import { IncidentClient } from '../incidents.js';
import { loadConfigFile } from '../../runtime/config-file.js';
import { createLogger, installRuntimeLogger } from '../../runtime/logger.js';
import { parseReplayAlerts, ReplayInputError, type ReplayEvent } from '../replay-input.js';

/**
 * `escalate policy replay`: a recorded alert stream through a config's routes and policies on
 * Temporal's time-skipping test server, with the real workflow and activities. Every incident runs
 * in shadow mode, so no provider is called; the would-be pages are read back from the records.
 */
export interface ReplayOptions {
  config: Config;
  alertsFile: string;
  /** Acknowledge each incident this long after the alert that opened it (unless its line says otherwise). */
  ackAfterMs?: number;
  /** How long escalation goes on after the last alert or answer (default 24 h). */
  horizonMs?: number;
  /** A prebuilt workflow bundle (tests); default the worker's own choice. */
  workflowBundlePath?: string;
}

/** A page the replay would have sent; `at` in the recorded stream's time, `offsetMs` after the first alert. */
export type ReplayPage = Omit<WouldPage, 'reason' | 'recordedAt'> & { incidentId: string; offsetMs: number };

export interface ReplayIncident {
  incidentId: string;
  policy: string;
  severity: string;
  state: string;
  openedAt: string;
  acknowledgedAt?: string;
  closedAt?: string;
}

export interface ReplayResult {
  firstAlertAt: string;
  alerts: number;
  incidents: ReplayIncident[];
  pages: ReplayPage[];
  /** Alerts the gates, an inhibition or the routes turned away: line and reason. */
  notEscalated: { line: number; reason: string }[];
}

const DEFAULT_HORIZON_MS = 24 * 3_600_000;
const TASK_QUEUE = 'escalation-replay';
/** Longer than any replay: the test server times out a signal-with-start without one. */
const INCIDENT_TIMEOUT_MS = 3_650 * 86_400_000;

type Action = ReplayEvent | { kind: 'ack'; at: number; line: number; incidentId: string };

export async function replayAlerts(options: ReplayOptions): Promise<ReplayResult> {
  const events = parseReplayAlerts(readFileSync(options.alertsFile, 'utf8'), options.alertsFile, options.ackAfterMs);
  const first = events[0]!.at;
  const config = inShadow(options.config);
  const env = await startTimeSkippingServer();
  try {
    const worker = await createEscalationWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: TASK_QUEUE,
      config,
      ...(options.workflowBundlePath !== undefined && { workflowBundlePath: options.workflowBundlePath }),
    });
    const running = worker.run();
    running.catch(() => undefined);
    try {
      return await drive(env, config, events, first, options.horizonMs ?? DEFAULT_HORIZON_MS);
    } finally {
      worker.shutdown();
      await running.catch(() => undefined);
    }
  } finally {
    await env.teardown();
  }
}

async function drive(
  env: TestWorkflowEnvironment,
  config: Config,
  events: ReplayEvent[],
  first: number,
  horizonMs: number,
): Promise<ReplayResult> {
  // A plain client, not the environment's: its result() unlocks time skipping while it waits, and
  // the clock would run on to the next timer (up to an incident's timeout) while reading a record.
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  const incidents = new IncidentClient({
    client,
    config,
    taskQueue: TASK_QUEUE,
    answerTimeoutMs: 30_000,
    incidentTimeoutMs: INCIDENT_TIMEOUT_MS,
  });
  const base = await env.currentTimeMs();
  // Server time ↔ stream time: the first alert arrives when the server starts.
  const toServer = (at: number) => base + (at - first);
  const toStream = (serverMs: number) => first + (serverMs - base);
  const skipUntil = async (at: number) => {
    const wait = toServer(at) - (await env.currentTimeMs());
    if (wait > 0) await env.sleep(wait);
  };

  const queue: Action[] = [...events];
  const opened: string[] = [];
  const resolved = new Set<string>();
  /** When (stream time) the alert that opened each incident arrived. */
  const openerAt = new Map<string, number>();
  const notEscalated: ReplayResult['notEscalated'] = [];
  let last = first;
  while (queue.length > 0) {
    queue.sort((a, b) => a.at - b.at);
    const action = queue.shift()!;
    await skipUntil(action.at);
    last = action.at;
    if (action.kind === 'fire') {
      const result = await incidents.startIncident(action.input);
      if (!result.escalated) {
        notEscalated.push({ line: action.line, reason: result.reason });
        continue;
      }
      // The test server does not say whether a signal-with-start started the run: an id not seen yet opened one.
      const isNew = result.created || !opened.includes(result.incidentId);
      if (!opened.includes(result.incidentId)) opened.push(result.incidentId);
      resolved.delete(result.incidentId);
      if (isNew) openerAt.set(result.incidentId, action.at);
      if (isNew && action.ackAt !== undefined)
        queue.push({ kind: 'ack', at: action.ackAt, line: action.line, incidentId: result.incidentId });
    } else if (action.kind === 'ack') {
      // Resolved by its alert before anyone acknowledged it: nothing to acknowledge.
      if (resolved.has(action.incidentId)) continue;
      // Signals, not updates: the test server has no updates.
      await signalIfOpen(client, action.incidentId, (handle) => handle.signal(acknowledgeSignal, { by: 'replay' }));
    } else {
      resolved.add(workflowIdForKey(action.key));
      await signalIfOpen(client, workflowIdForKey(action.key), (handle) =>
        handle.signal(resolveSignal, { by: 'alertmanager', note: `resolved in alertmanager (line ${action.line})` }),
      );
    }
  }
  await skipUntil(last + horizonMs);

  const records: IncidentRecord[] = [];
  for (const id of opened) {
    records.push(await incidents.getIncident(id));
    await signalIfOpen(client, id, (handle) => handle.terminate('replay over'));
  }
  const iso = (serverIso: string) => new Date(toStream(Date.parse(serverIso))).toISOString();
  const pages = records
    .flatMap((record) =>
      wouldPages(record).map((page) => {
        // Counted from the incident's own opening, so the moments the worker took to pick up the
        // new incident (real time, while the server's clock runs) do not shift its pages.
        const opener = openerAt.get(record.workflowId);
        const fromOpening = Date.parse(page.at) - Date.parse(record.reopenedAt ?? record.createdAt);
        const at = opener !== undefined && fromOpening >= 0 ? opener + fromOpening : toStream(Date.parse(page.at));
        const { reason: _reason, recordedAt: _recordedAt, ...where } = page;
        return { ...where, incidentId: record.workflowId, at: new Date(at).toISOString(), offsetMs: at - first };
      }),
    )
    .sort((a, b) => a.offsetMs - b.offsetMs);
  return {
    firstAlertAt: new Date(first).toISOString(),
    alerts: events.filter((e) => e.kind === 'fire').length,
    incidents: records.map((r) => ({
      incidentId: r.workflowId,
      policy: r.policy,
      severity: r.severity,
      state: r.state,
      openedAt: iso(r.createdAt),
      ...(r.acknowledgedAt !== undefined && { acknowledgedAt: iso(r.acknowledgedAt) }),
      ...(r.resolvedAt !== undefined && { closedAt: iso(r.resolvedAt) }),
    })),
    pages,
    notEscalated,
  };
}

type Handle = ReturnType<Client['workflow']['getHandle']>;

async function signalIfOpen(client: Client, workflowId: string, send: (handle: Handle) => Promise<unknown>): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const status = await handle.describe().then(
    (d) => d.status.name,
    () => 'NOT_FOUND',
  );
  if (status === 'RUNNING') await send(handle);
}

/** Every route and the gates in shadow mode: the replay records pages and sends none. */
function inShadow(config: Config): Config {
  return { ...config, gates: { ...config.gates, mode: 'shadow' }, routes: config.routes.map((route) => ({ ...route, mode: 'shadow' })) };
}

/** A line per page: after the first alert, when, which incident, who via what. */
export function formatReplay(result: ReplayResult): string {
  const lines = [
    `replayed ${result.alerts} alert(s) from ${result.firstAlertAt}: ${result.incidents.length} incident(s), ${result.pages.length} page(s) would have gone out`,
  ];
  for (const page of result.pages) {
    const { step, who } = describePage(page);
    lines.push(
      `  +${offset(page.offsetMs).padEnd(9)} ${page.at}  ${page.incidentId}  ${step.padEnd(8)} ${who} via ${page.channel ?? '-'}${page.address && !page.target.includes(page.address) ? ` (${page.address})` : ''}`,
    );
  }
  for (const incident of result.incidents) {
    const answered = incident.acknowledgedAt ? `, acknowledged ${incident.acknowledgedAt}` : '';
    lines.push(
      `  ${incident.incidentId}: ${incident.policy}, ${incident.severity}, opened ${incident.openedAt}${answered}; at the end ${incident.state}`,
    );
  }
  for (const skipped of result.notEscalated) lines.push(`  line ${skipped.line}: not escalated: ${skipped.reason}`);
  return lines.join('\n');
}

function offset(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds === 0 ? '0s' : formatDuration(seconds * 1000);
}

/** Registers `replay` on the `policy` command. */
export function registerReplayCommand(policy: Command): void {
  policy
    .command('replay')
    .description(
      'replay a recorded alert stream (JSON Lines) through the config on the time-skipping test server and print the pages it would send; sends nothing',
    )
    .requiredOption(
      '--alerts <file>',
      'JSON Lines: {"at": "<time>", "alert": <API body>} or {"at": ..., "alertmanager": <webhook body>} per line',
    )
    .option(
      '--ack-after <duration>',
      'acknowledge each incident this long after the alert that opened it (a line’s ackAfter or ackAt wins)',
    )
    .option('--for <duration>', 'how long escalation goes on after the last alert or acknowledgement', '24h')
    .option('--json', 'print the pages and incidents as JSON')
    .action(async function (this: Command, options: { alerts: string; ackAfter?: string; for: string; json?: boolean }) {
      // The worker's own chatter (each incident's moves) would drown the pages: warnings only, unless LOG_LEVEL says otherwise.
      installRuntimeLogger(createLogger(process.env['LOG_LEVEL'] ?? 'warn'));
      const globals = this.optsWithGlobals<{ config?: string }>();
      const config = loadConfigFile(globals.config ?? process.env['ESCALATION_CONFIG'] ?? DEFAULT_CONFIG);
      const ackAfterMs = options.ackAfter === undefined ? undefined : durationOption('--ack-after', options.ackAfter);
      const horizonMs = durationOption('--for', options.for);
      let result: ReplayResult;
      try {
        result = await replayAlerts({
          config,
          alertsFile: options.alerts,
          ...(ackAfterMs !== undefined && { ackAfterMs }),
          horizonMs,
        });
      } catch (error) {
        if (error instanceof ReplayInputError) throw new CommanderError(INVALID, 'escalate.replay', error.message);
        throw error;
      }
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReplay(result)}\n`);
    });
}

const DEFAULT_CONFIG = 'examples/escalation.yaml';
/** Exit code for bad options or input, as the other policy commands use. */
const INVALID = 2;

function durationOption(flag: string, value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new CommanderError(INVALID, 'escalate.replay', `${flag}: ${parsed.reason}`);
  return parsed.ms;
}
