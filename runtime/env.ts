import { z } from 'zod';
import { formatFieldErrors, fieldErrors } from '../domain/errors.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/messages.js';

/** The process environment (DESIGN.md section 6): parsed once, typed, every bad variable named. */
export const Env = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  ESCALATION_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  ESCALATION_CONFIG: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  TEMPORAL_UI_URL: z.url().optional(),
  ESCALATION_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Where the HTTP API listens; loopback unless told otherwise (put a proxy in front to expose it). */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Signs one-click links (responders.links); the API and every worker need the same one. */
  ESCALATION_LINK_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  /** The API's address as phones and Twilio reach it, for links and Twilio callbacks. */
  ESCALATION_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The worker serves Prometheus metrics on this port (GET /metrics); unset: no metrics server. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Where the worker's metrics server listens; 0.0.0.0 for a Prometheus in another container. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});
export type Env = Readonly<z.infer<typeof Env>>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // An empty variable means "not set", as shells and compose files usually mean it.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    throw new Error(`the environment is not valid:\n${formatFieldErrors(fieldErrors(parsed.error))}`);
  }
  return Object.freeze(parsed.data);
}
