import type { Logger } from 'pino';
import type { Config } from '../../domain/config.js';
import type { IncidentRecord } from '../../domain/incident.js';
import type { WorkingStatus } from '../../domain/working-status.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, type EscalateOptions, type IncidentClient } from '../incidents.js';
import type { ResponderRuntime } from '../../runtime/responder.js';
import type { VisibilityScope } from '../visibility.js';
import type { ApiToken } from './auth.js';
import type { ApiMetrics } from './metrics.js';

export interface SlackSettings {
  /** Slack app's signing secret; without it the Slack endpoints refuse every request. */
  readonly signingSecret?: string | undefined;
  /** Which `response_url`s the API may post message updates to (Slack's own hosts by default). */
  isResponseUrlAllowed: (url: string) => boolean;
}

/** What the handlers need; built once by createApi. `config` and `tokens` read the config in force (after reloads). */
export interface ApiDeps {
  incidents: IncidentClient;
  readonly config: Config;
  scope: VisibilityScope;
  readonly tokens: ApiToken[];
  metrics: ApiMetrics;
  logger: Logger;
  slack: SlackSettings;
  /** Public URL and link signer (runtime/responder.ts), read with the config in force. */
  readonly responder: ResponderRuntime;
  now: () => number;
}

export type MoveOperation =
  'acknowledge' | 'resolve' | 'cancel' | 'escalate' | 'annotate' | 'status' | 'unacknowledge' | 'reassign' | 'snooze';
/** The answers that take a note or a reason and nothing else (runMove). */
export type TextMove = Exclude<MoveOperation, 'reassign' | 'snooze' | 'status'>;

/** One answer to an incident (from the API, Slack or a webhook), counted by its outcome. */
export function runMove(
  deps: ApiDeps,
  operation: TextMove,
  id: string,
  by: string,
  text?: string,
  options: EscalateOptions = {},
): Promise<IncidentRecord> {
  return countMove(deps, operation, () =>
    operation === 'annotate'
      ? deps.incidents.annotate(id, by, text ?? '')
      : operation === 'escalate'
        ? deps.incidents.escalate(id, by, text, options)
        : deps.incidents[operation](id, by, text),
  );
}

/** A responder's working status (only while acknowledged), counted like the moves. */
export function runWorkingStatus(deps: ApiDeps, id: string, by: string, status: WorkingStatus, note?: string): Promise<IncidentRecord> {
  return countMove(deps, 'status', () => deps.incidents.setWorkingStatus(id, by, status, note));
}

/** Runs one answer and counts it by its outcome (ok, refused, not_found, error). */
export async function countMove(deps: ApiDeps, operation: MoveOperation, work: () => Promise<IncidentRecord>): Promise<IncidentRecord> {
  try {
    const record = await work();
    deps.metrics.moves.inc({ operation, outcome: 'ok' });
    return record;
  } catch (error) {
    const outcome = error instanceof IncidentMoveRefusedError ? 'refused' : error instanceof IncidentNotFoundError ? 'not_found' : 'error';
    deps.metrics.moves.inc({ operation, outcome });
    throw error;
  }
}
