import { z } from 'zod';
import { Duration } from './duration.js';
import { DEFAULT_SELF_EVERY_MS, ENGINE_HEARTBEAT, type HeartbeatSpec, type SelfHeartbeatSpec } from './heartbeat-state.js';
import { SeverityName } from './severity.js';

export * from './heartbeat-state.js';

/** A heartbeat's name: it becomes the watch's workflow id and the incident key, so URL- and id-safe. */
export const HeartbeatName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit');

/**
 * `heartbeats:` in the config: something that must ping (`POST /v1/heartbeats/{name}`) at least
 * every `every`; when `every + grace` passes without a ping, incident `heartbeat-<name>` opens
 * through the normal routes, and the next ping resolves it.
 */
export const Heartbeat = z.strictObject({
  name: HeartbeatName,
  every: Duration.refine((ms) => ms > 0, 'must be longer than 0'),
  grace: Duration.default(0),
  severity: SeverityName.default('critical'),
  /** The incident's service: routes match on it as on an alert's. */
  service: z.string().trim().min(1).max(200).optional(),
  /** Replaces the generated summary ("Heartbeat <name> missed: last ping ..."). */
  summary: z.string().trim().min(1).max(500).optional(),
});
export type Heartbeat = z.output<typeof Heartbeat>;

/**
 * `selfHeartbeat:` the engine's own heartbeat (`escalation-engine`): a workflow timer and an
 * activity ping `url` every `every`, so a monitor outside (healthchecks.io, Cronitor, an uptime
 * check) is told when server, worker or timers stop.
 */
export const SelfHeartbeat = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).optional(),
  every: Duration.refine((ms) => ms >= 1_000, 'must be at least 1s').default(DEFAULT_SELF_EVERY_MS),
});
export type SelfHeartbeat = z.output<typeof SelfHeartbeat>;

export function heartbeatSpec(heartbeat: Heartbeat): HeartbeatSpec {
  return {
    name: heartbeat.name,
    every: heartbeat.every,
    grace: heartbeat.grace,
    severity: heartbeat.severity,
    ...(heartbeat.service !== undefined && { service: heartbeat.service }),
    ...(heartbeat.summary !== undefined && { summary: heartbeat.summary }),
  };
}

/**
 * The engine's own heartbeat as a watch runs it. It beats every `every`, and a beat lands a few
 * milliseconds after its due time: so it is healthy up to one missed beat (`2 × every`), late
 * through the next, missing after two missed beats. It opens no incident.
 */
export function engineHeartbeatSpec(self: SelfHeartbeat | undefined): { spec: HeartbeatSpec; self: SelfHeartbeatSpec } {
  const every = self?.every ?? DEFAULT_SELF_EVERY_MS;
  return {
    spec: { name: ENGINE_HEARTBEAT, every: 2 * every, grace: every, severity: 'critical' },
    self: { every, ...(self?.url !== undefined && { url: self.url }) },
  };
}

/** `POST /v1/heartbeats/{name}`: an optional note (which run, which host). */
export const HeartbeatPingBody = z.strictObject({ note: z.string().trim().max(500).optional() });

export const HeartbeatStateName = z.enum(['healthy', 'late', 'missing', 'never-pinged']);

/** One heartbeat in `GET /v1/heartbeats`: config, last ping, next deadline and state. */
export const HeartbeatStatus = z.object({
  name: z.string(),
  /** The engine's own heartbeat (pinged by the engine itself, never through the API). */
  engine: z.boolean(),
  every: z.string().meta({ example: '24h' }),
  grace: z.string().meta({ example: '1h' }),
  severity: z.string(),
  service: z.string().optional(),
  state: HeartbeatStateName,
  lastPing: z.object({ at: z.string(), by: z.string(), note: z.string().optional() }).optional(),
  /** Past this with no ping, the heartbeat is missing and its incident opens. */
  nextDeadline: z.string().optional(),
  pings: z.number().int(),
  /** The incident the current silence opened (`incident-heartbeat-<name>`), until the next ping. */
  incidentId: z.string().optional(),
  /** Why a miss opened no incident, or why its incident could not be resolved. */
  problem: z.string().optional(),
  /** False: no watch runs for it yet (run `escalate setup`, start a worker, or ping it once). */
  watching: z.boolean(),
  url: z.string().optional(),
  urlError: z.string().optional(),
});
export type HeartbeatStatus = z.infer<typeof HeartbeatStatus>;

export const HeartbeatPingAnswer = z.object({
  name: z.string(),
  workflowId: z.string(),
  receivedAt: z.string(),
  accepted: z.literal(true),
});
export type HeartbeatPingAnswer = z.infer<typeof HeartbeatPingAnswer>;
