import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A plain node:http webhook receiver on 127.0.0.1 (the shape of test/helpers/webhook-peer.ts, with
 * event-driven waiting and high-resolution arrival times). A path under `/fail` answers 503 always;
 * every other path answers 200.
 */
export interface Arrival {
  /** performance.now() when the POST's body had arrived: compare with performance.now() taken in this process. */
  perf: number;
  /** Date.now() at the same moment: compare with workflow and server timestamps. */
  wall: number;
  path: string;
  workflowId: string;
  level: number;
  repeat: number;
  event: string;
  idempotencyKey: string;
  status: number;
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:PORT; targets add a path. */
  base: string;
  /** Every 2xx arrival, in order. */
  delivered: Arrival[];
  /** Counts of answers by status code. */
  statuses: Map<number, number>;
  /** Resolves with the first 2xx arrival for this incident and level (1-based) and repeat, now or later. */
  waitFor(workflowId: string, level: number, repeat?: number): Promise<Arrival>;
  /** Resolves once `count` 2xx arrivals (in total) have been received. */
  waitForCount(count: number): Promise<void>;
  close(): Promise<void>;
}

interface WebhookBodyFields {
  event?: string;
  idempotencyKey?: string;
  level?: number;
  repeat?: number;
  incident?: { workflowId?: string };
}

export async function startReceiver(): Promise<Receiver> {
  const delivered: Arrival[] = [];
  const statuses = new Map<number, number>();
  const firsts = new Map<string, Arrival>();
  const waiters = new Map<string, ((arrival: Arrival) => void)[]>();
  const countWaiters: { count: number; resolve: () => void }[] = [];
  const keyOf = (workflowId: string, level: number, repeat: number) => `${workflowId}|${level}|${repeat}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const perf = performance.now();
      const wall = Date.now();
      const path = req.url ?? '/';
      const status = path.startsWith('/fail') ? 503 : 200;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"ok":true}' : '{"ok":false,"error":"benchmark: always unavailable"}');
      if (status !== 200) return;
      let body: WebhookBodyFields;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBodyFields;
      } catch {
        return;
      }
      const arrival: Arrival = {
        perf,
        wall,
        path,
        workflowId: body.incident?.workflowId ?? '',
        level: body.level ?? 0,
        repeat: body.repeat ?? 0,
        event: body.event ?? '',
        idempotencyKey: body.idempotencyKey ?? '',
        status,
      };
      delivered.push(arrival);
      const key = keyOf(arrival.workflowId, arrival.level, arrival.repeat);
      if (!firsts.has(key)) {
        firsts.set(key, arrival);
        for (const wake of waiters.get(key) ?? []) wake(arrival);
        waiters.delete(key);
      }
      for (let i = countWaiters.length - 1; i >= 0; i -= 1) {
        const waiter = countWaiters[i];
        if (waiter && delivered.length >= waiter.count) {
          countWaiters.splice(i, 1);
          waiter.resolve();
        }
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    base: `http://127.0.0.1:${port}`,
    delivered,
    statuses,
    waitFor(workflowId, level, repeat = 0) {
      const key = keyOf(workflowId, level, repeat);
      const seen = firsts.get(key);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.set(key, [...(waiters.get(key) ?? []), resolve]));
    },
    waitForCount(count) {
      if (delivered.length >= count) return Promise.resolve();
      return new Promise((resolve) => countWaiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Rejects after `ms` with a message naming what was awaited; the timer does not keep Node alive. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`benchmark: ${what} did not happen within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
