import type { RouteHandler } from '@hono/zod-openapi';
import { RESPONDER_ACTIONS, type LinkClaims, type ResponderAction } from '../../../domain/responder.js';
import { actUrl } from '../../../runtime/responder.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, WorkerUnavailableError } from '../../incidents.js';
import { renderActPage, type ActPage } from '../act-page.js';
import { runMove, type ApiDeps } from '../deps.js';
import type { ApiEnv } from '../env.js';
import type * as routes from './responder.routes.js';

const PAST: Record<ResponderAction, string> = { acknowledge: 'Acknowledged', escalate: 'Escalated', resolve: 'Resolved' };

type Outcome = { status: 200 | 400 | 403 | 404 | 409 | 410 | 503; page: ActPage; retryAfter?: number };

/**
 * The one-click page and its buttons. The token is the credential: a changed, foreign or expired
 * one reads and changes nothing and the page says why; a valid one acts as its user through the
 * same answer path as the API (so a resolved incident refuses with 409, no worker is 503).
 */
export function actHandlers(deps: ApiDeps) {
  const verify = (token: string): { claims: LinkClaims } | Outcome => {
    const links = deps.responder.links;
    if (!links) {
      return {
        status: 403,
        page: { notice: { kind: 'refused', text: 'One-click links are off on this API (responders.links); nothing changed.' } },
      };
    }
    const check = links.check(token, deps.now());
    if (check.ok) return { claims: check.claims };
    deps.logger.warn({ why: check.why, incident: check.claims?.workflowId }, `one-click link refused: ${check.reason}`);
    return {
      status: check.why === 'expired' ? 410 : 403,
      page: { notice: { kind: 'refused', text: `Nothing changed: ${check.reason}.` } },
    };
  };

  const withIncident = async (claims: LinkClaims, token: string, base: Outcome): Promise<Outcome> => {
    try {
      const record = await deps.incidents.getIncident(claims.workflowId);
      return { ...base, page: { ...base.page, record, user: claims.user, action: actUrl(deps.responder, token) } };
    } catch (error) {
      if (base.page.notice) return base;
      return failure(error);
    }
  };

  const send = (c: Parameters<RouteHandler<typeof routes.actPage, ApiEnv>>[0], outcome: Outcome) => {
    if (outcome.retryAfter !== undefined) c.header('Retry-After', String(outcome.retryAfter));
    c.header('Cache-Control', 'no-store');
    return c.html(renderActPage(outcome.page), outcome.status);
  };

  const actPage: RouteHandler<typeof routes.actPage, ApiEnv> = async (c) => {
    const { token } = c.req.valid('param');
    const verified = verify(token);
    if (!('claims' in verified)) return send(c, verified);
    return send(c, await withIncident(verified.claims, token, { status: 200, page: {} }));
  };

  const act: RouteHandler<typeof routes.act, ApiEnv> = async (c) => {
    const { token } = c.req.valid('param');
    const verified = verify(token);
    if (!('claims' in verified)) return send(c, verified);
    const { claims } = verified;
    const action = RESPONDER_ACTIONS.find((a) => a === c.req.valid('form').action);
    if (!action) {
      const refused: Outcome = {
        status: 400,
        page: { notice: { kind: 'refused', text: 'Nothing changed: the button named no action (acknowledge, escalate or resolve).' } },
      };
      return send(c, await withIncident(claims, token, refused));
    }
    let outcome: Outcome;
    try {
      const record = await runMove(deps, action, claims.workflowId, claims.user, 'by one-click link');
      deps.logger.info({ incident: claims.workflowId, user: claims.user, action }, 'answered by one-click link');
      outcome = {
        status: 200,
        page: { notice: { kind: 'ok', text: `${PAST[action]} ${record.workflowId} as ${claims.user}: now ${record.state}.` } },
      };
    } catch (error) {
      outcome = failure(error);
    }
    return send(c, await withIncident(claims, token, outcome));
  };

  const failure = (error: unknown): Outcome => {
    const refused = (status: Outcome['status'], text: string, retryAfter?: number): Outcome => ({
      status,
      page: { notice: { kind: 'refused', text } },
      ...(retryAfter !== undefined && { retryAfter }),
    });
    if (error instanceof IncidentMoveRefusedError) return refused(409, `Nothing changed: ${error.message}.`);
    if (error instanceof IncidentNotFoundError) return refused(404, `Nothing changed: ${error.message}.`);
    if (error instanceof WorkerUnavailableError) return refused(503, error.message, error.retryAfterSeconds);
    throw error;
  };

  return { actPage, act };
}
