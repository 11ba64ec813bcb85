import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ApiEnv } from './env.js';
import { errorBody } from './errors.js';

/**
 * Largest request bodies, by route: a webhook batch of 1,000 alerts, a Slack request, any other
 * JSON body. A larger body is refused with 413 (at once when Content-Length says so, else as soon
 * as it streams past the limit) and nothing is changed.
 */
export const BODY_LIMITS = { integrations: 8 * 1024 * 1024, chat: 128 * 1024, other: 256 * 1024 } as const;

export function limitBody(maxSize: number): MiddlewareHandler<ApiEnv> {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      c.json(
        errorBody(`the request body is larger than ${maxSize} bytes; nothing was changed`, [
          { path: 'body', message: `at most ${maxSize} bytes on ${c.req.path}` },
        ]),
        413,
      ),
  });
}

/** Every route's body limit. Slack routes check their signature headers first and limit the body then. */
export function bodyLimits(): MiddlewareHandler<ApiEnv> {
  const integrations = limitBody(BODY_LIMITS.integrations);
  const other = limitBody(BODY_LIMITS.other);
  return (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/v1/integrations/')) return integrations(c, next);
    if (path.startsWith('/v1/chat/')) return next(); // verifySlack limits it after the header checks
    return other(c, next);
  };
}
