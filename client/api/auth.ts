import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../../domain/config.js';
import type { ApiEnv } from './env.js';

export type Scope = 'incidents:read' | 'incidents:write' | 'admin' | 'heartbeats:write' | 'maintenance:write';

export interface ApiToken {
  name: string;
  scopes: readonly Scope[];
  /** SHA-256 of the token: equal-length digests are what timingSafeEqual compares. */
  digest: Buffer;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The config's scoped tokens, plus ESCALATION_API_TOKEN with every scope. */
export function apiTokens(config: Config, envToken?: string): ApiToken[] {
  const tokens: ApiToken[] = config.api.tokens.map((t) => ({ name: t.name, scopes: t.scopes, digest: digest(t.token) }));
  if (envToken) tokens.push({ name: 'env', scopes: ['admin'], digest: digest(envToken) });
  return tokens;
}

/**
 * admin holds every scope; a write scope implies read (a caller that raises an incident may read it
 * back; one that opens maintenance windows may list them and the incidents they hold).
 */
export function grants(scopes: readonly Scope[], wanted: Scope): boolean {
  if (scopes.includes('admin') || scopes.includes(wanted)) return true;
  return wanted === 'incidents:read' && (scopes.includes('incidents:write') || scopes.includes('maintenance:write'));
}

/** Compares against every token, always all of them, so timing says nothing about which matched. */
export function findToken(tokens: readonly ApiToken[], presented: string): ApiToken | undefined {
  const presentedDigest = digest(presented);
  let found: ApiToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(token.digest, presentedDigest) && !found) found = token;
  }
  return found;
}

const fail = (status: 401 | 403, error: string, message: string) =>
  new Response(JSON.stringify({ error, details: [{ path: 'Authorization', message }] }), {
    status,
    headers: {
      'content-type': 'application/json',
      ...(status === 401 && { 'www-authenticate': 'Bearer realm="escalation"' }),
    },
  });

/**
 * A token bucket per token name: `requestsPerSecond` refill, up to `burst` at once. A caller over
 * its budget is answered 429 with Retry-After; other tokens are not slowed by it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly settings: () => { requestsPerSecond: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when the request may go on; else the seconds to wait before the next one is allowed. */
  take(name: string): number {
    const { requestsPerSecond, burst } = this.settings();
    if (requestsPerSecond <= 0) return 0; // 0 turns the limit off
    const now = this.now();
    const bucket = this.buckets.get(name) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * requestsPerSecond);
    bucket.at = now;
    this.buckets.set(name, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / requestsPerSecond));
  }
}

const limited = (name: string, retryAfter: number) =>
  new Response(
    JSON.stringify({
      error: `too many requests for token "${name}"; nothing was changed, retry after ${retryAfter}s`,
      details: [
        { path: 'Authorization', message: `token "${name}" is over api.rateLimit; slow down, or raise api.rateLimit in the config` },
      ],
    }),
    { status: 429, headers: { 'content-type': 'application/json', 'retry-after': String(retryAfter) } },
  );

/**
 * Bearer tokens. Write scopes always need a token. Reads need `incidents:read` once any token is
 * configured; an API with no tokens at all serves reads openly (local set-ups) and refuses writes.
 */
export function requireScope(
  source: readonly ApiToken[] | (() => readonly ApiToken[]),
  scope: Scope,
  limiter?: RateLimiter,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    // A function is asked on every request: the tokens follow a config reload.
    const tokens = typeof source === 'function' ? source() : source;
    const header = c.req.header('authorization');
    if (!header) {
      if (scope === 'incidents:read' && tokens.length === 0) {
        const wait = limiter?.take('anonymous') ?? 0;
        if (wait > 0) return limited('anonymous', wait);
        c.set('actor', 'api:anonymous');
        return next();
      }
      return fail(401, 'unauthorized', `send Authorization: Bearer <token> with a token that has the ${scope} scope`);
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1] ? findToken(tokens, match[1]) : undefined;
    if (!token) return fail(401, 'unauthorized', 'the bearer token is not valid; check ESCALATION_API_TOKEN or api.tokens in the config');
    if (!grants(token.scopes, scope)) {
      return fail(403, 'forbidden', `token "${token.name}" lacks the ${scope} scope (it has ${token.scopes.join(', ')})`);
    }
    const wait = limiter?.take(token.name) ?? 0;
    if (wait > 0) return limited(token.name, wait);
    c.set('actor', `api:${token.name}`);
    return next();
  };
}
