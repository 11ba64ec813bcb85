import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { expect } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { Config } from '../../domain/config.js';
import type { Delivery, DeliveryRequest, DeliveryResult, IncidentSnapshot } from '../../domain/delivery.js';

/**
 * Runs the real `deliver` activity in MockActivityEnvironment (an activity context, no Temporal
 * server) with a config whose providers point at the test's peers.
 */
export const NOW = Date.parse('2026-01-05T15:00:00Z');
export const UI_URL = 'http://127.0.0.1:8233/namespaces/default/workflows/incident-db-down';

export function providerConfig(providers: Record<string, unknown>): Config {
  return Config.parse({ providers, policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }] });
}

export function testIncident(overrides: Partial<IncidentSnapshot> = {}): IncidentSnapshot {
  return {
    id: 'incident-db-down',
    key: 'db-down',
    workflowId: 'incident-db-down',
    state: 'ACTIVE',
    severity: 'critical',
    summary: 'primary database is down',
    source: 'prometheus',
    service: 'payments',
    labels: { region: 'eu-1', runbook_url: 'https://runbooks.example.com/db-down' },
    links: [],
    policy: 'production-critical',
    level: 1,
    repeat: 0,
    cycle: 0,
    escalationCount: 0,
    notificationCount: 0,
    occurrences: 1,
    firstSeenAt: '2026-01-05T14:59:00.000Z',
    lastSeenAt: '2026-01-05T14:59:00.000Z',
    createdAt: '2026-01-05T14:59:00.000Z',
    updatedAt: '2026-01-05T15:00:00.000Z',
    runs: 0,
    timeline: [
      { at: '2026-01-05T14:59:00.000Z', kind: 'note', to: 'PENDING', by: 'prometheus', reason: 'opened under policy production-critical' },
      { at: '2026-01-05T14:59:00.000Z', kind: 'move', from: 'PENDING', to: 'ACTIVE', by: 'engine', level: 1 },
    ],
    ...overrides,
  };
}

export function pageRequest(delivery: Delivery, overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    idempotencyKey: `incident-db-down/L1/R0/${delivery.target}/${delivery.channel}`,
    kind: 'page',
    incident: testIncident(),
    level: 0,
    repeat: 0,
    delivery,
    uiUrl: UI_URL,
    ...overrides,
  };
}

export function updateRequest(
  page: DeliveryRequest,
  event: NonNullable<DeliveryRequest['event']>,
  incident: Partial<IncidentSnapshot>,
  providerMessageId?: string,
): DeliveryRequest {
  return {
    ...page,
    idempotencyKey: `incident-db-down/U1-${event}/${page.delivery.target}/${page.delivery.channel}`,
    kind: 'update',
    event,
    incident: testIncident(incident),
    ...(providerMessageId !== undefined ? { providerMessageId } : {}),
  };
}

export async function deliver(
  config: Config,
  request: DeliveryRequest,
  attempt = 1,
  deps: Pick<ActivityDeps, 'responder'> = {},
): Promise<DeliveryResult> {
  const activities = createActivities({ config, now: () => NOW, version: '9.9.9', ...deps });
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('WARN', () => undefined) });
  return env.run(activities.deliver, request);
}

export async function deliveryFailure(config: Config, request: DeliveryRequest, attempt = 1): Promise<ApplicationFailure> {
  const error = await deliver(config, request, attempt).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}
