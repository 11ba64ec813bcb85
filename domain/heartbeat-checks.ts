import type { ConfigProblem } from './config-checks.js';
import type { Config } from './config.js';
import { formatDuration } from './duration-text.js';
import { ENGINE_HEARTBEAT, heartbeatIncident } from './heartbeat-state.js';
import { explainRoutes } from './routing.js';
import { isAtLeast } from './severity-order.js';

/** Below this a heartbeat pages on a slow cron or a GC pause, not on a dead job. */
export const MIN_HEARTBEAT_EVERY_MS = 60_000;

/**
 * Heartbeat mistakes the schema cannot see: two with one name (one watch, two meanings), the
 * engine's own name taken, an interval too short to mean anything, and a missed beat that would
 * page nobody (no route takes its incident, or the gates drop its severity).
 */
export function heartbeatProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.heartbeats.forEach((heartbeat, index) => {
    const at = (field: string) => ['heartbeats', index, field];
    const first = seen.get(heartbeat.name);
    if (first !== undefined) {
      problems.push({
        path: at('name'),
        message: `heartbeat "${heartbeat.name}" is defined twice (also heartbeats[${first}]); pings would feed one watch, so give each its own name`,
      });
    } else seen.set(heartbeat.name, index);
    if (heartbeat.name === ENGINE_HEARTBEAT) {
      problems.push({
        path: at('name'),
        message: `"${ENGINE_HEARTBEAT}" is the engine's own heartbeat (set its URL under selfHeartbeat); name this one after the job that pings it`,
      });
    }
    if (heartbeat.every < MIN_HEARTBEAT_EVERY_MS) {
      problems.push({
        path: at('every'),
        message: `${formatDuration(heartbeat.every)} is too short: a heartbeat must allow at least ${formatDuration(MIN_HEARTBEAT_EVERY_MS)} between pings; set every to how often the job runs (e.g. 24h) and grace to how late it may be`,
      });
    }
    const incident = heartbeatIncident({ ...heartbeat }, undefined, '');
    const choice = explainRoutes(config, incident).choice;
    if (!choice.ok) {
      problems.push({
        path: at(heartbeat.service !== undefined ? 'service' : 'name'),
        message:
          choice.field === 'policy'
            ? `a missed beat of "${heartbeat.name}"${heartbeat.service !== undefined ? ` (service ${heartbeat.service})` : ''} matches no route and there is no default route, so it would page nobody; add a route for it${heartbeat.service !== undefined ? ` (match: { service: ${heartbeat.service} })` : ''} or a default route last`
            : `a missed beat of "${heartbeat.name}" would page nobody: ${choice.reason}`,
      });
    } else if (config.gates.enabled && !isAtLeast(choice.severity, config.gates.minSeverity)) {
      problems.push({
        path: at('severity'),
        message: `a missed beat of "${heartbeat.name}" runs at ${choice.severity}, below gates.minSeverity (${config.gates.minSeverity}), so it would page nobody; raise its severity`,
      });
    }
  });
  return problems;
}
