import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IncidentClient } from '../../client/incidents.js';
import { Config } from '../../domain/config.js';
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { createEscalationWorker } from '../../worker/worker.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { uniqueTaskQueue } from '../helpers/temporal.js';
import { FAST_DELIVERY } from '../helpers/stack.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// The Temporal Web UI is the operators' console: prove it in a real browser. Runs where Debian's
// `chromium` is installed (CHROMIUM_PATH overrides); skipped elsewhere.
const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.artifacts', 'screenshots');

describe.skipIf(!existsSync(CHROMIUM))('the Temporal Web UI as the console', () => {
  let server: DevServer;
  let peer: WebhookPeer;
  let stop: () => Promise<void>;
  let incidents: IncidentClient;

  beforeAll(async () => {
    // Its own dev server: the run's shared one is headless.
    server = await startDevServer({ ui: true, sqlitePragmas: { synchronous: 'OFF' } });
    peer = await startWebhookPeer();
    const config = Config.parse({
      delivery: FAST_DELIVERY,
      policies: [
        {
          name: 'console',
          levels: [{ targets: [{ type: 'webhook', url: peer.url }] }, { delay: '10m', targets: [{ type: 'webhook', url: peer.url }] }],
        },
      ],
    });
    const taskQueue = uniqueTaskQueue('web-ui');
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const worker = await createEscalationWorker({
      connection: workerConnection,
      namespace: server.namespace,
      taskQueue,
      config,
      workflowBundlePath: inject('workflowBundlePath'),
    });
    const running = worker.run();
    const connection = await Connection.connect({ address: server.address });
    incidents = new IncidentClient({ client: new Client({ connection, namespace: server.namespace }), config, taskQueue });
    stop = async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await workerConnection.close();
      await connection.close();
    };
  });

  afterAll(async () => {
    await stop?.();
    await peer?.close();
    await server?.stop();
  });

  it('finds an ACTIVE incident by IncidentState and shows its current details', async () => {
    await incidents.startIncident({ summary: 'Checkout p99 above 2s', severity: 'critical', service: 'checkout', key: 'web-ui-e2e' });
    const deadline = Date.now() + 15_000;
    // ACTIVE with its first page delivered, so the current details have something to say.
    const isPaged = async () => {
      const record = await incidents.getIncident('web-ui-e2e');
      return record.state === 'ACTIVE' && record.notifications.some((n) => n.status === 'delivered');
    };
    while (!(await isPaged()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const query = encodeURIComponent('IncidentState="ACTIVE"');
      const listUrl = `${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${query}`;
      // Visibility is eventually consistent and the UI is a single-page app: reload until it shows the incident.
      const link = page.getByRole('link', { name: 'incident-web-ui-e2e' }).first();
      for (let attempt = 0; attempt < 10; attempt += 1) {
        await page.goto(listUrl);
        if (
          await link.waitFor({ timeout: 5_000 }).then(
            () => true,
            () => false,
          )
        )
          break;
      }
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'web-ui-list.png'), fullPage: true });
      await expect(link.isVisible()).resolves.toBe(true);
      await link.click();
      await page.getByText('Checkout p99 above 2s').first().waitFor({ timeout: 15_000 });
      mkdirSync(SCREENSHOTS, { recursive: true });
      // The workflow's current details: the markdown status the workflow keeps (state, policy, level, notifications).
      await page.getByRole('tab', { name: 'User Metadata' }).or(page.getByText('User Metadata')).first().click();
      await page.getByText('Current Details').first().waitFor({ timeout: 15_000 });
      // The UI renders the markdown in a sandboxed iframe: read every frame's text.
      const allText = async () => {
        const texts = await Promise.all(
          page.frames().map((frame) =>
            frame
              .locator('body')
              .innerText({ timeout: 1_000 })
              .catch(() => ''),
          ),
        );
        return texts.join('\n');
      };
      await expect.poll(allText, { timeout: 15_000 }).toContain('1 delivered');
      await page.screenshot({ path: join(SCREENSHOTS, 'web-ui-incident.png'), fullPage: true });
      const text = await allText();
      expect(text).toContain('ACTIVE · critical · Checkout p99 above 2s');
      expect(text).toMatch(/Policy\s+console: level 1/);
    } finally {
      await browser.close();
    }
  });
});
