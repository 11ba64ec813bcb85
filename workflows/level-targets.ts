import { proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import {
  DELIVERY_FAILURE,
  type Delivery,
  type NotificationActivities,
  type ResolvedLevel,
  type RotationContext,
  type UnresolvedTarget,
} from '../domain/delivery.js';
import type { IncidentRecord } from '../domain/incident.js';
import type { Target } from '../domain/policy.js';
import { recordNote } from '../domain/record.js';
import { mergeDeliveries, staticDeliveries, targetLabel } from '../domain/targets.js';
import type { NotifyRound } from './rounds.js';

/** Who a round's targets reach: the addresses they carry, or the directory's answer (rotations included). */
export class LevelTargets {
  private readonly resolveTargets: ActivityInterfaceFor<NotificationActivities>['resolveTargets'];

  constructor(private readonly record: IncidentRecord) {
    // Resolving targets only reads the directory and the clock. A regular activity, not a local one:
    // local activities raced with queries and continue-as-new in our tests ("Missing associated
    // machine for LocalActivity"), and an escalation engine cannot trade correctness for a few ms.
    this.resolveTargets = proxyActivities<NotificationActivities>({
      startToCloseTimeout: 10_000,
      retry: { initialInterval: 200, backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: [DELIVERY_FAILURE.notConfigured] },
    }).resolveTargets;
  }

  /**
   * Targets that carry their own address resolve right here, saving an activity round trip on the
   * first page; a level with a user, team or schedule asks the directory through the activity.
   */
  async resolve(targets: Target[], round: NotifyRound, rotation?: RotationContext): Promise<ResolvedLevel> {
    const own = targets.map(staticDeliveries);
    if (own.every((d) => d !== undefined)) {
      return { deliveries: mergeDeliveries(own.flat().filter((d): d is Delivery => d !== undefined)), unresolved: [] };
    }
    const what =
      round.kind === 'fallback'
        ? `fallback for L${round.level + 1}`
        : round.kind === 'breach'
          ? 'SLA breach'
          : `L${round.level + 1} targets`;
    const answer: ResolvedLevel | Delivery[] = await this.resolveTargets.executeWithOptions(
      { summary: `${what}: ${targets.map(targetLabel).join(', ')}` },
      [{ workflowId: this.record.workflowId, level: round.level, targets, at: round.dueAt, ...(rotation && { rotation }) }],
    );
    // Histories recorded before targets were resolved one by one hold a bare list.
    return Array.isArray(answer) ? { deliveries: answer, unresolved: [] } : answer;
  }

  /** A target that reaches nobody: on the timeline and in `notifications[]`, beside the pages that went out. */
  recordUnresolved(miss: UnresolvedTarget, round: NotifyRound): void {
    const level = round.level + 1;
    recordNote(this.record, { at: round.at, by: 'engine', level, reason: `${miss.target} not paged: ${miss.reason}` }, 'notification');
    this.record.notifications.push({
      idempotencyKey: `${this.record.workflowId}/E${round.epoch}/L${level}/R${round.repeat}/${miss.target}/unresolved`,
      kind: round.kind,
      level,
      repeat: round.repeat,
      cycle: round.cycle,
      target: miss.target,
      attempt: 0,
      status: 'failed',
      error: miss.reason,
      retryable: false,
      at: round.at,
      settledAt: round.at,
    });
  }
}
