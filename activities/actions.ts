import { ApplicationFailure, Context } from '@temporalio/activity';
import { request } from 'undici';
import type { ActionRequest, ActionResult } from '../domain/actions.js';
import { fillJson, fillTemplate } from '../domain/template.js';
import { readCapped } from './providers/http.js';

/** Longest piece of the answer kept for the timeline and the record. */
const EXCERPT_BYTES = 200;

/**
 * One automated response: the action's HTTP call with the incident's fields filled in. 2xx is done;
 * network errors, 5xx and 429 throw to be retried (up to the action's maxAttempts); any other 4xx
 * is refused for good (`ActionRejected`): the same request would be refused again. Never pages.
 */
export async function runAction(input: ActionRequest, userAgent: string): Promise<ActionResult> {
  const { action, incident, idempotencyKey } = input;
  const attempt = Context.current().info.attempt;
  const url = fillTemplate(action.http.url, incident);
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    'idempotency-key': idempotencyKey,
    ...Object.fromEntries(Object.entries(action.http.headers ?? {}).map(([name, value]) => [name, fillTemplate(value, incident)])),
  };
  const hasBody = action.http.body !== undefined && !['GET', 'DELETE'].includes(action.http.method);
  if (hasBody) headers['content-type'] = 'application/json';
  const what = `action ${action.name} for ${incident.workflowId} (${action.http.method} ${new URL(url).origin}${new URL(url).pathname})`;
  const started = performance.now();
  let status: number;
  let excerpt: string;
  try {
    const answer = await request(url, {
      method: action.http.method,
      headers,
      ...(hasBody && { body: JSON.stringify(fillJson(action.http.body, incident)) }),
      headersTimeout: action.timeout,
      bodyTimeout: action.timeout,
      signal: Context.current().cancellationSignal,
    });
    status = answer.statusCode;
    excerpt = (await readCapped(answer.body, EXCERPT_BYTES)).trim();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw failure(`${what} could not be reached (attempt ${attempt}): ${reason}`, 'ActionUnreachable', attempt, false);
  }
  const durationMs = Math.round(performance.now() - started);
  if (status >= 200 && status < 300) return { httpStatus: status, excerpt, durationMs, attempt };
  const said = `${what} answered ${status}${excerpt ? ` (${excerpt})` : ''}`;
  if (status >= 500 || status === 429) throw failure(`${said}; retrying`, 'ActionFailed', attempt, false);
  throw failure(`${said}; not retried: fix the action in escalation.yaml`, 'ActionRejected', attempt, true);
}

/** The attempt rides in the details, where the workflow reads it for the record. */
function failure(message: string, type: string, attempt: number, nonRetryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable, details: [{ attempt }] });
}
