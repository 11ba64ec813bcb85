import { CancellationScope, condition, isCancellation, log, patched, sleep, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { DeliverySettings } from '../domain/config.js';
import {
  type AnnouncedEvent,
  type Delivery,
  type DeliveryRequest,
  type NotificationActivities,
  type ResolvedLevel,
  type RotationContext,
} from '../domain/delivery.js';
import { notificationKey } from '../domain/escalation.js';
import type { IncidentRecord, NotificationRecord } from '../domain/incident.js';
import type { Target } from '../domain/policy.js';
import { recordNote, trimNotifications } from '../domain/record.js';
import { targetLabel } from '../domain/targets.js';
import { Announcer } from './announcer.js';
import { deliveryActivity } from './delivery-activity.js';
import { LevelTargets } from './level-targets.js';
import { roundKey, type NotifyRound, type Send, type Tally, type UnreachedHandler } from './rounds.js';
import { deliverySummary, failureAttempt, failureMessage, isNonRetryable } from './delivery-outcome.js';

/**
 * Sends a level's notifications beside the escalation timer: each delivery is its own activity with
 * its own retries, tracked in the record, and never awaited by the escalation loop. A failing
 * provider ends as a `failed` entry in `notifications[]`, never as a failed or late incident.
 */
export class Notifier {
  private readonly deliver: ActivityInterfaceFor<NotificationActivities>['deliver'];
  private readonly targets: LevelTargets;
  private readonly inFlight = new Set<Promise<void>>();
  /** Cancelled when the incident is answered: nobody needs paging about it any more. */
  private scope = new CancellationScope();
  private readonly announcer: Announcer;
  /** Rounds (`cycle/level/repeat/recipient`) whose page a provider reported undelivered: their later rules go now. */
  private readonly hurried = new Set<string>();

  constructor(
    private readonly record: IncidentRecord,
    delivery: DeliverySettings,
    private readonly uiUrl: string | undefined,
    private readonly onChange: () => void,
    private readonly isPaging: () => boolean,
    private readonly onUnreached: UnreachedHandler,
  ) {
    this.announcer = new Announcer(record, isPaging, (delivery, send, providerMessageId) =>
      this.dispatch(delivery, send, providerMessageId),
    );
    this.deliver = deliveryActivity(delivery);
    this.targets = new LevelTargets(record);
  }

  /**
   * A provider said this page did not reach its person (Twilio: undelivered, failed, no answer):
   * that person's later rules of the same round stop waiting and go out now.
   */
  hurry(page: NotificationRecord): void {
    if (page.recipient === undefined || page.kind === 'update') return;
    this.hurried.add(roundKey(page.cycle, page.level - 1, page.repeat, page.recipient));
  }

  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  /**
   * Resolves the level's targets (awaited: it is fast), then sends in the background. Each target
   * stands on its own: one that cannot be resolved is recorded and the others are paged.
   */
  async notifyLevel(targets: Target[], round: NotifyRound, rotation?: RotationContext): Promise<void> {
    let resolved: ResolvedLevel;
    try {
      resolved = await this.targets.resolve(targets, round, rotation);
    } catch (error) {
      const reason = failureMessage(error);
      log.warn('could not resolve targets; this level notifies nobody', {
        workflowId: this.record.workflowId,
        level: round.level + 1,
        reason,
      });
      recordNote(
        this.record,
        { at: round.at, by: 'engine', level: round.level + 1, reason: `targets not resolved: ${reason}` },
        'notification',
      );
      this.onChange();
      this.onUnreached(round, [`targets not resolved: ${reason}`]);
      return;
    }
    // Someone may have answered while the targets were resolved (a breach report goes out anyway, a
    // reminder goes to that someone).
    if (round.kind !== 'breach' && !this.isPaging() && !(round.reminder && this.record.state === 'ACKNOWLEDGED')) return;
    // How a rotation picked (whose turn, who it skipped and why): answers carry notes only with a rotation.
    for (const note of resolved.notes ?? []) {
      recordNote(this.record, { at: round.at, by: 'engine', level: round.level + 1, reason: note }, 'notification');
    }
    const tally: Tally = { pending: 0, reached: false, reasons: [] };
    for (const miss of resolved.unresolved) {
      this.targets.recordUnresolved(miss, round);
      tally.reasons.push(`${miss.target}: ${miss.reason}`);
    }
    const seen = new Map<string, number>();
    for (const delivery of resolved.deliveries) {
      const id = `${delivery.target}|${delivery.recipient ?? ''}|${delivery.channel}`;
      const index = seen.get(id) ?? 0;
      seen.set(id, index + 1);
      this.dispatchPage(delivery, round, index, tally);
    }
    trimNotifications(this.record);
    this.onChange();
    if (resolved.deliveries.length === 0) {
      this.onUnreached(round, tally.reasons.length > 0 ? tally.reasons : [`${targets.map(targetLabel).join(', ')} resolved to no one`]);
    }
  }

  /** Counts `run` as in flight until it settles: drain() and idle wait for it (a level's actions too). */
  track(run: Promise<void>): void {
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Stops every delivery still waiting or retrying. */
  cancelPending(): void {
    this.scope.cancel();
    this.scope = new CancellationScope();
  }

  /** Waits until every started delivery has settled (before completing or continuing as new). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Tells the providers that paged someone that the incident moved (workflows/announcer.ts). */
  announce(event: AnnouncedEvent, at: string): void {
    this.announcer.announce(event, at);
    this.onChange();
  }

  private dispatchPage(delivery: Delivery, round: NotifyRound, index: number, tally: Tally): void {
    const key = notificationKey({
      index,
      ...(delivery.recipient !== undefined && { recipient: delivery.recipient }),
      workflowId: this.record.workflowId,
      epoch: round.epoch,
      level: round.level,
      repeat: round.repeat,
      target: delivery.target,
      channel: delivery.channel,
    });
    // A fallback, breach or reminder page may reach an address its level also had: its key must not be taken for that page.
    const extra =
      round.kind === 'fallback' || round.kind === 'breach'
        ? [round.kind, round.tag].filter(Boolean).join('-')
        : round.reminder
          ? 'reminder'
          : '';
    const idempotencyKey = extra ? `${key}/${extra}` : key;
    tally.pending += 1;
    this.dispatch(
      delivery,
      {
        idempotencyKey,
        kind: round.kind,
        level: round.level,
        repeat: round.repeat,
        cycle: round.cycle,
        at: round.at,
        ...(round.reminder && { reminder: true }),
      },
      undefined,
      (reached, reason) => {
        tally.pending -= 1;
        if (reached) tally.reached = true;
        else if (reason !== undefined) tally.reasons.push(`${delivery.target} via ${delivery.channel}: ${reason}`);
        if (tally.pending === 0 && !tally.reached && tally.reasons.length > 0) this.onUnreached(round, tally.reasons);
      },
    );
  }

  /** `settled`: whether the page got through (delivered, or deliberately not sent), else why not. */
  private dispatch(
    delivery: Delivery,
    send: Send,
    providerMessageId?: string,
    settled?: (reached: boolean, reason?: string) => void,
  ): void {
    const { idempotencyKey } = send;
    const entry: NotificationRecord = {
      idempotencyKey,
      kind: send.kind,
      ...(send.event !== undefined && { event: send.event }),
      level: send.level + 1,
      repeat: send.repeat,
      cycle: send.cycle,
      target: delivery.target,
      ...(delivery.recipient !== undefined && { recipient: delivery.recipient }),
      channel: delivery.channel,
      address: delivery.address,
      attempt: 0,
      status: 'pending',
      at: send.at,
    };
    this.record.notifications.push(entry);
    if (send.kind !== 'update') this.record.notificationCount += 1;
    const { notifications: _notifications, ...snapshot }: IncidentRecord = this.record;
    const request: DeliveryRequest = {
      idempotencyKey,
      // A fallback is a page to its providers; the record tells it apart.
      kind: send.kind === 'fallback' || send.kind === 'breach' ? 'page' : send.kind,
      ...(send.event !== undefined && { event: send.event }),
      ...(providerMessageId !== undefined && { providerMessageId }),
      ...(send.reminder && { reminder: true }),
      incident: snapshot,
      level: send.level,
      repeat: send.repeat,
      delivery,
      ...(this.uiUrl !== undefined && { uiUrl: this.uiUrl }),
      ...(send.kind === 'breach' && { whenAnswered: 'send' as const }),
    };
    // Pages stop when the incident is answered; announcements of the answer and breach reports still go out.
    const scope = send.kind === 'update' || send.kind === 'breach' ? undefined : this.scope;
    // What the Web UI shows for the activity: the escalation's story, one delivery at a time.
    const summary = deliverySummary(send, delivery);
    const attempt = async () => {
      if (delivery.afterMs && delivery.afterMs > 0) {
        const recipient = delivery.recipient;
        // A failed receipt for this person's earlier page of the round ends the wait (see hurry()).
        if (recipient !== undefined && patched('receipt-hurries-rules')) {
          const key = roundKey(send.cycle, send.level, send.repeat, recipient);
          await condition(() => this.hurried.has(key), delivery.afterMs);
        } else {
          await sleep(delivery.afterMs, { summary: `${summary} (rule delay)` });
        }
      }
      return this.deliver.executeWithOptions({ summary }, [request]);
    };
    const run = (scope ? scope.run(attempt) : attempt())
      .then(
        (result) => {
          entry.status = result.status;
          if (result.reason !== undefined) entry.reason = result.reason;
          entry.attempt = result.attempt;
          entry.settledAt = result.at;
          if (result.providerMessageId !== undefined) entry.providerMessageId = result.providerMessageId;
          if (entry.status === 'delivered' && !send.reminder) this.announcer.pageSettled(entry);
        },
        (error: unknown) => {
          if (isCancellation(error)) {
            entry.status = 'cancelled';
            // The workflow cannot tell a page still waiting from one whose request was under way.
            entry.error =
              'cancelled: the incident was answered while this notification was waiting or being sent; an attempt already under way may still have reached the provider (look for its idempotency key there)';
          } else {
            entry.status = 'failed';
            entry.error = failureMessage(error);
            entry.retryable = !isNonRetryable(error);
            entry.attempt = failureAttempt(error) ?? entry.attempt;
            log.warn('notification failed; escalation continues', {
              workflowId: this.record.workflowId,
              idempotencyKey,
              error: entry.error,
            });
          }
          entry.settledAt = new Date().toISOString();
        },
      )
      .finally(() => {
        this.inFlight.delete(run);
        this.onChange();
        settled?.(entry.status !== 'failed', entry.error);
      });
    this.inFlight.add(run);
  }
}
