import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../domain/incident.js';
import { WORKFLOW_TYPE } from '../../workflows/messages.js';
import {
  AcknowledgedByKey,
  EscalationLevelKey,
  EscalationPolicyKey,
  IncidentServiceKey,
  IncidentSeverityKey,
  IncidentStateKey,
} from '../../workflows/search-attributes.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { WORKFLOW_TASK_TIMEOUT_MS } from '../../client/ingest.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// Timeouts, dedup, what the Web UI sees, and long lives.
let peer: WebhookPeer;
let stack: Stack | undefined;

beforeEach(async () => {
  peer = await startWebhookPeer();
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await peer.close();
});

const slowPolicy = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '20s' })],
  ...extra,
});

describe('incident lifecycle', () => {
  it('re-opens an acknowledged incident when its ack timeout runs out, and pages the level again', async () => {
    stack = await startStack({ policies: [slowPolicy('ack-timeout', { ackTimeout: '600ms' })] });
    await stack.incidents.startIncident({ summary: 'reopen me', severity: 'critical', key: 'ack-reopens' });
    await stack.waitForState('ack-reopens', 'ACTIVE');
    await stack.incidents.acknowledge('ack-reopens', 'dana');
    const reopened = await stack.waitForRecord(
      'ack-reopens',
      (r) => r.state === 'ACTIVE' && r.timeline.some((e) => e.from === 'ACKNOWLEDGED'),
    );
    expect(reopened.acknowledgedBy).toBeUndefined();
    expect(reopened.timeline.find((e) => e.from === 'ACKNOWLEDGED')?.reason).toContain('ackTimeout');
    await peer.waitFor(() => peer.keysFor('incident-ack-reopens').length === 2);
    expect(peer.eventsFor('incident-ack-reopens')).toContain('incident.reopened');
    const keys = peer.keysFor('incident-ack-reopens');
    expect(keys[1]).toContain('/E1/L1/R0/');
  });

  it('resolves by itself after autoResolve', async () => {
    stack = await startStack({ policies: [slowPolicy('auto', { autoResolve: '800ms' })] });
    await stack.incidents.startIncident({ summary: 'flapping', severity: 'warning', key: 'auto-resolves' });
    const result = (await stack.incidents.handle('auto-resolves').result()) as IncidentRecord;
    expect(result).toMatchObject({ state: 'RESOLVED', resolvedBy: 'policy' });
    expect(result.closedReason).toContain('autoResolve');
  });

  it('counts a second start with the same key as an occurrence and raises the severity', async () => {
    stack = await startStack({ policies: [slowPolicy('dedup')] });
    const first = await stack.incidents.startIncident({ summary: 'disk full', severity: 'warning', key: 'dedup-key' });
    const second = await stack.incidents.startIncident({ summary: 'disk full', severity: 'critical', key: 'dedup-key' });
    expect(first).toMatchObject({ escalated: true, created: true });
    expect(second).toMatchObject({ escalated: true, created: false, workflowId: 'incident-dedup-key' });
    const record = await stack.incidents.getIncident('dedup-key');
    expect(record).toMatchObject({ occurrences: 2, severity: 'critical' });
    expect(record.timeline.some((e) => e.kind === 'occurrence' && e.reason?.includes('warning → critical'))).toBe(true);
  });

  it('opens one incident when the same alert races in many times at once', async () => {
    stack = await startStack({ policies: [slowPolicy('race')] });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => stack!.incidents.startIncident({ summary: 'race', severity: 'error', key: 'racing-key' })),
    );
    expect(results.filter((r) => r.escalated && r.created)).toHaveLength(1);
    expect((await stack.incidents.getIncident('racing-key')).occurrences).toBe(5);
  });

  it('derives the key from source, service and summary when none is given', async () => {
    stack = await startStack({ policies: [slowPolicy('hash')] });
    const a = await stack.incidents.startIncident({ summary: 'same', severity: 'error', service: 'api', source: 'prom' });
    const b = await stack.incidents.startIncident({ summary: 'same', severity: 'error', service: 'api', source: 'prom' });
    expect(a.escalated && b.escalated && a.workflowId === b.workflowId).toBe(true);
    expect(b).toMatchObject({ created: false });
  });

  it('keeps the search attributes and current details in step with the record', async () => {
    stack = await startStack({ policies: [slowPolicy('visible')] });
    await stack.incidents.startIncident({ summary: 'visible', severity: 'high', service: 'payments', key: 'visible-key' });
    await stack.waitForState('visible-key', 'ACTIVE');
    const record = await stack.incidents.acknowledge('visible-key', 'dana');
    const description = await stack.incidents.handle('visible-key').describe();
    const attributes = description.typedSearchAttributes;
    expect(attributes.get(IncidentStateKey)).toBe(record.state);
    expect(attributes.get(IncidentSeverityKey)).toBe('error');
    expect(attributes.get(IncidentServiceKey)).toBe('payments');
    expect(attributes.get(EscalationPolicyKey)).toBe('visible');
    expect(attributes.get(EscalationLevelKey)).toBe(record.level);
    expect(attributes.get(AcknowledgedByKey)).toBe('dana');
    expect(await description.staticSummary()).toBe('[error] visible');
    const metadata = await stack.incidents
      .handle('visible-key')
      .query<string>('__temporal_workflow_metadata')
      .catch(() => undefined);
    expect(JSON.stringify(metadata ?? '')).toContain('ACKNOWLEDGED');
  });

  it('continues as new on a long history and carries the record into the new run', async () => {
    stack = await startStack({
      policies: [
        {
          name: 'chatty',
          levels: [webhookLevel(peer.url, '1', { repeat: { count: 12, interval: '60ms' } })],
          finalWait: '200ms',
        },
      ],
    });
    const client = stack.incidents.temporal;
    // Start through the client with a low history bound, as a long-lived incident would reach it.
    const handle = await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'incident-long-lived',
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
      args: [
        {
          incident: { key: 'long-lived', summary: 'long lived', severity: 'critical' },
          policy: stack.config.policies[0],
          occurrenceId: 'first',
          settings: { delivery: stack.config.delivery, maxHistoryEvents: 60 },
        },
      ],
    });
    // A timed-out incident stays open for answers: wait for the state, not the result.
    // It hands over at a quiet moment (no delivery in flight), so wait for the hand-over too.
    const result = await stack.waitForRecord(
      'long-lived',
      (r) => r.state === 'TIMED_OUT' && r.runs >= 1 && r.notifications.every((n) => n.status !== 'pending'),
    );
    expect(result.notificationCount).toBe(13);
    expect(result.notifications.filter((n) => n.status === 'delivered')).toHaveLength(13);
    const keys = peer.keysFor('incident-long-lived');
    expect(new Set(keys).size).toBe(13);
    const description = await client.workflow.getHandle('incident-long-lived').describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    // The short workflow task timeout (what a killed worker costs) carries over to the new run.
    expect(Number(description.raw.executionConfig?.defaultWorkflowTaskTimeout?.seconds)).toBe(WORKFLOW_TASK_TIMEOUT_MS / 1000);
  });

  it("waits 5 s for a delivery's heartbeat, not its whole attempt timeout, so a page held by a worker that died goes out again soon", async () => {
    // The default attempt timeout (the tests' stack shortens it): before the patch, the heartbeat timeout was as long.
    stack = await startStack({ policies: [slowPolicy('beats')], delivery: { attemptTimeout: '30s' } });
    await stack.incidents.startIncident({ summary: 'beats', severity: 'critical', key: 'delivery-beats' });
    await peer.waitFor(() => peer.keysFor('incident-delivery-beats').length === 1);
    const history = await stack.incidents.temporal.workflow.getHandle('incident-delivery-beats').fetchHistory();
    const scheduled = (history.events ?? [])
      .map((event) => event.activityTaskScheduledEventAttributes)
      .find((attributes) => attributes?.activityType?.name === 'deliver');
    const seconds = (duration: { seconds?: unknown } | null | undefined) => Number(duration?.seconds ?? 0);
    expect(seconds(scheduled?.startToCloseTimeout)).toBe(30);
    expect(seconds(scheduled?.heartbeatTimeout)).toBe(5);
    await stack.incidents.resolve('delivery-beats', 'dana');
  });

  it('ends FAILED, saying why, when started with an invalid policy', async () => {
    stack = await startStack({ policies: [slowPolicy('valid')] });
    const handle = await stack.incidents.temporal.workflow.start(WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'incident-bad-input',
      args: [
        {
          incident: { key: 'bad-input', summary: 'x', severity: 'critical' },
          policy: { name: 'broken', levels: [] },
          occurrenceId: 'o',
          settings: {},
        },
      ],
    });
    const result = (await handle.result()) as IncidentRecord;
    expect(result.state).toBe('FAILED');
    expect(result.closedReason).toContain('policy.levels');
  });

  it('answers a gated-off alert with escalated: false and starts nothing', async () => {
    stack = await startStack({ gates: { minSeverity: 'error' }, policies: [slowPolicy('gated')] });
    const result = await stack.incidents.startIncident({ summary: 'just a warning', severity: 'warning', key: 'gated-off' });
    expect(result).toEqual({ escalated: false, reason: 'severity warning is below gates.minSeverity (error)' });
    await expect(stack.incidents.getIncident('gated-off')).rejects.toThrow(/no incident/);
  });
});
