import type { IncidentRecord } from '../../domain/incident.js';
import { isTerminal } from '../../domain/incident.js';
import type { ResponderAction } from '../../domain/responder.js';

/**
 * The one-click responder page (`/v1/act/{token}`): server-rendered, no script, readable on a
 * phone woken at 3 a.m. It shows the incident and its timeline, and Acknowledge / Escalate /
 * Resolve buttons that post back with the same token.
 */

export interface ActPage {
  /** What happened (a result or a refusal), shown above the incident. */
  notice?: { kind: 'ok' | 'refused'; text: string };
  record?: IncidentRecord;
  /** The user the link acts as. */
  user?: string;
  /** The form target (the link itself); no buttons without it. */
  action?: string;
}

const LABEL: Record<ResponderAction, string> = { acknowledge: 'Acknowledge', escalate: 'Escalate', resolve: 'Resolve' };

export function renderActPage(page: ActPage): string {
  const { record } = page;
  const notice =
    page.notice ??
    (record && isTerminal(record.state)
      ? { kind: 'refused' as const, text: `${record.workflowId} is ${record.state} and closed; this link changes nothing more.` }
      : undefined);
  const title = record ? `[${record.severity.toUpperCase()}] ${record.summary}` : 'Incident link';
  const buttons =
    record && page.action && !isTerminal(record.state)
      ? `<form method="post" action="${escapeHtml(page.action)}">${(['acknowledge', 'escalate', 'resolve'] as const)
          .filter((a) => !(a === 'acknowledge' && record.state === 'ACKNOWLEDGED'))
          .map((a) => `<button type="submit" name="action" value="${a}" class="${a}">${LABEL[a]}</button>`)
          .join('')}</form>`
      : '';
  const facts = record
    ? [
        ['Incident', record.workflowId],
        ['State', record.state],
        ['Severity', record.severity],
        ...(record.service ? [['Service', record.service]] : []),
        ['Level', String(record.level)],
        ...(record.acknowledgedBy ? [['Acknowledged by', record.acknowledgedBy]] : []),
        ...(page.user ? [['You act as', page.user]] : []),
      ]
    : [];
  const timeline = record
    ? record.timeline
        .slice(-15)
        .reverse()
        .map((e) => {
          const what = e.from && e.to ? `${e.from} → ${e.to}` : e.to ? `→ ${e.to}` : e.kind;
          return `<li><time>${escapeHtml(e.at.slice(0, 19).replace('T', ' '))}</time> ${escapeHtml(what)} by ${escapeHtml(e.by)}${
            e.reason ? `: ${escapeHtml(e.reason)}` : ''
          }</li>`;
        })
        .join('')
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:16px;max-width:40rem;line-height:1.4}
h1{font-size:1.25rem;margin:0 0 12px}
.notice{padding:12px;border-radius:8px;margin:0 0 16px;font-weight:600}
.ok{background:#e6f4ea;color:#0d5224}.refused{background:#fdecea;color:#8a1c12}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0 0 16px}dt{color:#555}dd{margin:0}
form{display:flex;flex-direction:column;gap:10px;margin:0 0 20px}
button{font-size:1.1rem;padding:14px;border:0;border-radius:8px;color:#fff;background:#2e6bd6}
button.acknowledge{background:#1f8a4c}button.resolve{background:#555}
ul{padding-left:18px;font-size:.9rem}time{color:#666}
</style></head><body>
${notice ? `<p class="notice ${notice.kind}" role="status">${escapeHtml(notice.text)}</p>` : ''}
<h1>${escapeHtml(title)}</h1>
${facts.length ? `<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k ?? '')}</dt><dd>${escapeHtml(v ?? '')}</dd>`).join('')}</dl>` : ''}
${buttons}
${timeline ? `<h2 style="font-size:1rem">Timeline</h2><ul>${timeline}</ul>` : ''}
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
