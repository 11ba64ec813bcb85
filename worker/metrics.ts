import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DELIVERY_FAILURE, type NotificationActivities } from '../domain/delivery.js';
import { INCIDENT_STATES } from '../domain/incident.js';
import { incidentQuery } from '../client/visibility.js';

/**
 * What the worker exports on /metrics (METRICS_PORT): deliveries by channel and outcome, delivery
 * latency, step lateness, incidents by state and actions by outcome. README "Worker metrics" has
 * a Grafana query for each. One registry per worker process, so tests may run several.
 */
export interface WorkerMetrics {
  registry: Registry;
  deliveries: Counter<'channel' | 'outcome'>;
  deliverySeconds: Histogram<'channel' | 'outcome'>;
  stepLatenessSeconds: Histogram<'kind'>;
  incidents: Gauge<'state'>;
  /** Automated responses (issue 14, item 1): zero until actions exist; their activity increments it. */
  actions: Counter<'outcome'>;
  /** How often the incident-state gauge is refreshed from visibility. */
  incidentRefreshMs: number;
}

export const DELIVERY_OUTCOMES = [
  'delivered',
  'skipped',
  'rejected',
  'not_configured',
  'unavailable',
  'rate_limited',
  'cancelled',
  'error',
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export const ACTION_OUTCOMES = ['succeeded', 'failed'] as const;

export function createWorkerMetrics(options: { defaultMetrics?: boolean; incidentRefreshMs?: number } = {}): WorkerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'escalation_worker_' });
  const actions = new Counter({
    name: 'escalation_actions_total',
    help: 'Automated response actions run by the worker, by outcome (succeeded, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // Present at zero from the start, so a dashboard shows 0 rather than "no data".
  for (const outcome of ACTION_OUTCOMES) actions.inc({ outcome }, 0);
  return {
    registry,
    deliveries: new Counter({
      name: 'escalation_deliveries_total',
      help: 'Notification delivery attempts by channel and outcome (delivered, skipped, rejected, not_configured, unavailable, rate_limited, cancelled, error)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    deliverySeconds: new Histogram({
      name: 'escalation_delivery_duration_seconds',
      help: "How long one delivery attempt took, from the activity's start to the provider's answer",
      labelNames: ['channel', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    stepLatenessSeconds: new Histogram({
      name: 'escalation_step_lateness_seconds',
      help: 'How late a delivery attempt started: from when Temporal scheduled it to when this worker started it',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    incidents: new Gauge({
      name: 'escalation_incidents',
      help: "Incidents of this worker's task queue by state (IncidentState), from Temporal visibility, refreshed periodically",
      labelNames: ['state'],
      registers: [registry],
    }),
    actions,
    incidentRefreshMs: options.incidentRefreshMs ?? 30_000,
  };
}

/**
 * The activities with `deliver` measured. Lateness: the delivery request carries no planned due
 * time, so it is the attempt's scheduled-to-started time from the activity info (time spent in the
 * task queue, waiting for a worker with a free slot).
 */
export function instrumentActivities(activities: NotificationActivities, metrics: WorkerMetrics, now = Date.now): NotificationActivities {
  return {
    ...activities,
    async deliver(request) {
      const info = Context.current().info;
      metrics.stepLatenessSeconds.observe({ kind: request.kind }, Math.max(0, now() - info.currentAttemptScheduledTimestampMs) / 1000);
      const started = performance.now();
      let outcome: DeliveryOutcome = 'error';
      try {
        const result = await activities.deliver(request);
        outcome = result.status;
        return result;
      } catch (error) {
        outcome = failureOutcome(error);
        throw error;
      } finally {
        const labels = { channel: request.delivery.channel, outcome };
        metrics.deliveries.inc(labels);
        metrics.deliverySeconds.observe(labels, (performance.now() - started) / 1000);
      }
    },
  };
}

function failureOutcome(error: unknown): DeliveryOutcome {
  if (error instanceof CancelledFailure) return 'cancelled';
  if (!(error instanceof ApplicationFailure)) return 'error';
  switch (error.type) {
    case DELIVERY_FAILURE.rejected:
      return 'rejected';
    case DELIVERY_FAILURE.notConfigured:
      return 'not_configured';
    case DELIVERY_FAILURE.unavailable:
      return 'unavailable';
    case DELIVERY_FAILURE.rateLimited:
      return 'rate_limited';
    default:
      return 'error';
  }
}

/**
 * Keeps `escalation_incidents{state}` current: one visibility count per state every incidentRefreshMs
 * (bounded: eight cheap count queries, never two rounds at once). Answers the function that stops it.
 */
export function watchIncidentStates(
  client: Client,
  taskQueue: string,
  metrics: WorkerMetrics,
  options: { onError?: (error: unknown) => void } = {},
): () => void {
  let running = false;
  const refresh = async () => {
    if (running) return;
    running = true;
    try {
      const counts = await Promise.all(
        INCIDENT_STATES.map(async (state) => {
          return [state, (await client.workflow.count(incidentQuery({ taskQueue }, { state }))).count] as const;
        }),
      );
      for (const [state, count] of counts) metrics.incidents.set({ state }, count);
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), metrics.incidentRefreshMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the registry on GET /metrics; port 0 picks a free one. */
export async function startMetricsServer(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch((error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/metrics`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
