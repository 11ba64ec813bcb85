import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on 127.0.0.1 that receives webhook notifications and answers as told. */
export interface ReceivedWebhook {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: WebhookBody;
}

export interface WebhookBody {
  event: string;
  idempotencyKey: string;
  level: number;
  repeat: number;
  target: string;
  incident: { workflowId: string; state: string; summary: string; severity: string };
}

export interface PeerAnswer {
  status: number;
  headers?: Record<string, string>;
}

/** How the peer answers a request; a promise holds the request open until it settles. */
export type Responder = (request: { path: string; attempt: number; body: WebhookBody }) => PeerAnswer | Promise<PeerAnswer>;

export interface WebhookPeer {
  url: string;
  received: ReceivedWebhook[];
  /** Pages (and repeats) for one incident, by idempotency key, in arrival order. */
  keysFor(workflowId: string): string[];
  /** Every event for one incident in arrival order: incident.page, incident.acknowledged, ... */
  eventsFor(workflowId: string): string[];
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

export async function startWebhookPeer(): Promise<WebhookPeer> {
  const received: ReceivedWebhook[] = [];
  const attempts = new Map<string, number>();
  let responder: Responder = () => ({ status: 200 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(rawBody) as WebhookBody;
      const attempt = (attempts.get(body.idempotencyKey) ?? 0) + 1;
      attempts.set(body.idempotencyKey, attempt);
      const answer = await responder({ path: req.url ?? '/', attempt, body });
      if (answer.status >= 200 && answer.status < 300) {
        received.push({ at: Date.now(), path: req.url ?? '/', headers: req.headers, rawBody, body });
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify({ ok: answer.status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    keysFor: (workflowId) =>
      received
        .filter(
          (r) => r.body.incident.workflowId === workflowId && (r.body.event === 'incident.page' || r.body.event === 'incident.repeat'),
        )
        .map((r) => r.body.idempotencyKey),
    eventsFor: (workflowId) => received.filter((r) => r.body.incident.workflowId === workflowId).map((r) => r.body.event),
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`webhook peer: condition not met within ${timeoutMs}ms; received ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    respondWith(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
