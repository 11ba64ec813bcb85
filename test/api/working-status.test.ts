import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../domain/incident.js';
import { startApiStack, TOKENS, type ApiStack } from '../helpers/api.js';
import { escalateOn } from '../helpers/cli.js';

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The markdown the Web UI shows as the workflow's current details (the SDK's built-in metadata query). */
async function currentDetails(s: ApiStack, key: string): Promise<string> {
  const metadata = await s.incidents.handle(key).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

describe('POST /v1/incidents/{id}/status', () => {
  it('refuses with 409 while the incident is not acknowledged, and changes nothing', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'status early', severity: 'critical', key: 'status-early' } });
    await stack.waitForState('status-early', 'ACTIVE');
    const answer = await stack.call('POST', '/v1/incidents/status-early/status', { body: { by: 'dana', status: 'investigating' } });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toContain('acknowledge it first');
    const record = await stack.incidents.getIncident('status-early');
    expect(record.workingStatus).toBeUndefined();
    expect(record.timeline.some((e) => e.reason?.startsWith('status '))).toBe(false);
  });

  it('records each status on the timeline, keeps the latest in the record and shows it in the current details', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'status walk', severity: 'critical', key: 'status-walk' } });
    await stack.waitForState('status-walk', 'ACTIVE');
    await stack.call('POST', '/v1/incidents/status-walk/acknowledge', { body: { by: 'dana' } });

    const first = await stack.call('POST', '/v1/incidents/status-walk/status', {
      body: { by: 'dana', status: 'investigating', note: 'replica lag on db-2' },
      token: TOKENS.write,
    });
    expect(first.status).toBe(200);
    expect(first.body.workingStatus).toMatchObject({ status: 'investigating', by: 'dana', note: 'replica lag on db-2' });
    const second = await stack.call('POST', '/v1/incidents/status-walk/status', { body: { status: 'mitigated' }, token: TOKENS.write });
    expect(second.status).toBe(200);

    const record = (await stack.call('GET', '/v1/incidents/status-walk')).body as IncidentRecord;
    expect(record.state).toBe('ACKNOWLEDGED');
    expect(record.workingStatus).toMatchObject({ status: 'mitigated', by: 'api:ci' });
    expect(record.workingStatus?.note).toBeUndefined();
    const notes = record.timeline.filter((e) => e.kind === 'note' && e.reason?.startsWith('status ')).map((e) => [e.by, e.reason]);
    expect(notes).toEqual([
      ['dana', 'status investigating: replica lag on db-2'],
      ['api:ci', 'status mitigated'],
    ]);
    expect(await currentDetails(stack, 'status-walk')).toContain('**Working status** mitigated (api:ci,');
  });

  it('answers 400 naming the status field for a status that does not exist', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'status bad', severity: 'critical', key: 'status-bad' } });
    const answer = await stack.call('POST', '/v1/incidents/status-bad/status', { body: { by: 'dana', status: 'panicking' } });
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].path).toBe('status');
    expect(answer.body.details[0].message).toContain('investigating, identified, monitoring, mitigated');
  });

  it('refuses with 409 once the incident is resolved', async () => {
    stack = await startApiStack();
    await stack.call('POST', '/v1/incidents', { body: { summary: 'status closed', severity: 'critical', key: 'status-closed' } });
    await stack.waitForState('status-closed', 'ACTIVE');
    await stack.call('POST', '/v1/incidents/status-closed/acknowledge', { body: { by: 'dana' } });
    await stack.call('POST', '/v1/incidents/status-closed/resolve', { body: { by: 'dana' } });
    const answer = await stack.call('POST', '/v1/incidents/status-closed/status', { body: { by: 'dana', status: 'monitoring' } });
    expect(answer.status).toBe(409);
  });
});

describe('escalate status', () => {
  // Several CLI processes (tsx start-up each): slow on a loaded machine, hence the longer bound.
  it('sets the working status from the command line and exits 4 when refused', { timeout: 150_000 }, async () => {
    stack = await startApiStack();
    const escalate = escalateOn(stack.taskQueue, {
      policies: [{ name: 'default', levels: [{ targets: [{ type: 'webhook', url: stack.peer.url }] }] }],
    });
    await stack.incidents.startIncident({ summary: 'status cli', severity: 'critical', key: 'status-cli' });
    await stack.waitForState('status-cli', 'ACTIVE');

    const early = await escalate(['status', 'status-cli', 'investigating', '-m', 'looking']);
    expect(early.stderr).toContain('acknowledge it first');
    expect(early.code).toBe(4);

    await stack.incidents.acknowledge('status-cli', 'dana');
    const set = await escalate(['status', 'status-cli', 'identified', '-m', 'bad deploy 4411', '--by', 'dana', '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout).workingStatus).toMatchObject({ status: 'identified', note: 'bad deploy 4411', by: 'dana' });

    const bad = await escalate(['status', 'status-cli', 'sleeping']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status');
  });
});
