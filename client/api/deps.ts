import type { Logger } from 'pino';
import type { Config } from '../../domain/config.js';
import type { IncidentRecord } from '../../domain/incident.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, type EscalateOptions, type IncidentClient } from '../incidents.js';
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
  now: () => number;
}

export type MoveOperation = 'acknowledge' | 'resolve' | 'cancel' | 'escalate' | 'annotate';

/** One answer to an incident (from the API, Slack or a webhook), counted by its outcome. */
export async function runMove(
  deps: ApiDeps,
  operation: MoveOperation,
  id: string,
  by: string,
  text?: string,
  options: EscalateOptions = {},
): Promise<IncidentRecord> {
  try {
    const record =
      operation === 'annotate'
        ? await deps.incidents.annotate(id, by, text ?? '')
        : operation === 'escalate'
          ? await deps.incidents.escalate(id, by, text, options)
          : await deps.incidents[operation](id, by, text);
    deps.metrics.moves.inc({ operation, outcome: 'ok' });
    return record;
  } catch (error) {
    const outcome = error instanceof IncidentMoveRefusedError ? 'refused' : error instanceof IncidentNotFoundError ? 'not_found' : 'error';
    deps.metrics.moves.inc({ operation, outcome });
    throw error;
  }
}
