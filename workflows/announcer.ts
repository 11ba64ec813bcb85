import { patched } from '@temporalio/workflow';
import { FOLLOWING_CHANNELS, type AnnouncedEvent, type Delivery } from '../domain/delivery.js';
import type { IncidentRecord, NotificationRecord } from '../domain/incident.js';
import type { Channel } from '../domain/policy.js';
import type { Send } from './rounds.js';

type SendUpdate = (delivery: Delivery, send: Send, providerMessageId?: string) => void;

/**
 * Tells the providers that paged someone (PagerDuty, Opsgenie, Slack, webhooks) that the incident
 * moved: acknowledged, resolved, re-opened. A page that lands after the answer was announced (its
 * provider took it while the answer was being taken) is told too, or PagerDuty would go on paging
 * someone who already answered here.
 */
export class Announcer {
  private count = 0;
  /** The latest announcement, and the provider addresses it reached (`channel|address`). */
  private latest: { event: AnnouncedEvent; at: string; told: Set<string> } | undefined;

  constructor(
    private readonly record: IncidentRecord,
    private readonly isPaging: () => boolean,
    private readonly send: SendUpdate,
  ) {}

  announce(event: AnnouncedEvent, at: string): void {
    const paged = new Map<string, NotificationRecord & { channel: Channel }>();
    for (const n of this.record.notifications) {
      const { channel } = n;
      if (n.kind !== 'update' && n.status === 'delivered' && channel !== undefined && FOLLOWING_CHANNELS.includes(channel))
        paged.set(addressOf(n), { ...n, channel });
    }
    this.count += 1;
    this.latest = { event, at, told: new Set(paged.keys()) };
    for (const page of paged.values()) this.tell(page, event, at);
  }

  /**
   * A page (not a reminder) settled delivered. If the incident was answered while it was on its
   * way, its provider has heard nothing of the answer: tell it now, once per address.
   */
  pageSettled(page: NotificationRecord): void {
    const latest = this.latest;
    const { channel } = page;
    // Updates and breach reports are not pages a responder answers; reminders go out while acknowledged.
    if (!latest || this.isPaging() || page.kind === 'update' || page.kind === 'breach') return;
    if (channel === undefined || !FOLLOWING_CHANNELS.includes(channel)) return;
    if (latest.told.has(addressOf(page)) || !patched('late-page-follow-up')) return;
    latest.told.add(addressOf(page));
    this.tell({ ...page, channel }, latest.event, latest.at);
  }

  private tell(page: NotificationRecord & { channel: Channel }, event: AnnouncedEvent, at: string): void {
    const delivery: Delivery = {
      target: page.target,
      channel: page.channel,
      address: page.address ?? '',
      ...(page.recipient !== undefined && { recipient: page.recipient }),
    };
    const idempotencyKey = `${this.record.workflowId}/U${this.count}-${event}/${page.target}/${page.channel}`;
    this.send(
      delivery,
      { idempotencyKey, kind: 'update', event, level: page.level - 1, repeat: page.repeat, cycle: page.cycle, at },
      page.providerMessageId,
    );
  }
}

function addressOf(page: NotificationRecord): string {
  return `${page.channel ?? ''}|${page.address ?? ''}`;
}
