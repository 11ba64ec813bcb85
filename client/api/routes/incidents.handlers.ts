import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { IncidentRecord } from '../../../domain/incident.js';
import { incidentStats } from '../../stats.js';
import { listIncidents as listFromVisibility } from '../../visibility.js';
import type { Context } from 'hono';
import type { EscalateOptions } from '../../incidents.js';
import { countMove, runMove, runWorkingStatus, type ApiDeps, type MoveOperation, type TextMove } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './incidents.routes.js';

type Handler<R extends RouteConfig> = RouteHandler<R, ApiEnv>;

// The wire schema is loose (extra fields pass): the record goes out as the workflow wrote it.
const asWire = (record: IncidentRecord) => record as IncidentRecord & Record<string, unknown>;

export function incidentHandlers(deps: ApiDeps) {
  /**
   * `by` is whoever the caller names; the token that sent it is recorded beside it in the API log
   * (an audit line per answer), so a claim can be traced to the credential that made it.
   */
  const audit = (c: Context<ApiEnv>, operation: MoveOperation, id: string, by: string | undefined): string => {
    const actor = c.get('actor');
    deps.logger.info({ incident: id, operation, by: by ?? actor, token: actor }, `${operation} on ${id} by ${by ?? actor} (${actor})`);
    return by ?? actor;
  };
  const move = (
    c: Context<ApiEnv>,
    operation: TextMove,
    id: string,
    by: string | undefined,
    text: string | undefined,
    options: EscalateOptions = {},
  ) => runMove(deps, operation, id, audit(c, operation, id, by), text, options);

  const startIncident: Handler<typeof routes.startIncident> = async (c) => {
    // A sender's Idempotency-Key, per token: a retried POST is the same alert (the server drops the repeat).
    const key = c.req.valid('header')['idempotency-key'];
    const result = await deps.incidents.startIncident(c.req.valid('json'), key ? { occurrenceId: `${c.get('actor')}:${key}` } : {});
    const outcome = !result.escalated ? 'gated' : result.created ? 'created' : 'occurrence';
    deps.metrics.incidentsStarted.inc({ source: 'api', outcome });
    return result.escalated ? c.json(result, 202) : c.json(result, 200);
  };

  const getIncident: Handler<typeof routes.getIncident> = async (c) => {
    const record = await deps.incidents.getIncident(c.req.valid('param').id);
    return c.json(asWire(record), 200);
  };

  const listIncidents: Handler<typeof routes.listIncidents> = async (c) => {
    const page = await listFromVisibility(deps.scope, c.req.valid('query'));
    return c.json(page, 200);
  };

  const stats: Handler<typeof routes.stats> = async (c) => {
    return c.json(await incidentStats(deps.scope, deps.incidents, c.req.valid('query'), deps.now()), 200);
  };

  const noted =
    (operation: 'acknowledge' | 'resolve'): Handler<typeof routes.acknowledge> =>
    async (c) => {
      const body = c.req.valid('json');
      const record = await move(c, operation, c.req.valid('param').id, body.by, body.note);
      return c.json(asWire(record), 200);
    };
  const cancel: Handler<typeof routes.cancel> = async (c) => {
    const body = c.req.valid('json');
    const record = await move(c, 'cancel', c.req.valid('param').id, body.by, body.reason);
    return c.json(asWire(record), 200);
  };
  const escalate: Handler<typeof routes.escalate> = async (c) => {
    const body = c.req.valid('json');
    const options = body.toLevel !== undefined ? { toLevel: body.toLevel } : {};
    const record = await move(c, 'escalate', c.req.valid('param').id, body.by, body.reason, options);
    return c.json(asWire(record), 200);
  };
  const unacknowledge: Handler<typeof routes.unacknowledge> = async (c) => {
    const body = c.req.valid('json');
    const id = c.req.valid('param').id;
    const by = audit(c, 'unacknowledge', id, body.by);
    const record = await countMove(deps, 'unacknowledge', () => deps.incidents.unacknowledge(id, by, body.reason));
    return c.json(asWire(record), 200);
  };
  const reassign: Handler<typeof routes.reassign> = async (c) => {
    const body = c.req.valid('json');
    const id = c.req.valid('param').id;
    const by = audit(c, 'reassign', id, body.by);
    const record = await countMove(deps, 'reassign', () => deps.incidents.reassign(id, by, body.targets, body.reason));
    return c.json(asWire(record), 200);
  };
  const snooze: Handler<typeof routes.snooze> = async (c) => {
    const body = c.req.valid('json');
    const id = c.req.valid('param').id;
    const by = audit(c, 'snooze', id, body.by);
    const record = await countMove(deps, 'snooze', () => deps.incidents.snooze(id, by, body.for, body.reason));
    return c.json(asWire(record), 200);
  };
  const annotate: Handler<typeof routes.annotate> = async (c) => {
    const body = c.req.valid('json');
    const record = await move(c, 'annotate', c.req.valid('param').id, body.by, body.note);
    return c.json(asWire(record), 200);
  };

  const workingStatus: Handler<typeof routes.workingStatus> = async (c) => {
    const body = c.req.valid('json');
    const id = c.req.valid('param').id;
    const record = await runWorkingStatus(deps, id, audit(c, 'status', id, body.by), body.status, body.note);
    return c.json(asWire(record), 200);
  };

  return {
    workingStatus,
    startIncident,
    getIncident,
    listIncidents,
    stats,
    acknowledge: noted('acknowledge'),
    resolve: noted('resolve'),
    cancel,
    escalate,
    annotate,
    unacknowledge,
    reassign,
    snooze,
  };
}
