import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { request as httpRequest } from 'undici';
import {
  heartbeatIncident,
  heartbeatResolveReason,
  type HeartbeatActivities,
  type HeartbeatIncident,
  type OpenHeartbeatIncidentResult,
} from '../domain/heartbeat-state.js';
import { userAgent } from './version.js';

/**
 * The ingest path every alert takes (validation, gates, routing, inhibition, dedup), handed in by
 * the worker from the client library: activities never reach client/ themselves (ESLint), and a
 * missed beat must open its incident exactly as an alert with the same fields would.
 */
export interface HeartbeatIncidentPort {
  /** Opens the incident, or counts an occurrence on the open one with its key. */
  open(incident: HeartbeatIncident, occurrenceId: string): Promise<OpenHeartbeatIncidentResult>;
  /** Resolves it as the engine; `already-closed` when someone closed it first or it is gone. */
  resolve(incidentId: string, by: string, reason: string): Promise<'resolved' | 'already-closed'>;
}

export interface HeartbeatActivityDeps {
  incidents: HeartbeatIncidentPort;
  /** Sent as `User-Agent` on the external ping. */
  version?: string;
}

/** One GET's time limit, well under the activity's 15 s. */
const EXTERNAL_TIMEOUT_MS = 10_000;

export function createHeartbeatActivities(deps: HeartbeatActivityDeps): HeartbeatActivities {
  return {
    async openHeartbeatIncident({ spec, lastPingAt, deadline }) {
      // One silence is one alert: a retried attempt (or a replayed one) counts nothing twice.
      return deps.incidents.open(heartbeatIncident(spec, lastPingAt, deadline), occurrenceIdFor(`${spec.name}\u0000${deadline}`));
    },

    async resolveHeartbeatIncident({ name, incidentId, pingAt }) {
      return deps.incidents.resolve(incidentId, 'engine', heartbeatResolveReason(name, pingAt));
    },

    async pingExternalHeartbeat({ url }) {
      const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(EXTERNAL_TIMEOUT_MS)]);
      let status: number;
      try {
        const response = await httpRequest(url, { method: 'GET', headers: { 'user-agent': userAgent(deps.version) }, signal });
        status = response.statusCode;
        await response.body.dump();
      } catch (error) {
        throw ApplicationFailure.retryable(
          `the external heartbeat URL ${url} did not answer: ${error instanceof Error ? error.message : String(error)}`,
          'HeartbeatUrlUnavailable',
        );
      }
      if (status >= 200 && status < 300) return { status };
      const message = `the external heartbeat URL ${url} answered ${status}`;
      if (status === 429 || status >= 500) throw ApplicationFailure.retryable(message, 'HeartbeatUrlUnavailable');
      throw ApplicationFailure.nonRetryable(`${message}; check selfHeartbeat.url in the config`, 'HeartbeatUrlRejected');
    },
  };
}

/** A UUID-shaped id from the text: the Temporal server takes a repeated request id as one request. */
function occurrenceIdFor(text: string): string {
  const hex = createHash('sha256').update(`heartbeat\u0000${text}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
