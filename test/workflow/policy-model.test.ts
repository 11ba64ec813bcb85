import { afterEach, describe, expect, it } from 'vitest';
import { policyVersion } from '../../domain/policy-version.js';
import { WORKFLOW_TYPE } from '../../workflows/messages.js';
import { startStack, type Stack } from '../helpers/stack.js';

// Inhibition, cooldown re-open and policy versions on the real dev server, through the client library.
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const levels = [{ targets: [{ type: 'log', id: 'team-lead' }] }, { delay: '30s', targets: [{ type: 'log', id: 'manager' }] }];

/** Visibility is eventually consistent: wait until the incident is listed as open. */
async function waitUntilListed(s: Stack, workflowId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  const query = `WorkflowType = "${WORKFLOW_TYPE}" AND WorkflowId = "${workflowId}" AND IncidentState = "ACTIVE"`;
  while (Date.now() < deadline) {
    for await (const execution of s.incidents.temporal.workflow.list({ query })) if (execution.workflowId === workflowId) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${workflowId} never showed in visibility as ACTIVE`);
}

describe('inhibition', () => {
  const inhibitions = [
    {
      source: { matchers: ['alertname=DatabaseDown'], minSeverity: 'critical' },
      target: { matchers: ['severity=~warning|error'] },
      equal: ['service'],
    },
  ];

  it('answers a symptom of an open critical incident as inhibited and notes it on that incident', async () => {
    stack = await startStack({ policies: [{ name: 'default', levels }], inhibitions });
    await stack.incidents.startIncident({
      key: 'pm-db-down',
      summary: 'database down',
      severity: 'critical',
      service: 'db',
      labels: { alertname: 'DatabaseDown' },
    });
    await stack.waitForState('pm-db-down', 'ACTIVE');
    await waitUntilListed(stack, 'incident-pm-db-down');

    const symptom = await stack.incidents.startIncident({
      key: 'pm-db-slow',
      summary: 'queries slow',
      severity: 'warning',
      service: 'db',
      source: 'grafana',
    });
    expect(symptom).toEqual({
      escalated: false,
      reason: expect.stringMatching(/^inhibited by incident-pm-db-down \(inhibitions\[0\], same service=db\)$/),
      inhibitedBy: 'incident-pm-db-down',
    });
    const parent = await stack.waitForRecord('pm-db-down', (r) => r.symptoms === 1);
    expect(parent.timeline.at(-1)).toMatchObject({
      kind: 'occurrence',
      by: 'grafana',
      reason: expect.stringContaining('symptom inhibited: [warning] queries slow (incident-pm-db-slow'),
    });
    await expect(stack.incidents.getIncident('pm-db-slow')).rejects.toThrow(/no incident incident-pm-db-slow/);
  });

  it('lets an alert on another service through', async () => {
    stack = await startStack({ policies: [{ name: 'default', levels }], inhibitions });
    await stack.incidents.startIncident({
      key: 'db2-down',
      summary: 'database down',
      severity: 'critical',
      service: 'db2',
      labels: { alertname: 'DatabaseDown' },
    });
    await stack.waitForState('db2-down', 'ACTIVE');
    await waitUntilListed(stack, 'incident-db2-down');
    const other = await stack.incidents.startIncident({ key: 'web-slow', summary: 'pages slow', severity: 'warning', service: 'web' });
    expect(other).toMatchObject({ escalated: true, created: true });
  });
});

describe('cooldown', () => {
  it('re-opens a resolved incident that fires again within the cooldown, carrying its story', async () => {
    stack = await startStack({ policies: [{ name: 'default', levels, cooldown: '10m' }] });
    await stack.incidents.startIncident({ key: 'flappy', summary: 'disk almost full', severity: 'error' });
    await stack.waitForState('flappy', 'ACTIVE');
    await stack.incidents.resolve('flappy', 'dana', 'cleaned up');
    await stack.incidents.handle('flappy').result();

    const again = await stack.incidents.startIncident({ key: 'flappy', summary: 'disk almost full', severity: 'critical' });
    expect(again).toMatchObject({ escalated: true, created: true });
    const record = await stack.waitForRecord('flappy', (r) => r.state === 'ACTIVE' && r.notificationCount === 2);
    expect(record).toMatchObject({ occurrences: 2, severity: 'critical', level: 1, epoch: 1 });
    expect(record.resolvedAt).toBeUndefined();
    expect(record.timeline.map((e) => e.to ?? e.kind)).toEqual(expect.arrayContaining(['RESOLVED', 'PENDING', 'ACTIVE']));
    expect(record.timeline.find((e) => e.reason?.startsWith('re-opened'))?.reason).toMatch(
      /fired again 0 minute\(s\) after it was resolved \(within cooldown 10m\)/,
    );
    expect(record.notifications.at(-1)?.idempotencyKey).toBe('incident-flappy/E1/L1/R0/log:team-lead/log');
  });

  it('opens a fresh incident when the policy has no cooldown', async () => {
    stack = await startStack({ policies: [{ name: 'default', levels }] });
    await stack.incidents.startIncident({ key: 'fresh', summary: 'disk almost full', severity: 'error' });
    await stack.waitForState('fresh', 'ACTIVE');
    await stack.incidents.resolve('fresh', 'dana');
    await stack.incidents.handle('fresh').result();
    await stack.incidents.startIncident({ key: 'fresh', summary: 'disk almost full', severity: 'error' });
    const record = await stack.waitForState('fresh', 'ACTIVE');
    expect(record).toMatchObject({ occurrences: 1 });
    expect(record.timeline.some((e) => e.to === 'RESOLVED')).toBe(false);
  });
});

describe('policy snapshots', () => {
  it('answers the start with the version of the policy the incident runs', async () => {
    stack = await startStack({ policies: [{ name: 'default', levels }] });
    const started = await stack.incidents.startIncident({ key: 'versioned', summary: 'x', severity: 'error' });
    const expected = policyVersion(stack.config.policies[0]!);
    expect(started).toMatchObject({ escalated: true, policyVersion: expected });
    expect((await stack.waitForState('versioned', 'ACTIVE')).policyVersion).toBe(expected);
  });
});
