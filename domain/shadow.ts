import type { IncidentRecord, NotificationRecord } from './incident.js';

/**
 * Shadow mode's story, read back from an incident record: the pages the engine would have sent.
 * The deliver activity records each one as a `skipped` notification whose reason says
 * `would page <target> via <channel> (shadow mode)`, so no workflow change was needed to keep them.
 */
export interface WouldPage {
  /** When the page was due (the level or repeat's time, in the workflow's clock). */
  at: string;
  /**
   * When the deliver activity recorded it: the due time plus any per-user rule delay, plus however
   * long the worker took to get to it.
   */
  recordedAt?: string;
  kind: NotificationRecord['kind'];
  /** 1-based level and repeat number. */
  level: number;
  repeat: number;
  target: string;
  recipient?: string;
  channel?: string;
  address?: string;
  reason: string;
}

/** How a shadow-mode page's reason starts. */
export const WOULD_PAGE = 'would page ';

/** Marks a shadow-mode result (the activity appends it to every reason it gives in shadow mode). */
export const SHADOW_MARK = '(shadow mode';

export function isShadowNotification(notification: NotificationRecord): boolean {
  return notification.status === 'skipped' && (notification.reason ?? '').includes(SHADOW_MARK);
}

/**
 * The would-be pages of one incident, in the order they would have gone out. Updates are left
 * out, and so are pages live mode would not have sent either (below a severity floor).
 */
export function wouldPages(record: Pick<IncidentRecord, 'notifications'>): WouldPage[] {
  return record.notifications
    .filter((n) => n.kind !== 'update' && isShadowNotification(n) && (n.reason ?? '').startsWith(WOULD_PAGE))
    .map((n) => ({
      at: n.at,
      ...(n.settledAt !== undefined && { recordedAt: n.settledAt }),
      kind: n.kind,
      level: n.level,
      repeat: n.repeat,
      target: n.target,
      ...(n.recipient !== undefined && { recipient: n.recipient }),
      ...(n.channel !== undefined && { channel: n.channel }),
      ...(n.address !== undefined && { address: n.address }),
      reason: n.reason ?? '',
    }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** `L2 R1` or `fallback L3`, and `team:sre → bob`: how a page reads in a report line. */
export function describePage(page: Pick<WouldPage, 'kind' | 'level' | 'repeat' | 'target' | 'recipient'>): { step: string; who: string } {
  const step = page.kind === 'fallback' ? `fallback L${page.level}` : `L${page.level}${page.repeat ? ` R${page.repeat}` : ''}`;
  const who = `${page.target}${page.recipient && !page.target.endsWith(`:${page.recipient}`) ? ` → ${page.recipient}` : ''}`;
  return { step, who };
}
