import { ApplicationFailure } from '@temporalio/common';
import type { Logger as PinoLogger } from 'pino';
import { createHeartbeatActivities, type HeartbeatIncidentPort } from '../activities/heartbeats.js';
import type { HeartbeatClient } from '../client/heartbeats.js';
import { IncidentClient, IncidentMoveRefusedError, IncidentNotFoundError, InvalidIncidentRequestError } from '../client/incidents.js';
import type { HeartbeatActivities } from '../domain/heartbeat-state.js';
import type { ConfigHolder } from '../runtime/config-holder.js';

/**
 * The heartbeat activities over the client library's ingest path: the worker owns the client
 * (activities never import client/), so a missed beat opens its incident through the same
 * validation, gates, routes, inhibition and dedup as every other alert.
 */
export function createHeartbeatActivitiesOver(incidents: IncidentClient): HeartbeatActivities {
  return createHeartbeatActivities({ incidents: heartbeatIncidentPort(incidents) });
}

export function heartbeatIncidentPort(incidents: IncidentClient): HeartbeatIncidentPort {
  return {
    async open(incident, occurrenceId) {
      try {
        const result = await incidents.startIncident(incident, { occurrenceId });
        return result.escalated
          ? { escalated: true, incidentId: result.incidentId, created: result.created }
          : { escalated: false, reason: result.reason };
      } catch (error) {
        // No route, a bad service name: no retry makes it valid.
        if (error instanceof InvalidIncidentRequestError) throw ApplicationFailure.nonRetryable(error.message, 'HeartbeatIncidentInvalid');
        throw error;
      }
    },
    async resolve(incidentId, by, reason) {
      try {
        await incidents.resolve(incidentId, by, reason);
        return 'resolved';
      } catch (error) {
        if (error instanceof IncidentMoveRefusedError || error instanceof IncidentNotFoundError) return 'already-closed';
        throw error;
      }
    },
  };
}

/** How often a long-running worker looks whether a reload replaced the config. */
const RELOAD_CHECK_MS = 5_000;

/**
 * Starts the missing watches now, and again after each reload (SIGHUP, or the API's reload in
 * `escalate dev`, which shares the holder): edited heartbeats get their new settings, removed
 * ones end. A failure is logged and tried again at the next check; returns the stop function.
 */
export function keepHeartbeatsInSync(heartbeats: HeartbeatClient, holder: ConfigHolder, logger: PinoLogger): () => void {
  let synced = 0;
  let running = false;
  const check = async () => {
    if (running || holder.generation === synced) return;
    running = true;
    const generation = holder.generation;
    try {
      const result = await heartbeats.sync();
      synced = generation;
      logger.info(result, 'heartbeat watches in line with the config');
    } catch (error) {
      logger.warn({ err: error }, 'could not start or update the heartbeat watches; trying again shortly');
    } finally {
      running = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), RELOAD_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
