import { z } from 'zod';
import { Duration } from './duration.js';

/**
 * Automated responses (source document 003): an HTTP call a level makes beside (or instead of)
 * paging people: restart a service, scale up, open a circuit breaker, run a runbook. One action
 * kind, HTTP, covers them all. Strings in `url`, `headers` and `body` may name incident fields as
 * `{{ incident.service }}` (domain/template.ts); `${ENV}` is filled in when the config loads.
 */
export const HttpCall = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Sent as JSON (POST, PUT, PATCH). */
  body: z.json().optional(),
});

export const Action = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'may hold letters, digits, dot, dash and underscore only'),
  http: HttpCall,
  /** One attempt's time limit. */
  timeout: Duration.refine((ms) => ms > 0, 'must be longer than 0').default(30_000),
  /** Attempts in all (network errors, 5xx and 429 are retried; other 4xx are not). */
  maxAttempts: z.number().int().min(1).max(10).default(3),
});
export type Action = z.infer<typeof Action>;

/** What the workflow asks the `runAction` activity to do (types only for the workflow). */
export interface ActionRequest {
  /** The same on every attempt: a runbook endpoint drops repeats by it (`Idempotency-Key`). */
  idempotencyKey: string;
  action: Action;
  incident: {
    workflowId: string;
    key: string;
    summary: string;
    severity: string;
    service?: string;
    source?: string;
    state: string;
    level: number;
    labels: Record<string, string>;
  };
}

/** An action in the incident's record: what ran, when, and how it ended. */
export interface ActionRecord {
  name: string;
  /** 1-based level that ran it. */
  level: number;
  idempotencyKey: string;
  status: 'running' | 'succeeded' | 'failed';
  at: string;
  settledAt?: string;
  httpStatus?: number;
  excerpt?: string;
  durationMs?: number;
  attempt?: number;
  error?: string;
}

export interface ActionResult {
  httpStatus: number;
  /** The first characters of the response, for the timeline. */
  excerpt: string;
  durationMs: number;
  attempt: number;
}
