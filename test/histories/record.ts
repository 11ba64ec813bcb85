// Records the histories test/workflow/replay.test.ts replays: `npm run record-history [-- <scenario>...]`.
// The scenarios run on a headless dev server of their own, with the production worker and client
// library; each reaches its end state, and its history is saved as test/histories/<scenario>.json (the JSON
// `temporal workflow show --output json` writes). Re-record only on purpose: a history that no longer
// replays means running incidents would break (STYLE.md: patched() plus a replay test).
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { HeartbeatClient } from '../../client/heartbeats.js';
import { IncidentClient, IncidentNotFoundError } from '../../client/incidents.js';
import { HEARTBEAT_WORKFLOW_TYPE, heartbeatWorkflowId } from '../../domain/heartbeat-state.js';
import { heartbeatConfigSignal, heartbeatPingSignal, heartbeatStopSignal } from '../../workflows/heartbeat-messages.js';
import { Config } from '../../domain/config.js';
import type { IncidentRecord } from '../../domain/incident.js';
import { startDevServer } from '../../worker/dev-server.js';
import { createEscalationWorker } from '../../worker/worker.js';
import { WorkflowSettings, type IncidentWorkflowInput } from '../../domain/workflow-input.js';
import { cancelSignal, escalateSignal, resolveSignal, WORKFLOW_TYPE } from '../../workflows/messages.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';
import { historyToJson } from './history-json.js';

const here = dirname(fileURLToPath(import.meta.url));
const TASK_QUEUE = 'record-history';

interface Scenario {
  /** The file name and the incident key: the workflow id is `incident-<name>`. */
  name: string;
  what: string;
  /** Drives the incident to its end state; returns the state it ended in. */
  run(incidents: IncidentClient, peer: WebhookPeer, later: LaterWorker): Promise<string>;
  /** Which run to save: the last (default), or the first (a run that continued as new). */
  run0?: boolean;
  /** Set by run() when the incident's id is not `incident-<name>` (a grouping route's group key). */
  incidentId?: string;
  /** Set when the history to save is not an incident's (a heartbeat watch): its workflow id as is. */
  workflowId?: string;
}

/** Starts a worker on another task queue when asked (alerts accepted while no worker runs). */
type LaterWorker = (taskQueue: string) => Promise<{ stop(): Promise<void> }>;

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Business hours on tomorrow's weekday only: whenever this runs, it is outside them. */
const tomorrowOnly = () => ({ days: [WEEKDAYS[(new Date().getUTCDay() + 1) % 7]], start: '09:00', end: '10:00', timezone: 'UTC' });

const log = (id: string) => ({ targets: [{ type: 'log', id }] });
const webhook = (url: string, level: string, extra: Record<string, unknown> = {}) => ({
  targets: [{ type: 'webhook', url: `${url}?level=${level}` }],
  ...extra,
});

function policies(peerUrl: string): Record<string, unknown>[] {
  return [
    {
      name: 'walk',
      levels: [
        { ...log('team-lead'), repeat: { count: 1, interval: '300ms' } },
        { ...log('primary'), delay: '600ms' },
        { ...log('managers'), delay: '600ms' },
      ],
      finalWait: '300ms',
    },
    { name: 'reopen', levels: [webhook(peerUrl, '1'), webhook(peerUrl, '2', { delay: '30s' })], ackTimeout: '500ms' },
    { name: 'dedup', levels: [log('team-lead'), { ...log('primary'), delay: '30s' }, { ...log('managers'), delay: '30s' }] },
    // The final wait lets level 1's four attempts (100, 200, 400 ms apart) fail before the policy times out.
    { name: 'flaky', levels: [webhook(peerUrl, '1'), webhook(peerUrl, '2', { delay: '500ms' })], finalWait: '3s' },
    // Both levels refuse every page (400): level 2 goes out at once, then the fallback after the last level.
    {
      name: 'unreachable',
      levels: [webhook(peerUrl, 'dead-1'), webhook(peerUrl, 'dead-2', { delay: '30s' })],
      fallback: [{ type: 'webhook', url: `${peerUrl}?level=fallback` }],
      finalWait: '30s',
    },
    // Level 1 runs a runbook action (retried once after a 503) beside its page; level 2 pages later.
    {
      name: 'self-healing',
      levels: [
        {
          ...log('team-lead'),
          actions: [
            { name: 'restart', http: { url: `${peerUrl}?level=action`, body: { service: '{{ incident.service }}' } }, maxAttempts: 3 },
          ],
        },
        webhook(peerUrl, '2', { delay: '30s' }),
      ],
    },
    { name: 'office', levels: [log('team-lead'), { ...log('primary'), delay: '30s' }], businessHours: tomorrowOnly() },
    // Warnings wait for business hours on every level; level 2 pages criticals only.
    {
      name: 'office-levels',
      levels: [
        log('team-lead'),
        { ...log('primary'), delay: '300ms', when: { minSeverity: 'critical' } },
        { ...log('managers'), delay: '300ms' },
      ],
      businessHours: tomorrowOnly(),
      urgency: { warning: 'low' },
    },
    { name: 'grouped', levels: [webhook(peerUrl, '1'), webhook(peerUrl, '2', { delay: '30s' })] },
    {
      name: 'reminded',
      levels: [webhook(peerUrl, '1'), webhook(peerUrl, '2', { delay: '30s' })],
      ackReminder: { every: '300ms', count: 2 },
    },
    { name: 'late', levels: [webhook(peerUrl, 'late'), webhook(peerUrl, '2', { delay: '30s' })] },
    { name: 'cooling', levels: [webhook(peerUrl, '1'), webhook(peerUrl, '2', { delay: '30s' })], cooldown: '1h' },
    { name: 'warning-policy', levels: [webhook(peerUrl, 'w1', { delay: '30s' }), webhook(peerUrl, 'w2', { delay: '30s' })] },
    { name: 'critical-policy', levels: [webhook(peerUrl, 'c1'), webhook(peerUrl, 'c2', { delay: '30s' })] },
    // Level 2 two seconds after level 1: a four-second maintenance window opened meanwhile holds it.
    { name: 'maintained', levels: [webhook(peerUrl, '1'), webhook(peerUrl, '2', { delay: '2s' })] },
    { name: 'hurry', levels: [{ targets: [{ type: 'user', id: 'dana' }] }, { ...log('primary'), delay: '30s' }] },
    // Round robin: the page and its repeat go to the next person of the policy's rotation each time.
    {
      name: 'rotating',
      levels: [
        {
          notify: 'round-robin',
          targets: [
            { type: 'user', id: 'ann' },
            { type: 'user', id: 'ben' },
          ],
          repeat: { count: 1, interval: '300ms' },
        },
        { ...log('primary'), delay: '30s' },
      ],
    },
    // A repeat every 20 ms: the history passes maxHistoryEvents (50) quickly and the run continues as new.
    {
      name: 'long',
      levels: [
        { ...log('team-lead'), repeat: { count: 40, interval: '20ms' } },
        { ...log('primary'), delay: '10s' },
      ],
    },
  ];
}

function routes(): Record<string, unknown>[] {
  return [
    { match: { service: 'grouped' }, policy: 'grouped', groupBy: ['alertname'], groupWait: '400ms' },
    { match: { service: 'switching', severity: 'critical' }, policy: 'critical-policy' },
    { match: { service: 'switching' }, policy: 'warning-policy' },
    { policy: 'walk' },
  ];
}

const scenarios: Scenario[] = [
  {
    name: 'walk-to-timeout',
    what: 'level 1, its repeat, levels 2 and 3, TIMED_OUT; then resolved by signal',
    async run(incidents) {
      await incidents.startIncident({ summary: 'db down', severity: 'critical', key: this.name, policy: 'walk' });
      await waitFor(incidents, this.name, (r) => r.state === 'TIMED_OUT');
      await incidents.handle(this.name).signal(resolveSignal, { by: 'dana', note: 'back up' });
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'ack-reopen-resolve',
    what: 'acknowledged by update, re-opened by the ack timeout (level paged again), resolved by update; webhook announcements',
    async run(incidents, peer) {
      const workflowId = `incident-${this.name}`;
      await incidents.startIncident({ summary: 'api 5xx', severity: 'error', key: this.name, policy: 'reopen' });
      await peer.waitFor(() => peer.keysFor(workflowId).length === 1);
      await incidents.acknowledge(this.name, 'dana', 'looking');
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE' && r.timeline.some((e) => e.from === 'ACKNOWLEDGED'));
      await peer.waitFor(() => peer.keysFor(workflowId).length === 2);
      await incidents.resolve(this.name, 'dana', 'rolled back');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'dedup-escalate-cancel',
    what: 'a second alert with the same key counted as an occurrence (severity raised), escalated and annotated by update, cancelled by update',
    async run(incidents) {
      await incidents.startIncident({ summary: 'disk full', severity: 'warning', key: this.name, policy: 'dedup' });
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE');
      const again = await incidents.startIncident({ summary: 'disk full', severity: 'critical', key: this.name, policy: 'dedup' });
      if (!again.escalated || again.created) throw new Error(`${this.name}: the second alert opened a new incident`);
      await incidents.escalate(this.name, 'dana', 'need storage');
      await incidents.annotate(this.name, 'dana', 'expanding the volume');
      await incidents.cancel(this.name, 'dana', 'false alarm: monitoring misread the volume');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'business-hours-hold',
    what: 'opened outside business hours: level 1 held (PENDING, noted), annotated, then resolved by update',
    async run(incidents) {
      await incidents.startIncident({ summary: 'batch late', severity: 'warning', key: this.name, policy: 'office' });
      await waitFor(incidents, this.name, (r) => r.timeline.some((e) => e.reason?.startsWith('outside business hours')));
      await incidents.annotate(this.name, 'dana', 'can wait for the morning');
      await incidents.resolve(this.name, 'dana', 'handled at 9');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'level-holds-and-skips',
    what: 'low urgency holds level 1 outside business hours (noted); a repeat raises it to error (high): level 1 pages at once, level 2 (when minSeverity critical) is skipped, level 3 pages; resolved by update',
    async run(incidents) {
      await incidents.startIncident({ summary: 'nightly export slow', severity: 'warning', key: this.name, policy: 'office-levels' });
      await waitFor(incidents, this.name, (r) => r.timeline.some((e) => e.reason?.startsWith('low urgency (warning)')));
      await incidents.startIncident({ summary: 'nightly export failing', severity: 'error', key: this.name, policy: 'office-levels' });
      await waitFor(incidents, this.name, (r) => r.level === 3);
      await incidents.resolve(this.name, 'dana', 'export re-run');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'group-wait',
    what: 'a grouping route: a second alert joins during the group wait, level 1 pages after it, acknowledged and resolved by signal',
    async run(incidents, peer) {
      const alert = (instance: string) =>
        incidents.startIncident({
          summary: `disk full on ${instance}`,
          severity: 'critical',
          service: 'grouped',
          key: instance,
          labels: { alertname: 'DiskFull', instance },
        });
      const first = await alert('db-1');
      await alert('db-2');
      if (!first.escalated) throw new Error(`${this.name}: the alert was not escalated`);
      this.incidentId = first.workflowId;
      await peer.waitFor(() => peer.keysFor(first.workflowId).length === 1);
      await incidents.acknowledge(first.workflowId, 'dana');
      await incidents.handle(first.workflowId).signal(resolveSignal, { by: 'dana', note: 'cleaned up' });
      return closedState(incidents, first.workflowId);
    },
  },
  {
    name: 'cooldown-reopen',
    what: 'resolved, then the alert fires again within the cooldown: the new run re-opens it (RESOLVED → PENDING), pages level 1 under a new epoch, resolved',
    async run(incidents, peer) {
      const workflowId = `incident-${this.name}`;
      const alert = () => incidents.startIncident({ summary: 'queue stuck', severity: 'critical', key: this.name, policy: 'cooling' });
      await alert();
      await peer.waitFor(() => peer.keysFor(workflowId).length === 1);
      await incidents.resolve(this.name, 'dana', 'drained');
      await incidents.handle(this.name).result();
      await alert();
      await peer.waitFor(() => peer.keysFor(workflowId).length === 2);
      await incidents.resolve(this.name, 'dana', 'drained again');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'policy-switch',
    what: 'a warning incident, then a critical repeat: routes choose another policy, the incident moves to it and pages its level 1; cancelled',
    async run(incidents, peer) {
      const workflowId = `incident-${this.name}`;
      const alert = (severity: string) =>
        incidents.startIncident({ summary: 'disk filling', severity, service: 'switching', key: this.name });
      await alert('warning');
      await waitFor(incidents, this.name, (r) => r.state === 'PENDING' && r.nextEscalationAt !== undefined);
      await alert('critical');
      await peer.waitFor(() => peer.keysFor(workflowId).length === 1);
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE');
      await incidents.cancel(this.name, 'dana', 'disk expanded');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'continue-as-new',
    what: 'level 1 repeated every 20 ms until the history passes 50 events: the run continues as new carrying the record (the first run is saved)',
    run0: true,
    async run(incidents) {
      const config = incidents.config;
      const policy = config.policies.find((p) => p.name === 'long');
      if (!policy) throw new Error('policy long is configured');
      // Started by hand: the client library keeps the default history limit (10,000 events).
      const input: IncidentWorkflowInput = {
        incident: { key: this.name, summary: 'flapping link', severity: 'critical', labels: {}, links: [] },
        policy,
        occurrenceId: `${this.name}-opener`,
        settings: WorkflowSettings.parse({
          namespace: incidents.temporal.options.namespace,
          delivery: config.delivery,
          maxHistoryEvents: 50,
        }),
      };
      await incidents.temporal.workflow.start(WORKFLOW_TYPE, { taskQueue: TASK_QUEUE, workflowId: `incident-${this.name}`, args: [input] });
      await waitFor(incidents, this.name, (r) => r.runs >= 1 && r.state === 'ACTIVE');
      await incidents.handle(this.name).signal(resolveSignal, { by: 'dana', note: 'link stable' });
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'accepted-without-worker',
    what: 'accepted while no worker runs; a worker starts 1.5 s later: level 1 pages at once and level 2 counts from the acceptance (patched policy-clock-from-acceptance); resolved',
    async run(incidents, peer, later) {
      const workflowId = `incident-${this.name}`;
      const queue = `${TASK_QUEUE}-later`;
      const waiting = new IncidentClient({ client: incidents.temporal, config: incidents.config, taskQueue: queue });
      await waiting.startIncident({ summary: 'accepted in a deploy', severity: 'critical', key: this.name, policy: 'reopen' });
      await new Promise((r) => setTimeout(r, 1_500));
      const worker = await later(queue);
      try {
        await peer.waitFor(() => peer.keysFor(workflowId).length === 1);
        const record = await waitFor(waiting, this.name, (r) => r.state === 'ACTIVE');
        if (Date.parse(record.timeline.find((e) => e.to === 'ACTIVE')?.at ?? '') - Date.parse(record.createdAt) < 1_500)
          throw new Error(
            `${this.name}: createdAt should be the acceptance, before the worker came: ${record.createdAt} then ${JSON.stringify(record.timeline.slice(0, 3))}`,
          );
        await waiting.resolve(this.name, 'dana', 'deploy finished');
        return closedState(waiting, this.name);
      } finally {
        await worker.stop();
      }
    },
  },
  {
    name: 'receipt-hurries-rules',
    what: "dana's first page reported undelivered by update (recordDeliveryReceipt): her next rule, 30 s later, goes at once (patched receipt-hurries-rules); resolved",
    async run(incidents) {
      await incidents.startIncident({ summary: 'text lost', severity: 'critical', key: this.name, policy: 'hurry' });
      const paged = await waitFor(incidents, this.name, (r) =>
        r.notifications.some((n) => n.channel === 'webhook' && n.status === 'delivered'),
      );
      const page = paged.notifications.find((n) => n.channel === 'webhook');
      if (!page) throw new Error(`${this.name}: no webhook page`);
      await incidents.recordReceipt(this.name, {
        by: 'twilio',
        idempotencyKey: page.idempotencyKey,
        receipt: 'undelivered',
        detail: 'Twilio says no-answer',
      });
      // Well before the rule's 30 s: only the receipt can have sent it.
      await waitFor(incidents, this.name, (r) => r.notifications.some((n) => n.channel === 'log' && n.status === 'delivered'), 10_000);
      await incidents.resolve(this.name, 'dana', 'called her');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'failing-webhook',
    what: 'level 1 webhook answers 503 (four attempts, then failed) while level 2 goes out on time, TIMED_OUT; then cancelled by signal',
    async run(incidents, peer) {
      peer.respondWith(({ path }) => ({ status: path.includes('level=1') ? 503 : 200 }));
      await incidents.startIncident({ summary: 'provider down', severity: 'critical', key: this.name, policy: 'flaky' });
      const timedOut = await waitFor(incidents, this.name, (r) => r.state === 'TIMED_OUT');
      const failed = timedOut.notifications.find((n) => n.level === 1);
      if (failed?.status !== 'failed')
        throw new Error(`${this.name}: level 1 should have failed before the timeout; it is ${failed?.status}`);
      await incidents.handle(this.name).signal(cancelSignal, { by: 'dana', reason: 'provider fixed, incident moot' });
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'unreached-levels',
    what: 'level 1 reaches nobody (400) so level 2 goes out at once; it reaches nobody too, so the fallback is paged; acknowledged, resolved',
    async run(incidents, peer) {
      peer.respondWith(({ path }) => ({ status: path.includes('level=dead') ? 400 : 200 }));
      await incidents.startIncident({ summary: 'pager provider rejects us', severity: 'critical', key: this.name, policy: 'unreachable' });
      await waitFor(incidents, this.name, (r) => r.notifications.some((n) => n.kind === 'fallback' && n.status === 'delivered'));
      await incidents.acknowledge(this.name, 'dana', 'saw the fallback page');
      await incidents.resolve(this.name, 'dana', 'provider key rotated');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'sla-breaches',
    what: 'an info incident breaks its respond SLA (onBreach paged), is acknowledged, breaks its resolve SLA (paged again), is resolved',
    async run(incidents, peer) {
      peer.respondWith(() => ({ status: 200 }));
      await incidents.startIncident({ summary: 'queue backlog growing', severity: 'info', key: this.name, policy: 'reopen' });
      await waitFor(incidents, this.name, (r) => r.slaBreaches?.length === 1);
      await incidents.acknowledge(this.name, 'dana', 'draining the queue');
      await waitFor(
        incidents,
        this.name,
        (r) => r.notifications.filter((n) => n.kind === 'breach' && n.status === 'delivered').length === 2,
      );
      await incidents.resolve(this.name, 'dana', 'backlog cleared');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'escalate-acknowledged',
    what: 'acknowledged by update, then escalated to level 3 by update: ACTIVE at level 3 and paged (patched escalate-acknowledged); back to level 1 by signal (new epoch); resolved',
    async run(incidents) {
      await incidents.startIncident({ summary: 'replica lag', severity: 'critical', key: this.name, policy: 'dedup' });
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE');
      await incidents.acknowledge(this.name, 'dana', 'looking');
      const escalated = await incidents.escalate(this.name, 'dana', 'needs the database team', { toLevel: 3 });
      if (escalated.state !== 'ACTIVE' || escalated.level !== 3)
        throw new Error(`${this.name}: expected ACTIVE at level 3, got ${escalated.state} ${escalated.level}`);
      await incidents.handle(this.name).signal(escalateSignal, { by: 'eve', toLevel: 1 });
      await waitFor(incidents, this.name, (r) => r.level === 1 && r.epoch === 1);
      await incidents.resolve(this.name, 'dana', 'replica caught up');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'level-actions',
    what: 'level 1 runs an HTTP action (503 once, then 200) beside its page; the action is recorded; resolved by update',
    async run(incidents, peer) {
      peer.respondWith(({ path, attempt }) => ({ status: path.includes('level=action') && attempt === 1 ? 503 : 200 }));
      await incidents.startIncident({
        summary: 'checkout 5xx',
        severity: 'critical',
        service: 'checkout',
        key: this.name,
        policy: 'self-healing',
      });
      await waitFor(incidents, this.name, (r) => r.actions?.[0]?.status === 'succeeded');
      await incidents.resolve(this.name, 'runbook', 'checkout restarted');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'snooze-unack-reassign',
    what: 'snoozed for 300 ms by update, woken ACTIVE and re-paged; acknowledged, un-acknowledged (re-paged), reassigned to a webhook (paged now); resolved',
    async run(incidents, peer) {
      const workflowId = `incident-${this.name}`;
      await incidents.startIncident({ summary: 'billing lag', severity: 'critical', key: this.name, policy: 'grouped' });
      await peer.waitFor(() => peer.keysFor(workflowId).length === 1);
      await incidents.snooze(this.name, 'dana', '300ms', 'after the deploy');
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE' && r.epoch === 1);
      await peer.waitFor(() => peer.keysFor(workflowId).length === 2);
      await incidents.acknowledge(this.name, 'dana');
      await incidents.unacknowledge(this.name, 'dana', 'handing over');
      await peer.waitFor(() => peer.keysFor(workflowId).length === 3);
      await incidents.reassign(this.name, 'dana', [{ type: 'webhook', url: `${peer.url}?to=bob` }], 'bob owns billing');
      await peer.waitFor(() => peer.keysFor(workflowId).length === 4);
      await incidents.resolve(this.name, 'bob', 'lag gone');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'late-page-follow-up',
    what: 'level 1 reaches the webhook, which answers only after dana acknowledged: the page settles delivered after the announcement and is followed up on its own',
    async run(incidents, peer) {
      const workflowId = `incident-${this.name}`;
      let arrived!: () => void;
      const atPeer = new Promise<void>((resolve) => (arrived = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      peer.respondWith(async ({ body }) => {
        if (body.incident.workflowId === workflowId && body.event === 'incident.page') {
          arrived();
          await released;
        }
        return { status: 200 };
      });
      await incidents.startIncident({ summary: 'queue stuck', severity: 'critical', key: this.name, policy: 'late' });
      await atPeer;
      await incidents.acknowledge(this.name, 'dana', 'looking');
      release();
      await waitFor(incidents, this.name, (r) => r.notifications.some((n) => n.kind === 'update' && n.status === 'delivered'));
      peer.respondWith(() => ({ status: 200 }));
      await incidents.resolve(this.name, 'dana', 'drained');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'delivery-heartbeat-timeout',
    what: "level 1's webhook answers after 1.5 s, so its delivery beats while it waits (patched 'delivery-heartbeat-timeout': a 5 s heartbeat timeout), then resolved",
    async run(incidents, peer) {
      const workflowId = `incident-${this.name}`;
      peer.respondWith(async ({ body }) => {
        if (body.incident.workflowId === workflowId) await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { status: 200 };
      });
      await incidents.startIncident({ summary: 'slow receiver', severity: 'critical', key: this.name, policy: 'late' });
      await waitFor(incidents, this.name, (r) => r.notifications.some((n) => n.status === 'delivered'));
      peer.respondWith(() => ({ status: 200 }));
      await incidents.resolve(this.name, 'dana', 'receiver caught up');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'round-robin-rotation',
    what: "a round-robin level (patched 'round-robin-rotation'): its page and its repeat each picked by the rotation's workflow, then resolved",
    async run(incidents) {
      await incidents.startIncident({ summary: 'queue stuck', severity: 'critical', key: this.name, policy: 'rotating' });
      await waitFor(incidents, this.name, (r) => r.notifications.filter((n) => n.status === 'delivered').length === 2);
      await incidents.resolve(this.name, 'ann', 'drained');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'ack-reminder',
    what: 'acknowledged by dana (a directory user with a webhook contact): two reminders 300 ms apart (policy ackReminder), then resolved',
    async run(incidents, peer) {
      await incidents.startIncident({ summary: 'cert expiring', severity: 'critical', key: this.name, policy: 'reminded' });
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE');
      await incidents.acknowledge(this.name, 'dana', 'renewing');
      await waitFor(incidents, this.name, (r) => r.ackReminders === 2);
      await peer.waitFor(
        (received) =>
          received.filter((r) => r.body.incident.workflowId === `incident-${this.name}` && r.path.endsWith('?rule=now')).length === 2,
      );
      await incidents.resolve(this.name, 'dana', 'renewed');
      return closedState(incidents, this.name);
    },
  },
  {
    name: 'heartbeat-miss-ping',
    what: 'a heartbeat watch: first ping (signal-with-start), a missed beat opens incident heartbeat-record-heartbeat, the next ping resolves it, a config change, then the watch ends',
    workflowId: heartbeatWorkflowId('record-heartbeat'),
    async run(incidents) {
      const heartbeats = new HeartbeatClient({ client: incidents.temporal, config: incidents.config, taskQueue: TASK_QUEUE });
      const key = 'heartbeat-record-heartbeat';
      await heartbeats.ping('record-heartbeat', 'api:cron', 'first run');
      await waitUntilOpened(incidents, key);
      await heartbeats.ping('record-heartbeat', 'api:cron', 'ran again');
      await waitFor(incidents, key, (r) => r.state === 'RESOLVED');
      const watch = incidents.temporal.workflow.getHandle(heartbeatWorkflowId('record-heartbeat'));
      const spec = { name: 'record-heartbeat', every: 3_600_000, grace: 0, severity: 'error' as const };
      await watch.signal(heartbeatConfigSignal, { spec });
      await watch.signal(heartbeatStopSignal, { by: 'record', reason: 'scenario over' });
      const memo = (await watch.result()) as { pings: number };
      return `COMPLETED after ${memo.pings} pings`;
    },
  },
  {
    name: 'heartbeat-continue-as-new',
    what: 'a heartbeat watch that takes 2 pings per run: its first run continues as new, carrying the last ping and the count',
    workflowId: heartbeatWorkflowId('record-chatty'),
    run0: true,
    async run(incidents) {
      const client = incidents.temporal;
      const spec = { name: 'record-chatty', every: 3_600_000, grace: 0, severity: 'error' as const };
      const handle = await client.workflow.start(HEARTBEAT_WORKFLOW_TYPE, {
        workflowId: heartbeatWorkflowId('record-chatty'),
        taskQueue: TASK_QUEUE,
        args: [{ spec, pingsPerRun: 2 }],
      });
      for (const [i, note] of ['one', 'two', 'three'].entries()) {
        await handle.signal(heartbeatPingSignal, { at: new Date(Date.now() + i).toISOString(), by: 'api:cron', note });
      }
      for (let i = 0; ; i += 1) {
        const { runId } = await handle.describe();
        if (runId !== handle.firstExecutionRunId) break;
        if (i > 400) throw new Error(`${this.name}: the watch did not continue as new`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await client.workflow.getHandle(handle.workflowId).signal(heartbeatStopSignal, { by: 'record', reason: 'scenario over' });
      await client.workflow.getHandle(handle.workflowId).result();
      return 'CONTINUED_AS_NEW';
    },
  },
  {
    name: 'maintenance-windows',
    what: 'level 1 paged; a 4 s maintenance window (API, its workflow signals the incident) holds level 2 (patched maintenance-windows); at its end level 1 is paged again, level 2 2 s later; resolved',
    async run(incidents) {
      await incidents.startIncident({
        summary: 'db failover',
        severity: 'critical',
        service: 'maintained',
        key: this.name,
        policy: 'maintained',
      });
      await waitFor(incidents, this.name, (r) => r.state === 'ACTIVE');
      await incidents.maintenance.start({
        name: 'db-upgrade',
        match: { service: 'maintained' },
        for: '2s',
        by: 'dana',
        reason: 'failover drill',
      });
      await waitFor(incidents, this.name, (r) =>
        r.timeline.some((e) => e.reason === 'maintenance window db-upgrade ended: paging resumes at level 1'),
      );
      await waitFor(incidents, this.name, (r) => r.level === 2);
      await incidents.resolve(this.name, 'dana', 'failover done');
      return closedState(incidents, this.name);
    },
  },
];

async function waitFor(
  incidents: IncidentClient,
  key: string,
  predicate: (r: IncidentRecord) => boolean,
  timeoutMs = 20_000,
): Promise<IncidentRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await incidents.getIncident(key);
    if (predicate(record)) return record;
    if (Date.now() > deadline) {
      throw new Error(`incident-${key} did not reach the expected condition within ${timeoutMs}ms; it is ${record.state}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until the incident exists (a heartbeat's opens when its watch's timer fires). */
async function waitUntilOpened(incidents: IncidentClient, key: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await incidents.getIncident(key).then(
      () => true,
      (error: unknown) => {
        if (error instanceof IncidentNotFoundError) return false;
        throw error;
      },
    );
    if (found) return;
    if (Date.now() > deadline) throw new Error(`incident-${key} did not open within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function closedState(incidents: IncidentClient, key: string): Promise<string> {
  const result = (await incidents.handle(key).result()) as IncidentRecord;
  return result.state;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  Runtime.install({ logger: new DefaultLogger(process.env.RECORD_LOG_LEVEL === 'INFO' ? 'INFO' : 'ERROR') });

  // As test/setup/temporal-global.ts: without the short timer shift the server fires nothing (timers,
  // activity retries) sooner than a second from now, and millisecond policies crawl.
  const server = await startDevServer({
    ui: false,
    sqlitePragmas: { synchronous: 'OFF' },
    dynamicConfig: { 'history.timerProcessorMaxTimeShift': '10ms' },
  });
  const peer = await startWebhookPeer();
  const connection = await Connection.connect({ address: server.address });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  try {
    const config = Config.parse({
      // Fast retries so the failing webhook settles within the scenario: 100ms, 200ms, 400ms.
      delivery: { initialInterval: '100ms', backoff: 2, maximumInterval: '1s', maximumAttempts: 4, attemptTimeout: '5s' },
      policies: policies(peer.url),
      routes: routes(),
      // Only `info` incidents (the sla-breach scenario's) run under an SLA; the others stay as recorded.
      gates: { minSeverity: 'info' },
      slas: { info: { respondWithin: '300ms', resolveWithin: '900ms' } },
      onBreach: [{ type: 'webhook', url: `${peer.url}?level=managers` }],
      // Sub-second timing for the heartbeat scenario (the schema takes it; policy validate would not).
      heartbeats: [{ name: 'record-heartbeat', every: '1s', grace: '500ms', severity: 'error' }],
      // Dana's rules: the webhook at once, the log 30 s later (or at once when the webhook page is reported lost).
      directory: {
        users: [
          {
            id: 'dana',
            contacts: [
              { channel: 'webhook', address: `${peer.url}?rule=now` },
              { channel: 'log', address: 'dana' },
            ],
            rules: [
              { after: 0, channels: ['webhook'] },
              { after: '30s', channels: ['log'] },
            ],
          },
          // The round-robin-rotation scenario's people.
          { id: 'ann', contacts: [{ channel: 'log', address: 'ann' }] },
          { id: 'ben', contacts: [{ channel: 'log', address: 'ben' }] },
        ],
      },
    });
    const worker = await createEscalationWorker({
      connection: workerConnection,
      namespace: server.namespace,
      taskQueue: TASK_QUEUE,
      config,
    });
    const incidents = new IncidentClient({
      client: new Client({ connection, namespace: server.namespace }),
      config,
      taskQueue: TASK_QUEUE,
    });
    const later: LaterWorker = async (taskQueue) => {
      const other = await createEscalationWorker({ connection: workerConnection, namespace: server.namespace, taskQueue, config });
      const running = other.run();
      return {
        stop: async () => {
          other.shutdown();
          await running;
        },
      };
    };
    await worker.runUntil(async () => {
      for (const scenario of scenarios.filter((s) => only.length === 0 || only.includes(s.name))) {
        const started = Date.now();
        const state = await scenario.run(incidents, peer, later);
        const latest = scenario.workflowId
          ? incidents.temporal.workflow.getHandle(scenario.workflowId)
          : incidents.handle(scenario.incidentId ?? scenario.name);
        const runId = scenario.run0 ? (await latest.describe()).raw.workflowExecutionInfo?.firstRunId : undefined;
        const history = await (runId ? incidents.temporal.workflow.getHandle(latest.workflowId, runId) : latest).fetchHistory();
        const file = join(here, `${scenario.name}.json`);
        const json = historyToJson(history);
        await writeFile(file, json);
        const events = history.events?.length ?? 0;
        process.stdout.write(
          `${scenario.name}: ${state}, ${events} events, ${Math.round(json.length / 1024)} KiB, ${Date.now() - started} ms (${scenario.what})\n`,
        );
      }
    });
  } finally {
    await connection.close();
    await workerConnection.close();
    await peer.close();
    await server.stop();
  }
}

await main();
