import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { INCIDENT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const incidentAttributeNames = INCIDENT_SEARCH_ATTRIBUTES.map((key) => key.name).sort();

let scratch: string;
const running: DevServer[] = [];

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'dev-server-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

async function start(dbFilename: string): Promise<DevServer> {
  const server = await startDevServer({ ui: false, dbFilename });
  running.push(server);
  return server;
}

async function stop(server: DevServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.stop();
}

async function withConnection<T>(server: DevServer, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

async function incidentAttributesOn(server: DevServer): Promise<Record<string, number>> {
  const { customAttributes } = await withConnection(server, (connection) =>
    connection.operatorService.listSearchAttributes({ namespace: server.namespace }),
  );
  return Object.fromEntries(Object.entries(customAttributes ?? {}).filter(([name]) => incidentAttributeNames.includes(name)));
}

describe('startDevServer with a database file', () => {
  it('registers the incident search attributes, and starts again on the same file with them still there', async () => {
    const dbFilename = join(scratch, 'temporal.db');

    const first = await start(dbFilename);
    const registered = await incidentAttributesOn(first);
    await stop(first);
    const second = await start(dbFilename);

    expect(Object.keys(registered).sort()).toEqual(incidentAttributeNames);
    expect(registered.EscalationLevel).toBe(3); // INDEXED_VALUE_TYPE_INT
    expect(registered.IncidentState).toBe(2); // INDEXED_VALUE_TYPE_KEYWORD
    expect(await incidentAttributesOn(second)).toEqual(registered);
  });

  it('registers a search attribute the existing database file lacks when it starts again', async () => {
    const dbFilename = join(scratch, 'temporal.db');
    const first = await start(dbFilename);
    await withConnection(first, (connection) =>
      connection.operatorService.removeSearchAttributes({ namespace: first.namespace, searchAttributes: ['AcknowledgedBy'] }),
    );
    expect(await incidentAttributesOn(first)).not.toHaveProperty('AcknowledgedBy');
    await stop(first);

    const second = await start(dbFilename);

    expect(Object.keys(await incidentAttributesOn(second)).sort()).toEqual(incidentAttributeNames);
  });

  it('keeps incidents across a restart on the same file', async () => {
    const dbFilename = join(scratch, 'temporal.db');
    const first = await start(dbFilename);
    await withConnection(first, (connection) =>
      connection.workflowService.startWorkflowExecution({
        namespace: first.namespace,
        workflowId: 'incident-survives-restart',
        workflowType: { name: 'incidentEscalation' },
        taskQueue: { name: 'nobody-polls-this' },
        requestId: 'survives-restart',
      }),
    );
    await stop(first);

    const second = await start(dbFilename);
    const described = await withConnection(second, (connection) =>
      connection.workflowService.describeWorkflowExecution({
        namespace: second.namespace,
        execution: { workflowId: 'incident-survives-restart' },
      }),
    );

    expect(described.workflowExecutionInfo?.execution?.workflowId).toBe('incident-survives-restart');
  });
});
