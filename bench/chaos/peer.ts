import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_HEADERS } from '../../activities/providers/webhook.js';
import type { WebhookBody } from '../../test/helpers/webhook-peer.js';

/**
 * The webhook peer of a failure run: a node:http server on 127.0.0.1 that every level's targets
 * point at. It records every request it receives (the page, its idempotency key, when the
 * provider started the attempt, when it arrived, what the peer answered), and answers as the
 * current fault says. test/helpers/webhook-peer.ts and bench/receiver.ts record only what they
 * accept and cannot hang or drop a connection, which is what fault 4 needs.
 */

export type PeerMode = 'ok' | 'error500' | 'throttle429' | 'hang' | 'drop';

export interface PeerRequest {
  /** Date.now() when the body had arrived. */
  receivedAt: number;
  /** The provider's `sentAt` (its clock when it started this attempt), epoch ms. */
  sentAt: number;
  idempotencyKey: string;
  workflowId: string;
  event: string;
  level: number;
  repeat: number;
  target: string;
  path: string;
  /** What the peer did: `ok` is a 200; `held` was a 200 after a hold (a delivery in flight). */
  answer: PeerMode | 'held';
  /** Answered 2xx: the delivery counts. */
  delivered: boolean;
}

/** A request for one incident is held before its 200, so the harness can answer while it is in flight. */
export type HoldHook = (request: PeerRequest) => number | undefined;

export interface ChaosPeer {
  base: string;
  requests: PeerRequest[];
  mode: PeerMode;
  setMode(mode: PeerMode): void;
  /** Called for every page before it is answered; a number holds the 200 that many ms. */
  onPage(hook: HoldHook | undefined): void;
  close(): Promise<void>;
}

/** Retry-After the peer sends with 429, seconds. */
export const RETRY_AFTER_SECONDS = 1;
/** A hung request is dropped after this long, so nothing hangs past the run. */
const HANG_LIMIT_MS = 15_000;

export async function startChaosPeer(): Promise<ChaosPeer> {
  const requests: PeerRequest[] = [];
  let mode: PeerMode = 'ok';
  let hook: HoldHook | undefined;
  const hung = new Set<ServerResponse>();

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const receivedAt = Date.now();
    let body: Partial<WebhookBody> & { sentAt?: string };
    try {
      body = JSON.parse(raw) as Partial<WebhookBody> & { sentAt?: string };
    } catch {
      res.writeHead(400).end();
      return;
    }
    const header = req.headers[WEBHOOK_HEADERS.idempotencyKey];
    const request: PeerRequest = {
      receivedAt,
      sentAt: body.sentAt ? Date.parse(body.sentAt) : Number.NaN,
      idempotencyKey: typeof header === 'string' ? header : (body.idempotencyKey ?? ''),
      workflowId: body.incident?.workflowId ?? '',
      event: body.event ?? '',
      level: body.level ?? 0,
      repeat: body.repeat ?? 0,
      target: body.target ?? '',
      path: req.url ?? '/',
      answer: mode,
      delivered: false,
    };
    requests.push(request);
    switch (mode) {
      case 'ok': {
        const holdMs = request.event === 'incident.page' || request.event === 'incident.repeat' ? hook?.(request) : undefined;
        if (holdMs === undefined) return ok(res, request);
        request.answer = 'held';
        setTimeout(() => ok(res, request), holdMs);
        return;
      }
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"chaos: internal error"}');
        return;
      case 'throttle429':
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) })
          .end('{"error":"chaos: slow down"}');
        return;
      case 'hang': {
        // Never answered: the provider's own timeout gives up; the socket goes after HANG_LIMIT_MS.
        hung.add(res);
        const timer = setTimeout(() => res.socket?.destroy(), HANG_LIMIT_MS);
        res.on('close', () => {
          clearTimeout(timer);
          hung.delete(res);
        });
        return;
      }
      case 'drop':
        req.socket.destroy();
        return;
      default: {
        const unknownMode: never = mode;
        throw new Error(`unknown peer mode ${String(unknownMode)}`);
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
    },
    onPage(next) {
      hook = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function ok(res: ServerResponse, request: PeerRequest): void {
  if (!res.socket || res.socket.destroyed) return; // the provider gave up while the answer was held
  request.delivered = true;
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
}
