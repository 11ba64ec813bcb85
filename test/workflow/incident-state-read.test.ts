import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { acknowledgeSignal, annotateSignal } from '../../workflows/messages.js';
import { incidentStateOver } from '../../worker/incident-state.js';
import { startStack, webhookLevel, type Stack } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// What a delivery asks just before it pages (worker/incident-state.ts): the server's copy of the
// state when no workflow task is pending, the workflow itself (a query) when one is.
let peer: WebhookPeer;
let stack: Stack;
let connection: NativeConnection;
let stateOf: ReturnType<typeof incidentStateOver>;

beforeAll(async () => {
  peer = await startWebhookPeer();
  stack = await startStack({
    policies: [{ name: 'state-read', levels: [webhookLevel(peer.url, '1'), webhookLevel(peer.url, '2', { delay: '1h' })] }],
  });
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  stateOf = incidentStateOver(new Client({ connection, namespace: inject('temporalNamespace') }));
});
afterAll(async () => {
  await stack.stop();
  await connection.close();
  await peer.close();
});

/** An incident at level 1, acknowledged by dana first when asked, then its worker stopped. */
async function openThenStopWorker(key: string, acknowledged: boolean): Promise<void> {
  await stack.incidents.startIncident({ summary: `state read ${key}`, severity: 'critical', key });
  await stack.waitForState(key, 'ACTIVE');
  if (acknowledged) await stack.incidents.acknowledge(key, 'dana');
  await stack.stopWorker();
}

describe("a delivery's look at its incident's state", () => {
  it('reads an answered state from the server while no worker runs, without waiting for one', async () => {
    await openThenStopWorker('state-read-acked', true);
    try {
      const started = Date.now();
      // A query would wait for a worker until the 2 s deadline and fail; the server's copy answers at once.
      await expect(stateOf('incident-state-read-acked', 2_000)).resolves.toBe('ACKNOWLEDGED');
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await stack.startWorker();
    }
  });

  it('takes an answer the server holds at once, even with a task pending and no worker to run it', async () => {
    await openThenStopWorker('state-read-acked-pending', true);
    try {
      // A note waits in a pending task: a query would wait for a worker; the acknowledgement stands.
      await stack.incidents.handle('state-read-acked-pending').signal(annotateSignal, { by: 'dana', note: 'still looking' });
      await expect(stateOf('incident-state-read-acked-pending', 2_000)).resolves.toBe('ACKNOWLEDGED');
    } finally {
      await stack.startWorker();
    }
  });

  it('never reads the state from before an answer waiting in a pending task', async () => {
    await openThenStopWorker('state-read-pending', false);
    try {
      // The acknowledgement waits in a pending workflow task: the server's copy still says ACTIVE.
      await stack.incidents.handle('state-read-pending').signal(acknowledgeSignal, { by: 'dana' });
    } finally {
      await stack.startWorker();
    }
    // Asked while the worker comes back: the task may still be pending (the query waits for it, or
    // gives up after 2 s while the task sits on the stopped worker's sticky queue), or it ran (the
    // server's copy has the answer). An answer, when there is one, is never the ACTIVE from before.
    const answers: string[] = [];
    for (const until = Date.now() + 20_000; Date.now() < until && !answers.includes('ACKNOWLEDGED');) {
      answers.push(await stateOf('incident-state-read-pending', 2_000).catch(() => 'no answer in time'));
    }
    expect(answers.at(-1)).toBe('ACKNOWLEDGED');
    expect(answers).not.toContain('ACTIVE');
  });

  it('fails, for the caller to page anyway, when a pending task finds no worker in time', async () => {
    await openThenStopWorker('state-read-none', false);
    try {
      await stack.incidents.handle('state-read-none').signal(acknowledgeSignal, { by: 'dana' });
      await expect(stateOf('incident-state-read-none', 300)).rejects.toThrow();
    } finally {
      await stack.startWorker();
    }
  });
});
