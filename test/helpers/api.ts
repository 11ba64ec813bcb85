import { pino } from 'pino';
import { startApi, type ApiOptions, type RunningApi } from '../../client/api/app.js';
import { startStack, webhookLevel, type Stack, type StackOptions } from './stack.js';
import { startWebhookPeer, type WebhookPeer } from './webhook-peer.js';

/** Tokens every API test config carries: one per scope. */
export const TOKENS = {
  admin: 'test-admin-token-0123456789',
  write: 'test-write-token-0123456789',
  read: 'test-read-token-01234567890',
} as const;

export interface ApiStack extends Stack {
  api: RunningApi;
  peer: WebhookPeer;
  /** fetch against the API with a JSON body and the admin token unless told otherwise. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Polls until the check passes: visibility (list, stats) is eventually consistent. */
  eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs?: number): Promise<T>;
}

/** A real worker, a real webhook peer as every level's target, and the API on a free port. */
export async function startApiStack(
  /** Config beside the default; a function when it needs the webhook peer's URL (its own levels). */
  config: Record<string, unknown> | ((peerUrl: string) => Record<string, unknown>) = {},
  apiOptions: Partial<ApiOptions> & { port?: number } = {},
  stackOptions: StackOptions = {},
): Promise<ApiStack> {
  const peer = await startWebhookPeer();
  const stack = await startStack(
    {
      api: {
        tokens: [
          { name: 'ops', token: TOKENS.admin, scopes: ['admin'] },
          { name: 'ci', token: TOKENS.write, scopes: ['incidents:write'] },
          { name: 'dashboard', token: TOKENS.read, scopes: ['incidents:read'] },
        ],
      },
      policies: [{ name: 'default', levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '30s' })] }],
      ...(typeof config === 'function' ? config(peer.url) : config),
    },
    stackOptions,
  );
  const api = await startApi({
    incidents: stack.incidents,
    config: stack.config,
    logger: pino({ level: 'silent' }),
    port: 0,
    ...apiOptions,
  });
  return {
    ...stack,
    api,
    peer,
    async call(method, path, options = {}) {
      const token = options.token === undefined ? TOKENS.admin : options.token;
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
          ...(token !== null && { authorization: `Bearer ${token}` }),
          ...options.headers,
        },
        ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (metrics)
      }
      return { status: response.status, body, headers: response.headers };
    },
    async eventually(read, check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await read();
        if (check(value)) return value;
        if (Date.now() > deadline)
          throw new Error(`condition not met within ${timeoutMs}ms; last value ${JSON.stringify(value).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      await api.close();
      await stack.stop();
      await peer.close();
    },
  };
}
