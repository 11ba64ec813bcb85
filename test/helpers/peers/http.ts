import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers as a provider's API
 * would: the service modules beside this one (slack.ts, pagerduty.ts, ...) give it their answers.
 * Tests script failures with `answerNext` (the next requests, in order) or `respondWith`.
 */
export interface PeerRequest {
  at: number;
  method: string;
  /** Path and query, as sent. */
  path: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body as JSON, when it is JSON. */
  json?: Record<string, unknown>;
  /** The body as a form, when it is form-encoded. */
  form?: Record<string, string>;
}

export interface PeerAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless a string. */
  body?: unknown;
}

export type PeerResponder = (request: PeerRequest) => PeerAnswer | undefined;

export interface HttpPeer {
  /** `http://127.0.0.1:<port>`: the provider's `baseUrl`. */
  url: string;
  /** Every request, answered or not, in arrival order. */
  requests: PeerRequest[];
  /** The next requests get these answers, in order; then the service's own answers again. */
  answerNext(...answers: PeerAnswer[]): void;
  /** Answers before the service's own; return undefined to let the service answer. */
  respondWith(responder: PeerResponder | undefined): void;
  waitFor(predicate: (requests: PeerRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpPeer(name: string, service: (request: PeerRequest) => PeerAnswer): Promise<HttpPeer> {
  const requests: PeerRequest[] = [];
  const queued: PeerAnswer[] = [];
  let responder: PeerResponder | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://peer');
      const type = req.headers['content-type'] ?? '';
      const request: PeerRequest = {
        at: Date.now(),
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        pathname: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        ...(type.startsWith('application/json') ? { json: parseJson(rawBody) } : {}),
        ...(type.startsWith('application/x-www-form-urlencoded') ? { form: Object.fromEntries(new URLSearchParams(rawBody)) } : {}),
      };
      requests.push(request);
      const answer = queued.shift() ?? responder?.(request) ?? service(request);
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerNext: (...answers) => queued.push(...answers),
    respondWith: (next) => {
      responder = next;
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) {
          throw new Error(
            `${name} peer: condition not met within ${timeoutMs}ms; received ${requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'nothing'}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
