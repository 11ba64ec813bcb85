import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What the API process sees: incidents started, moves by operation and outcome, request latency.
 * Notifications by channel and outcome happen in the worker, which exports its own counters.
 * One registry per API instance, so two in one process (tests) do not collide.
 */
export interface ApiMetrics {
  registry: Registry;
  incidentsStarted: Counter<'source' | 'outcome'>;
  moves: Counter<'operation' | 'outcome'>;
  requestSeconds: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'escalation_api_' });
  return {
    registry,
    incidentsStarted: new Counter({
      name: 'escalation_incidents_started_total',
      help: 'Incident starts through the API: created, occurrence (counted on the open incident) or gated (not escalated)',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    moves: new Counter({
      name: 'escalation_incident_moves_total',
      help: 'Acknowledge, resolve, cancel, escalate and annotate through the API, by outcome (ok, refused, not_found, error)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'escalation_api_request_duration_seconds',
      help: 'HTTP API request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
