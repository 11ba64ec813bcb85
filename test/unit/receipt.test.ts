import { describe, expect, it } from 'vitest';
import { newRecord } from '../../domain/record.js';
import type { NotificationRecord } from '../../domain/incident.js';
import { applyReceipt, receiptRefusal, type DeliveryReceiptInput } from '../../domain/receipt.js';

const AT = '2026-01-05T15:00:00.000Z';

function recordWith(...notifications: Partial<NotificationRecord>[]) {
  const record = newRecord(
    { key: 'db-down', summary: 'db down', severity: 'critical', labels: {}, links: [] },
    'p',
    'incident-db-down',
    AT,
  );
  record.notifications = notifications.map((n) => ({
    idempotencyKey: 'incident-db-down/L1/R0/user:dana/sms',
    kind: 'page',
    level: 1,
    repeat: 0,
    cycle: 0,
    target: 'user:dana',
    recipient: 'dana',
    channel: 'sms',
    address: '+15551230001',
    attempt: 1,
    status: 'delivered',
    at: AT,
    ...n,
  }));
  return record;
}

const receipt = (overrides: Partial<DeliveryReceiptInput> = {}): DeliveryReceiptInput => ({
  by: 'twilio',
  idempotencyKey: 'incident-db-down/L1/R0/user:dana/sms',
  receipt: 'undelivered',
  detail: 'Twilio says no-answer',
  ...overrides,
});

describe('delivery receipts', () => {
  it.each([
    ['a page of this incident', [{}], receipt(), undefined],
    [
      'a key nobody paged',
      [{}],
      receipt({ idempotencyKey: 'incident-x/L1/R0/user:dana/sms' }),
      'has no page incident-x/L1/R0/user:dana/sms',
    ],
    ['only a follow-up with the key', [{ kind: 'update' as const }], receipt(), 'has no page'],
    [
      'an unknown receipt',
      [{}],
      receipt({ receipt: 'read' as DeliveryReceiptInput['receipt'] }),
      'receipt must be one of delivered, undelivered, failed',
    ],
  ])('%s: refusal %s', (_what, notifications, input, refusal) => {
    const found = receiptRefusal(recordWith(...notifications), input);
    if (refusal === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(refusal);
  });

  it('marks the latest page with the key and says so on the timeline', () => {
    const record = recordWith({ attempt: 1 }, { attempt: 2 });
    applyReceipt(record, receipt({ receipt: 'failed', detail: 'Twilio says failed (Twilio error 30008)' }), AT);

    expect(record.notifications.map((n) => n.receipt)).toEqual([undefined, 'failed']);
    expect(record.notifications[1]?.receiptDetail).toBe('Twilio says failed (Twilio error 30008)');
    expect(record.timeline.at(-1)).toEqual({
      at: AT,
      kind: 'notification',
      by: 'twilio',
      reason: 'sms page L1 to +15551230001 (dana) failed: Twilio says failed (Twilio error 30008)',
    });
  });
});
