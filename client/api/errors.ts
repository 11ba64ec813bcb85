import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { formatPath, type FieldError } from '../../domain/errors.js';
import { IncidentMoveRefusedError, IncidentNotFoundError, InvalidIncidentRequestError, WorkerUnavailableError } from '../incidents.js';
import { InvalidCursorError } from '../visibility.js';
import { MaintenanceConflictError, MaintenanceNotFoundError } from '../maintenance.js';

export interface ErrorAnswer {
  status: ContentfulStatusCode;
  body: { error: string; details: FieldError[] };
  headers?: Record<string, string>;
}

/** `{ error, details: [{ path, message }] }`, the one error shape of the API. */
export function errorBody(error: string, details: FieldError[] = []): ErrorAnswer['body'] {
  return { error, details: details.map(({ path, message }) => ({ path, message })) };
}

/** zod's issues of one request part (`json`, `query`, `param`, `form`) as a 400. */
export function validationAnswer(target: string, error: z.ZodError): ErrorAnswer {
  const where = target === 'json' || target === 'form' ? '' : `${target}.`;
  // Every detail names a field: an unknown key names itself, the body as a whole is `body`.
  const details = error.issues.flatMap((issue) => {
    const base = formatPath(issue.path);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = `${where}${key === undefined ? base : base ? `${base}.${key}` : key}`.replace(/\.$/, '');
      return { path: path || (target === 'json' || target === 'form' ? 'body' : target), message: issue.message };
    });
  });
  return { status: 400, body: errorBody('invalid request; nothing was changed', details) };
}

/** Maps what the client library throws onto HTTP: 400, 404, 409, 503 (Temporal unreachable, no worker in time), else 500. */
export function errorAnswer(error: unknown, logger: Logger): ErrorAnswer {
  if (error instanceof InvalidIncidentRequestError)
    return { status: 400, body: errorBody('invalid request; nothing was changed', error.errors) };
  if (error instanceof InvalidCursorError)
    return { status: 400, body: errorBody('invalid request', [{ path: 'query.cursor', message: error.message }]) };
  if (error instanceof IncidentNotFoundError)
    return { status: 404, body: errorBody(error.message, [{ path: 'id', message: `no incident ${error.incidentId}` }]) };
  if (error instanceof MaintenanceNotFoundError)
    return { status: 404, body: errorBody(error.message, [{ path: 'name', message: `no open window ${error.windowName}` }]) };
  if (error instanceof MaintenanceConflictError)
    return { status: 409, body: errorBody(error.message, [{ path: 'name', message: error.message }]) };
  if (error instanceof IncidentMoveRefusedError)
    return { status: 409, body: errorBody(error.message, [{ path: 'state', message: error.message }]) };
  if (error instanceof WorkerUnavailableError) {
    logger.warn({ incident: error.incidentId }, error.message);
    return {
      status: 503,
      body: errorBody(error.message, [{ path: 'worker', message: 'no escalation worker answered in time' }]),
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof HTTPException) {
    // Hono's validators throw these for a body that is not JSON at all.
    return {
      status: error.status as ContentfulStatusCode,
      body: errorBody(error.message || 'bad request', [{ path: 'body', message: error.message || 'not a body this route takes' }]),
    };
  }
  if (isUnavailable(error)) {
    logger.warn({ err: error }, 'Temporal is unreachable');
    return {
      status: 503,
      body: errorBody(
        'the Temporal server is unreachable or did not answer in time; retry shortly (an alert sent again joins the same incident, an answer sent again by the same person is taken once)',
      ),
      headers: { 'Retry-After': '2' },
    };
  }
  // The caller gets a reference, not internal text; the log has the error under the same id.
  const errorId = randomUUID();
  logger.error({ err: error, errorId }, 'API request failed');
  return {
    status: 500,
    body: errorBody(
      `internal error ${errorId}; the API log has it under errorId ${errorId}. The change may or may not have happened: look before retrying`,
    ),
  };
}

export function isUnavailable(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    const code = (current as { code?: unknown }).code;
    if (code === 14 || code === 4) return true; // gRPC UNAVAILABLE, DEADLINE_EXCEEDED
    current = current.cause;
  }
  return false;
}

export function sendError(c: Context, answer: ErrorAnswer): Response {
  return c.json(answer.body, answer.status, answer.headers);
}
