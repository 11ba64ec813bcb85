import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Providers } from '../../domain/config.js';
import type { DeliveryRequest, IncidentSnapshot } from '../../domain/delivery.js';
import { errorCode, providerRejected, providerUnavailable, transportFailure, type FailureSubject } from '../errors.js';
import { eventSentence, levelText, pagedText, runbookUrl, SEVERITY_COLOR, subjectLine } from './render.js';
import type { NotificationProvider, SendContext, SendResult } from './types.js';

/**
 * Email over SMTP with nodemailer, from `providers.email.url` (`smtp://user:pass@host:587`, or
 * `smtps://` for implicit TLS) and `providers.email.from`.
 *
 * Each page is one mail with a plain-text and an HTML part: subject
 * `[CRITICAL] summary (incident-x)`, the incident's fields, its timeline so far and a link to the
 * Web UI. `Message-ID` is derived from the idempotency key (`<sha256-prefix@escalation>`), so a
 * retried send carries the same id and mail systems can drop the duplicate. Every mail of one
 * incident names the incident's own id in `References`, so clients thread pages and repeats
 * together; an `update` (acknowledged, resolved, ...) is a reply (`In-Reply-To` the page's id).
 *
 * SMTP's own answer decides retries: connection trouble and 4xx replies are temporary (retried),
 * 5xx replies (unknown mailbox, relay denied, bad credentials) are not.
 */

export type EmailSettings = NonNullable<Providers['email']>;

export interface EmailProviderOptions {
  settings: EmailSettings;
  userAgent: string;
}

export const MESSAGE_ID_DOMAIN = 'escalation';

/** `<0c2f...@escalation>`: stable for one idempotency key, safe in a header whatever the key holds. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${MESSAGE_ID_DOMAIN}>`;
}

export function createEmailProvider(options: EmailProviderOptions): NotificationProvider {
  const { settings, userAgent } = options;
  // One transport per worker; nodemailer opens a connection per message unless pooled, which
  // suits the trickle of pages and keeps a dead connection from poisoning the next one.
  const transport = nodemailer.createTransport(settings.url, {
    // Timeouts on each SMTP step, so a hung server costs one attempt.
    connectionTimeout: settings.timeout,
    greetingTimeout: settings.timeout,
    socketTimeout: settings.timeout,
  } as Record<string, unknown>);
  const destination = displaySmtpUrl(settings.url);

  return {
    channel: 'email',
    async send(request: DeliveryRequest, ctx: SendContext): Promise<SendResult> {
      const to = request.delivery.address;
      const subject: FailureSubject = {
        channel: 'email',
        workflowId: request.incident.workflowId,
        destination: `${destination} (mail to ${to})`,
        attempt: ctx.attempt,
      };
      const messageId = messageIdFor(request.idempotencyKey);
      const thread = messageIdFor(request.incident.workflowId);
      const inReplyTo = request.kind === 'update' ? (request.providerMessageId ?? thread) : undefined;
      const mail = emailContent(request);
      try {
        await transport.sendMail({
          from: settings.from,
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId,
          references: inReplyTo && inReplyTo !== thread ? [thread, inReplyTo] : [thread],
          ...(inReplyTo ? { inReplyTo } : {}),
          headers: {
            'X-Escalation-Incident': request.incident.workflowId,
            'X-Escalation-Severity': request.incident.severity,
            'X-Mailer': userAgent,
            // Keep out-of-office replies away from the on-call address.
            'Auto-Submitted': 'auto-generated',
          },
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? error;
        throw smtpFailure(subject, error, to);
      }
      return { providerMessageId: messageId };
    },
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** An SMTP reply code decides: 4xx later, 5xx never (503 is a session hiccup, so it retries too). */
export function smtpFailure(subject: FailureSubject, error: unknown, to: string) {
  const smtp = (typeof error === 'object' && error !== null ? error : {}) as SmtpError;
  const cause = error instanceof Error ? error : undefined;
  const reply = smtp.response ? smtp.response.replace(/\s+/g, ' ').trim().slice(0, 200) : undefined;
  if (typeof smtp.responseCode === 'number') {
    const said = `${subject.destination} answered ${reply ?? smtp.responseCode}${smtp.command ? ` to ${smtp.command}` : ''}`;
    if (smtp.responseCode >= 500 && smtp.responseCode !== 503) {
      const hint =
        smtp.responseCode === 535 || smtp.responseCode === 530 || smtp.code === 'EAUTH'
          ? 'the SMTP server refused the credentials; check the user and password in providers.email.url'
          : smtp.command === 'RCPT TO' || /recipient|mailbox|user unknown/i.test(reply ?? '')
            ? `check the address ${to} in escalation.yaml`
            : smtp.command === 'MAIL FROM'
              ? 'the server refuses providers.email.from as sender; use an address it relays for'
              : 'check providers.email in escalation.yaml';
      return providerRejected(subject, `mail refused for ${subject.workflowId}: ${said}; ${hint}.`, undefined, cause);
    }
    return providerUnavailable(subject, `mail deferred for ${subject.workflowId}: ${said}`, {
      rateLimited: smtp.responseCode === 421 || smtp.responseCode === 450 || smtp.responseCode === 451 || smtp.responseCode === 452,
      ...(cause ? { cause } : {}),
    });
  }
  const code = smtp.code ?? errorCode(error);
  if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'ECONFIG' || code === 'EENVELOPE') {
    const message = cause?.message ?? String(error);
    return providerRejected(
      subject,
      `mail for ${subject.workflowId} cannot be sent: ${message} (${code}); check providers.email in escalation.yaml.`,
      undefined,
      cause,
    );
  }
  return transportFailure(subject, error);
}

/** `smtp://mail.example.com:587` without user and password. */
function displaySmtpUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'the SMTP server';
  }
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function emailContent(request: DeliveryRequest): EmailContent {
  const { incident } = request;
  const event = request.kind === 'update' ? (request.event ?? 'resolved') : undefined;
  const subject = event ? `Re: ${subjectLine(incident)}` : subjectLine(incident);
  const headline = event
    ? `${incident.workflowId} was ${eventSentence(event, incident)}.`
    : request.kind === 'repeat'
      ? `Still unacknowledged: ${incident.summary}`
      : incident.summary;
  const runbook = runbookUrl(incident);
  const facts: [string, string][] = [
    ['Severity', incident.severity.toUpperCase()],
    ['State', incident.state],
    ...(incident.service ? ([['Service', incident.service]] as [string, string][]) : []),
    ...(incident.source ? ([['Source', incident.source]] as [string, string][]) : []),
    ['Policy', `${incident.policy}, ${levelText(request)}`],
    ['Paged', pagedText(request)],
    ['Incident', incident.workflowId],
    ['Opened', incident.createdAt],
    ...(incident.occurrences > 1 ? ([['Occurrences', String(incident.occurrences)]] as [string, string][]) : []),
  ];
  const links: [string, string][] = [
    ...(request.actUrl ? ([['Acknowledge, escalate or resolve', request.actUrl]] as [string, string][]) : []),
    ...(request.uiUrl ? ([['Temporal Web UI', request.uiUrl]] as [string, string][]) : []),
    ...(runbook ? ([['Runbook', runbook]] as [string, string][]) : []),
    ...incident.links.filter((l) => l.href !== runbook).map((l): [string, string] => [l.text ?? l.href, l.href]),
  ];
  const timeline = timelineLines(incident);

  const text = [
    headline,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(links.length ? ['', ...links.map(([k, v]) => `${k}: ${v}`)] : []),
    '',
    'Timeline:',
    ...timeline.map((line) => `  ${line}`),
    '',
    `Acknowledge or resolve: escalate ack ${incident.key} / escalate resolve ${incident.key}, or from Slack.`,
  ].join('\n');

  const color = SEVERITY_COLOR[incident.severity];
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif">',
    `<div style="border-left:6px solid ${color};padding:8px 12px">`,
    `<h2 style="margin:0 0 8px">${escapeHtml(headline)}</h2>`,
    '<table cellpadding="4">',
    ...facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    links.length ? `<p>${links.map(([k, v]) => `<a href="${escapeHtml(v)}">${escapeHtml(k)}</a>`).join(' · ')}</p>` : '',
    '<h3>Timeline</h3><ul>',
    ...timeline.map((line) => `<li>${escapeHtml(line)}</li>`),
    '</ul></div></body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** The last 20 timeline entries, oldest first: what happened so far, as a responder skims it. */
function timelineLines(incident: IncidentSnapshot): string[] {
  return incident.timeline.slice(-20).map((entry) => {
    const what = entry.from && entry.to ? `${entry.from} → ${entry.to}` : entry.to ? `→ ${entry.to}` : entry.kind;
    return `${entry.at}  ${what} by ${entry.by}${entry.reason ? `: ${entry.reason}` : ''}`;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
