import type { IncidentRecord, NotificationRecord } from './incident.js';
import { recordNote } from './record.js';

/**
 * A provider's word on a page after it accepted it (Twilio's status callback): the text reached the
 * phone, or it did not, or the call went unanswered. Pure and free of zod: the workflow applies it
 * in its `recordDeliveryReceipt` update.
 */
export const RECEIPTS = ['delivered', 'undelivered', 'failed'] as const;
export type Receipt = (typeof RECEIPTS)[number];

export interface DeliveryReceiptInput {
  /** Who reports it: `twilio`. */
  by: string;
  /** The notification's idempotency key, as its page carried it (the status callback's `key`). */
  idempotencyKey: string;
  receipt: Receipt;
  /** The provider's own words: `undelivered (Twilio error 30003)`. */
  detail: string;
}

/** The page the receipt is about: the latest entry with the key that is not a follow-up. */
function pageOf(record: IncidentRecord, key: string): NotificationRecord | undefined {
  return record.notifications.findLast((n) => n.idempotencyKey === key && n.kind !== 'update');
}

/** Why the receipt cannot be recorded, or undefined when it can. */
export function receiptRefusal(record: IncidentRecord, input: DeliveryReceiptInput): string | undefined {
  if (!(RECEIPTS as readonly string[]).includes(input.receipt)) return `receipt must be one of ${RECEIPTS.join(', ')}`;
  const page = pageOf(record, input.idempotencyKey);
  if (!page) return `${record.workflowId} has no page ${input.idempotencyKey} (trimmed from the record, or another incident's)`;
  return undefined;
}

/** Puts the receipt on its page and a line on the timeline, answering the page. Call after receiptRefusal said yes. */
export function applyReceipt(record: IncidentRecord, input: DeliveryReceiptInput, at: string): NotificationRecord | undefined {
  const page = pageOf(record, input.idempotencyKey);
  if (!page) return undefined;
  page.receipt = input.receipt;
  page.receiptDetail = input.detail;
  const to = page.recipient ? `${page.address ?? page.target} (${page.recipient})` : (page.address ?? page.target);
  recordNote(
    record,
    { at, by: input.by, reason: `${page.channel} page L${page.level} to ${to} ${input.receipt}: ${input.detail}` },
    'notification',
  );
  return page;
}
