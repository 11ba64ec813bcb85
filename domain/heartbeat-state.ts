/**
 * Heartbeats (a dead-man's switch) without a schema: the types and decisions the heartbeat
 * workflow, the API and the CLI share. Pure and free of zod, so workflow code may import it;
 * domain/heartbeat.ts adds the config and API schemas.
 */
import { formatDuration } from './duration-text.js';
import type { Severity } from './severity-order.js';

/** The heartbeat the engine keeps on itself: a missed beat means the engine cannot page. */
export const ENGINE_HEARTBEAT = 'escalation-engine';
export const HEARTBEAT_WORKFLOW_TYPE = 'heartbeatWatch';
/** The watch's memo key: the API lists heartbeats from it, without asking a worker. */
export const HEARTBEAT_MEMO = 'heartbeat';
/** How often the engine pings itself when `selfHeartbeat.every` is not set. */
export const DEFAULT_SELF_EVERY_MS = 60_000;

/** One heartbeat as the watch runs it (durations in milliseconds). */
export interface HeartbeatSpec {
  name: string;
  every: number;
  grace: number;
  severity: Severity;
  service?: string;
  /** Replaces the generated summary of the incident a missed beat opens. */
  summary?: string;
}

/** The engine's own heartbeat: pings itself every `every` and, when set, GETs `url` each time. */
export interface SelfHeartbeatSpec {
  every: number;
  url?: string;
}

export type HeartbeatState = 'healthy' | 'late' | 'missing' | 'never-pinged';

export interface HeartbeatPing {
  /** When the API received the ping (ISO). */
  at: string;
  /** Who pinged: `api:<token name>`, or `engine` for the engine's own beat. */
  by: string;
  note?: string;
}

/** The watch's workflow id: `heartbeat-<name>`. */
export const heartbeatWorkflowId = (name: string): string => `heartbeat-${name}`;
/** The key of the incident a missed beat opens (its incident id is `incident-heartbeat-<name>`). */
export const heartbeatIncidentKey = (name: string): string => `heartbeat-${name}`;

/** When the heartbeat counts as missing: `every + grace` after the last ping, else after watching began. */
export function heartbeatDeadline(spec: Pick<HeartbeatSpec, 'every' | 'grace'>, lastPingAt: number | undefined, since: number): number {
  return (lastPingAt ?? since) + spec.every + spec.grace;
}

/** When the next ping is due (past it, the heartbeat is late, not yet missing). */
export function heartbeatDueAt(spec: Pick<HeartbeatSpec, 'every'>, lastPingAt: number | undefined, since: number): number {
  return (lastPingAt ?? since) + spec.every;
}

/**
 * healthy: pinged within `every`; late: within the grace after it; missing: past `every + grace`
 * (an incident is open, or was); never-pinged: no ping yet and the first deadline not passed.
 */
export function heartbeatState(
  spec: Pick<HeartbeatSpec, 'every' | 'grace'>,
  lastPingAt: number | undefined,
  since: number,
  now: number,
): HeartbeatState {
  if (now >= heartbeatDeadline(spec, lastPingAt, since)) return 'missing';
  if (lastPingAt === undefined) return 'never-pinged';
  return now >= heartbeatDueAt(spec, lastPingAt, since) ? 'late' : 'healthy';
}

/** What the watch publishes in its memo (and answers its status query with). */
export interface HeartbeatMemo {
  name: string;
  every: number;
  grace: number;
  /** When watching began (ISO): the first deadline counts from here. */
  since: string;
  lastPing?: HeartbeatPing;
  pings: number;
  /** The incident the current silence opened, while no ping has come since. */
  incidentId?: string;
  /** Why a missed beat opened no incident (gated off, inhibited, no route): for the list. */
  problem?: string;
  /** The engine's own heartbeat: its external URL and the last error pinging it. */
  self?: { url?: string; lastError?: string };
}

/** The incident a missed beat opens: keyed `heartbeat-<name>`, through the normal routes. */
export interface HeartbeatIncident {
  key: string;
  summary: string;
  severity: Severity;
  source: 'heartbeat';
  service?: string;
  labels: Record<string, string>;
  details: Record<string, string>;
}

export function heartbeatIncident(spec: HeartbeatSpec, lastPingAt: string | undefined, deadline: string): HeartbeatIncident {
  const window = `expected every ${formatDuration(spec.every)}${spec.grace > 0 ? ` with ${formatDuration(spec.grace)} grace` : ''}`;
  const silence = lastPingAt ? `last ping ${lastPingAt}` : 'never pinged';
  return {
    key: heartbeatIncidentKey(spec.name),
    summary: spec.summary ?? `Heartbeat ${spec.name} missed: ${silence}, ${window}`,
    severity: spec.severity,
    source: 'heartbeat',
    ...(spec.service !== undefined && { service: spec.service }),
    labels: { heartbeat: spec.name },
    details: {
      heartbeat: spec.name,
      lastPing: lastPingAt ?? 'never',
      deadline,
      every: formatDuration(spec.every),
      grace: formatDuration(spec.grace),
    },
  };
}

/** The engine's reason for resolving the incident a silence opened. */
export const heartbeatResolveReason = (name: string, pingAt: string): string => `heartbeat ${name} pinged again at ${pingAt}`;

export interface OpenHeartbeatIncidentRequest {
  spec: HeartbeatSpec;
  lastPingAt?: string;
  deadline: string;
}
export type OpenHeartbeatIncidentResult = { escalated: true; incidentId: string; created: boolean } | { escalated: false; reason: string };

export interface ResolveHeartbeatIncidentRequest {
  name: string;
  incidentId: string;
  pingAt: string;
}

/** The heartbeat watch's activities (activities/heartbeats.ts); the workflow imports this type only. */
export interface HeartbeatActivities {
  openHeartbeatIncident(request: OpenHeartbeatIncidentRequest): Promise<OpenHeartbeatIncidentResult>;
  /** `already-closed`: someone closed it first, or it never opened. */
  resolveHeartbeatIncident(request: ResolveHeartbeatIncidentRequest): Promise<'resolved' | 'already-closed'>;
  /** GETs the engine's external heartbeat URL; throws when it does not answer 2xx. */
  pingExternalHeartbeat(request: { url: string }): Promise<{ status: number }>;
}

/** Carried from run to run (continue-as-new) and given at start. */
export interface HeartbeatWorkflowInput {
  spec: HeartbeatSpec;
  /** Set on the engine's own heartbeat: the watch pings itself. */
  self?: SelfHeartbeatSpec;
  since?: string;
  lastPing?: HeartbeatPing;
  pings?: number;
  incident?: { id: string; pings: number };
  /** The deadline (epoch ms) a missed beat was already acted on: one incident per silence. */
  handledDeadline?: number;
  problem?: string;
  selfError?: string;
  /** Pings a run takes before it continues as new (default 500); small in recorded histories. */
  pingsPerRun?: number;
}

/** A config change for a running watch (reload): new timing, severity, service. */
export interface HeartbeatConfigInput {
  spec: HeartbeatSpec;
  self?: SelfHeartbeatSpec;
}

export interface HeartbeatStopInput {
  by: string;
  reason: string;
}
