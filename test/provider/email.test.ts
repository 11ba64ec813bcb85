import { closedPort } from '../helpers/ports.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../activities/providers/email.js';
import type { Config } from '../../domain/config.js';
import { linkSigner } from '../../runtime/responder.js';
import { deliver, deliveryFailure, NOW, pageRequest, providerConfig, UI_URL, updateRequest } from '../helpers/deliver.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/peers/smtp.js';

/** The email provider against a real SMTP server (smtp-server) on 127.0.0.1. */

let smtp: SmtpPeer;
let config: Config;

beforeEach(async () => {
  smtp = await startSmtpPeer();
  config = providerConfig({ email: { url: smtp.url, from: 'oncall@example.com', timeout: '2s' } });
});

afterEach(async () => {
  await smtp.close();
});

const page = () => pageRequest({ target: 'user:dana', recipient: 'dana', channel: 'email', address: 'dana@example.com' });

describe('email provider', () => {
  it('sends a mail with severity in the subject, text and HTML parts, and a Message-ID from the idempotency key', async () => {
    const request = page();
    const result = await deliver(config, request);

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.from).toBe('oncall@example.com');
    expect(mail?.to).toEqual(['dana@example.com']);
    expect(mail?.subject).toBe('[CRITICAL] primary database is down (incident-db-down)');
    expect(mail?.messageId).toBe(messageIdFor(request.idempotencyKey));
    expect(mail?.messageId).toMatch(/^<[0-9a-f]{32}@escalation>$/);
    expect(result).toMatchObject({ status: 'delivered', providerMessageId: mail?.messageId });
    expect(mail?.headers['references']).toBe(messageIdFor('incident-db-down'));
    expect(mail?.headers['x-escalation-incident']).toBe('incident-db-down');
    expect(mail?.headers['auto-submitted']).toBe('auto-generated');

    expect(mail?.text).toContain('Severity: CRITICAL');
    expect(mail?.text).toContain('Service: payments');
    expect(mail?.text).toContain(`Temporal Web UI: ${UI_URL}`);
    expect(mail?.text).toContain('Runbook: https://runbooks.example.com/db-down');
    expect(mail?.text).toContain('PENDING → ACTIVE by engine');
    expect(mail?.html).toContain(`<a href="${UI_URL}">Temporal Web UI</a>`);
    expect(mail?.html).toContain('<li>2026-01-05T14:59:00.000Z  PENDING → ACTIVE by engine</li>');
  });

  it("carries the recipient's signed one-click link when responders.links is on, and none in a follow-up", async () => {
    const responder = { publicUrl: 'https://oncall.example.com', isPublic: true, links: linkSigner('e'.repeat(32), 3_600_000) };
    const request = page();
    const { providerMessageId } = await deliver(config, request, 1, { responder });
    await deliver(config, updateRequest(request, 'acknowledged', { state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' }, providerMessageId), 1, {
      responder,
    });

    const link = /Acknowledge, escalate or resolve: (\S+)/.exec(smtp.mails[0]?.text ?? '')?.[1] ?? '';
    expect(link).toMatch(/^https:\/\/oncall\.example\.com\/v1\/act\/[\w-]+\.[\w-]+$/);
    expect(responder.links.check(link.split('/').pop() ?? '', NOW)).toMatchObject({
      ok: true,
      claims: { workflowId: 'incident-db-down', user: 'dana' },
    });
    expect(smtp.mails[0]?.html).toContain(`<a href="${link}">Acknowledge, escalate or resolve</a>`);
    expect(smtp.mails[1]?.text).not.toContain('/v1/act/');
  });

  it('sends the same Message-ID on a retry of the same notification', async () => {
    await deliver(config, page(), 1);
    await deliver(config, page(), 2);
    expect(smtp.mails.map((m) => m.messageId)).toEqual([smtp.mails[0]?.messageId, smtp.mails[0]?.messageId]);
  });

  it("follows an acknowledgement with a reply in the page's thread", async () => {
    const request = page();
    const { providerMessageId } = await deliver(config, request);
    await deliver(
      config,
      updateRequest(
        request,
        'acknowledged',
        { state: 'ACKNOWLEDGED', acknowledgedBy: 'dana', acknowledgedAt: '2026-01-05T15:02:00.000Z' },
        providerMessageId,
      ),
    );

    const reply = smtp.mails[1];
    expect(reply?.subject).toBe('Re: [CRITICAL] primary database is down (incident-db-down)');
    expect(reply?.headers['in-reply-to']).toBe(providerMessageId);
    expect(reply?.headers['references']).toBe(`${messageIdFor('incident-db-down')} ${providerMessageId}`);
    expect(reply?.text).toContain('incident-db-down was acknowledged by dana at 2026-01-05T15:02:00.000Z.');
  });

  it('does not retry a 5xx SMTP answer (unknown mailbox)', async () => {
    smtp.rejectNext({ code: 550, message: '5.1.1 <dana@example.com>: Recipient address rejected: User unknown' });
    const error = await deliveryFailure(config, page());

    expect(error.type).toBe('ProviderRejected');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('incident-db-down');
    expect(error.message).toContain('550');
    expect(error.message).toContain('check the address dana@example.com');
  });

  it('retries a 4xx SMTP answer (greylisting)', async () => {
    smtp.rejectNext({ code: 451, message: '4.7.1 Greylisted, try again later', at: 'data' });
    const error = await deliveryFailure(config, page(), 2);

    expect(error.nonRetryable).toBe(false);
    expect(error.message).toContain('451');
    expect(error.details).toEqual([{ attempt: 2, channel: 'email' }]);
  });

  it('retries when the SMTP server cannot be reached', async () => {
    const port = await closedPort();

    const error = await deliveryFailure(
      providerConfig({ email: { url: `smtp://user:secret@127.0.0.1:${port}`, from: 'oncall@example.com' } }),
      page(),
    );
    expect(error.type).toBe('ProviderUnavailable');
    expect(error.nonRetryable).toBe(false);
    expect(error.message).toContain(`smtp://127.0.0.1:${port}`);
    expect(error.message).not.toContain('secret');
  });
});
