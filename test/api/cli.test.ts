import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { runEscalate, type CliResult } from '../helpers/cli.js';
import { inject } from 'vitest';
import { startApiStack, type ApiStack } from '../helpers/api.js';
import { INCIDENT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

/** The real `escalate` binary against the run's Temporal server. */
function escalate(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runEscalate(['--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace'), ...args], env);
}

let stack: ApiStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('escalate list, stats, annotate', () => {
  it("lists with the API's filters, annotates, and prints stats as JSON", async () => {
    stack = await startApiStack();
    const dir = mkdtempSync(join(tmpdir(), 'escalate-cli-'));
    const configFile = join(dir, 'escalation.json');
    writeFileSync(
      configFile,
      JSON.stringify({ policies: [{ name: 'default', levels: [{ delay: '30s', targets: [{ type: 'webhook', url: stack.peer.url }] }] }] }),
    );
    const common = ['--task-queue', stack.taskQueue, '--config', configFile];
    await stack.incidents.startIncident({ summary: 'cli list', severity: 'critical', service: 'cli', key: 'cli-list' });

    const listed = await stack.eventually(
      () => escalate([...common, 'list', '--service', 'cli', '--json']),
      (r) => r.code === 0 && (JSON.parse(r.stdout) as { incidents: unknown[] }).incidents.length === 1,
    );
    expect(JSON.parse(listed.stdout).incidents[0]).toMatchObject({ key: 'cli-list', severity: 'critical' });

    const annotated = await escalate([...common, 'annotate', 'cli-list', '--note', 'looking', '--by', 'dana', '--json']);
    expect(annotated.code).toBe(0);
    expect(
      JSON.parse(annotated.stdout).timeline.some((e: { kind: string; reason?: string }) => e.kind === 'note' && e.reason === 'looking'),
    ).toBe(true);

    const stats = await escalate([...common, 'stats', '--window', '1h', '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ window: '1h', bySeverity: { critical: 1 } });

    const bad = await escalate([...common, 'list', '--state', 'ON_FIRE']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state');
  });
});

describe('escalate setup', () => {
  it('registers the search attributes on a fresh namespace once, then finds them there', async () => {
    const namespace = `setup-${Date.now().toString(36)}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86_400 as never } });
    await connection.close();
    // A new namespace takes a moment to reach the server's namespace cache.
    let first = await escalate(['--namespace', namespace, 'setup', '--json']);
    for (let i = 0; i < 30 && first.code !== 0; i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      first = await escalate(['--namespace', namespace, 'setup', '--json']);
    }
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).added).toHaveLength(INCIDENT_SEARCH_ATTRIBUTES.length);
    const second = await escalate(['--namespace', namespace, 'setup', '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ added: [], present: expect.arrayContaining(['IncidentState', 'EscalationLevel']) });
  });

  it('stops with a clear error when an attribute exists with another type', async () => {
    const namespace = `setup-conflict-${Date.now().toString(36)}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86_400 as never } });
    for (let i = 0; ; i += 1) {
      try {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { EscalationLevel: 2 } }); // Keyword, not Int
        break;
      } catch (error) {
        if (i > 30) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await connection.close();
    const answer = await escalate(['--namespace', namespace, 'setup']);
    expect(answer.code).toBe(1);
    expect(answer.stderr).toContain('EscalationLevel exists on namespace');
    expect(answer.stderr).toContain('as KEYWORD');
  });
});
