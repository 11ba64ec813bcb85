import type { IncidentRecord } from '../../domain/incident.js';

/**
 * The run's HTTP client of the API, as a monitoring system and responders use it: alerts through
 * `POST /v1/incidents`, answers through `POST /v1/incidents/{id}/acknowledge|resolve`. Every
 * request is timed and kept, so the report can say how the API answered during each fault.
 *
 * Retries are bounded, as Alertmanager's are: an alert is sent again on a network error, a
 * timeout, 429 or 5xx (after Retry-After when given) with the same key, so a retry can only join
 * the incident the first attempt opened. An answer is sent again on 503 after its Retry-After.
 */

export type CallKind = 'create' | 'acknowledge' | 'resolve' | 'get';

export interface ApiCall {
  kind: CallKind;
  incident: string;
  startedAt: number;
  ms: number;
  /** 0: no HTTP answer (connection refused, reset, or our own timeout). */
  status: number;
  error?: string;
}

export interface CreateOutcome {
  key: string;
  firstSentAt: number;
  /** When a 2xx answer arrived (undefined: never accepted within the retry budget). */
  acceptedAt?: number;
  incidentId?: string;
  created?: boolean;
  attempts: number;
  lastStatus: number;
}

export interface AnswerOutcome {
  kind: 'acknowledge' | 'resolve';
  by: string;
  firstSentAt: number;
  settledAt: number;
  /** 200: done; 409: refused by the state machine; 0 or other: gave up. */
  status: number;
  /** Every attempt's status in order, e.g. [503, 409]: the first attempt took effect after its 503. */
  statuses: number[];
  attempts: number;
  reason?: string;
}

const CREATE_TIMEOUT_MS = 15_000;
const ANSWER_TIMEOUT_MS = 20_000;
const GET_TIMEOUT_MS = 10_000;
const CREATE_BUDGET_MS = 60_000;
const ANSWER_BUDGET_MS = 90_000;
const MAX_RETRY_WAIT_MS = 5_000;

interface Answer {
  status: number;
  body: unknown;
  retryAfterMs?: number;
  error?: string;
}

export class ApiDriver {
  readonly calls: ApiCall[] = [];

  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** Sends one alert until it is accepted or the retry budget is spent. */
  async create(key: string, body: Record<string, unknown>): Promise<CreateOutcome> {
    const outcome: CreateOutcome = { key, firstSentAt: Date.now(), attempts: 0, lastStatus: 0 };
    let backoff = 500;
    for (;;) {
      outcome.attempts += 1;
      const answer = await this.request('create', key, 'POST', '/v1/incidents', { ...body, key }, CREATE_TIMEOUT_MS);
      outcome.lastStatus = answer.status;
      if (answer.status >= 200 && answer.status < 300) {
        const fields = asObject(answer.body);
        outcome.acceptedAt = Date.now();
        if (typeof fields.incidentId === 'string') outcome.incidentId = fields.incidentId;
        if (typeof fields.created === 'boolean') outcome.created = fields.created;
        return outcome;
      }
      const retryable = answer.status === 0 || answer.status === 429 || answer.status >= 500;
      if (!retryable || Date.now() - outcome.firstSentAt > CREATE_BUDGET_MS) return outcome;
      await sleep(Math.min(answer.retryAfterMs ?? backoff, MAX_RETRY_WAIT_MS));
      backoff = Math.min(backoff * 2, 4_000);
    }
  }

  /** Acknowledges or resolves until the API gives a verdict (200 or 409) or the budget is spent. */
  async answer(kind: 'acknowledge' | 'resolve', id: string, by: string): Promise<AnswerOutcome> {
    const firstSentAt = Date.now();
    let attempts = 0;
    let backoff = 500;
    const statuses: number[] = [];
    for (;;) {
      attempts += 1;
      const path = `/v1/incidents/${encodeURIComponent(id)}/${kind}`;
      const answer = await this.request(kind, id, 'POST', path, { by }, ANSWER_TIMEOUT_MS);
      statuses.push(answer.status);
      const done = answer.status === 200 || answer.status === 409;
      // 404 too: an alert accepted a moment ago may not be visible to an update yet.
      const retryable = answer.status === 0 || answer.status === 404 || answer.status === 429 || answer.status >= 500;
      if (done || !retryable || Date.now() - firstSentAt > ANSWER_BUDGET_MS) {
        const reason = answer.error ?? errorText(answer.body);
        return { kind, by, firstSentAt, settledAt: Date.now(), status: answer.status, statuses, attempts, ...(reason && { reason }) };
      }
      await sleep(Math.min(answer.retryAfterMs ?? backoff, MAX_RETRY_WAIT_MS));
      backoff = Math.min(backoff * 2, 4_000);
    }
  }

  /** The incident record, or undefined with the status when there is none to read. */
  async get(id: string): Promise<{ status: number; record?: IncidentRecord }> {
    const answer = await this.request('get', id, 'GET', `/v1/incidents/${encodeURIComponent(id)}`, undefined, GET_TIMEOUT_MS);
    const body = asObject(answer.body);
    if (answer.status === 200 && typeof body.state === 'string' && Array.isArray(body.timeline)) {
      return { status: 200, record: body as unknown as IncidentRecord };
    }
    return { status: answer.status };
  }

  private async request(kind: CallKind, incident: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<Answer> {
    const startedAt = Date.now();
    let answer: Answer;
    try {
      const response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text for the error message
      }
      const retryAfter = Number(response.headers.get('retry-after'));
      answer = {
        status: response.status,
        body: parsed,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }),
      };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      answer = { status: 0, body: undefined, error: `${error instanceof Error ? error.message : String(error)}${cause}` };
    }
    const call: ApiCall = { kind, incident, startedAt, ms: Date.now() - startedAt, status: answer.status };
    if (answer.error) call.error = answer.error;
    else if (answer.status >= 300) call.error = errorText(answer.body);
    this.calls.push(call);
    return answer;
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function errorText(body: unknown): string | undefined {
  const fields = asObject(body);
  if (typeof fields.error === 'string') return fields.error;
  return typeof body === 'string' && body !== '' ? body.slice(0, 200) : undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
