import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSigner, type ResponderRuntime } from '../../runtime/responder.js';
import { startApiStack, type ApiStack } from '../helpers/api.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { closedPort } from '../helpers/ports.js';
import { startWebhookPeer, type WebhookPeer } from '../helpers/webhook-peer.js';

// The one-click page as a woken responder meets it: a phone-sized Chromium opens the link from the
// page, presses Acknowledge, and the incident moves. Runs where Debian's `chromium` is installed
// (CHROMIUM_PATH overrides; scripts/install-chromium.mjs); skipped elsewhere.
const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.artifacts', 'screenshots');
const SECRET = 'browser-link-secret-0123456789abcdef';

describe.skipIf(!existsSync(CHROMIUM))('the one-click responder page in Chromium', () => {
  let stack: ApiStack;
  let hook: WebhookPeer;
  let browser: Browser;
  let publicUrl: string;

  beforeAll(async () => {
    hook = await startWebhookPeer();
    const port = await closedPort();
    publicUrl = `http://127.0.0.1:${port}`;
    const responder: ResponderRuntime = { publicUrl, isPublic: true, links: linkSigner(SECRET, 86_400_000) };
    stack = await startApiStack(
      {
        responders: { links: true },
        directory: { users: [{ id: 'dana', contacts: [{ channel: 'webhook', address: hook.url }] }] },
        policies: [
          {
            name: 'default',
            levels: [{ targets: [{ type: 'user', id: 'dana' }] }, { delay: '10m', targets: [{ type: 'user', id: 'dana' }] }],
          },
        ],
      },
      { port, responderEnv: { ESCALATION_LINK_SECRET: SECRET, ESCALATION_PUBLIC_URL: publicUrl } },
      { responder },
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await hook?.close();
  });

  it("acknowledges from the webhook page's link with one tap on a phone-sized screen", async () => {
    await stack.incidents.startIncident({
      summary: 'Checkout p99 above 2s',
      severity: 'critical',
      service: 'checkout',
      key: 'browser-ack',
    });
    await stack.eventually(
      async () => hook.received.length,
      (n) => n > 0,
    );
    const actUrl = (hook.received[0]?.body as { actUrl?: string } | undefined)?.actUrl ?? '';
    expect(actUrl.startsWith(`${publicUrl}/v1/act/`)).toBe(true);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(actUrl);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('[CRITICAL] Checkout p99 above 2s');
    await expect(page.getByText('You act as').isVisible()).resolves.toBe(true);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'act-page.png'), fullPage: true });

    await page.getByRole('button', { name: 'Acknowledge' }).tap();
    await page.getByRole('status').waitFor({ timeout: 10_000 });
    await expect(page.getByRole('status').innerText()).resolves.toBe('Acknowledged incident-browser-ack as dana: now ACKNOWLEDGED.');
    // Acknowledged: the button is gone, Escalate and Resolve stay.
    await expect(page.getByRole('button').allInnerTexts()).resolves.toEqual(['Escalate', 'Resolve']);
    await page.screenshot({ path: join(SCREENSHOTS, 'act-page-acknowledged.png'), fullPage: true });
    expect(await stack.incidents.getIncident('browser-ack')).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });
    await page.close();
  });

  it('shows why a tampered link does nothing, with no buttons to press', async () => {
    await stack.incidents.startIncident({ summary: 'Queue backlog', severity: 'critical', key: 'browser-tampered' });
    const token = linkSigner(SECRET, 86_400_000).token('incident-browser-tampered', 'dana', Date.now());
    const [payload, signature = ''] = token.split('.');
    const forged = linkSigner('another-secret-0123456789abcdef0123', 86_400_000).token('incident-browser-tampered', 'mallory', Date.now());

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    for (const bad of [`${payload}.${signature.slice(0, -2)}xx`, forged]) {
      const response = await page.goto(`${publicUrl}/v1/act/${bad}`);
      expect(response?.status()).toBe(403);
      await expect(page.getByRole('status').innerText()).resolves.toContain('Nothing changed: this link was changed after it was sent');
      await expect(page.getByRole('button').count()).resolves.toBe(0);
    }
    await page.close();
    expect((await stack.incidents.getIncident('browser-tampered')).state).not.toBe('ACKNOWLEDGED');
  });
});
