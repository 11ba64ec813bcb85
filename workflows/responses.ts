import { ApplicationFailure } from '@temporalio/workflow';
import { formatDuration } from '../domain/duration-text.js';
import type { IncidentRecord } from '../domain/incident.js';
import { reassignedCursor } from '../domain/planner.js';
import type { Target } from '../domain/policy.js';
import { recordNote } from '../domain/record.js';
import { canMove } from '../domain/state-machine.js';
import { targetLabel } from '../domain/targets.js';
import { nowIso } from './course.js';
import { IncidentOutcomes } from './outcomes.js';
import { MOVE_REFUSED, type ReasonInput, type ReassignInput, type SnoozeInput } from './messages.js';

/**
 * What responders ask beyond acknowledge and resolve (issue 12): un-acknowledge, reassign and
 * snooze with their validators, and the steps the planner schedules for them (a snooze ending, a
 * reminder to whoever acknowledged). IncidentRules adds the other handlers on top.
 */
export abstract class IncidentResponses extends IncidentOutcomes {
  /** Handed back: ACTIVE again, the level it is at paged again now, the walk going on from there. */
  unacknowledge(input: ReasonInput): IncidentRecord {
    this.pageAgain('unacknowledge', { at: nowIso(), by: input.by, reason: input.reason ?? `acknowledgement withdrawn by ${input.by}` });
    this.visibility.sync();
    return this.record;
  }

  validateUnacknowledge(input: ReasonInput): void {
    requireActor(input.by);
    if (!canMove(this.record.state, 'unacknowledge')) refuseWith(this.refusal('unacknowledge'));
  }

  /** The named targets are paged now in the level's place; the walk goes on from there. */
  async reassign(input: ReassignInput): Promise<IncidentRecord> {
    const at = nowIso();
    const wasAcknowledged = this.record.state === 'ACKNOWLEDGED';
    const to = input.targets.map(targetLabel).join(', ');
    if (!this.apply('reassign', { at, by: input.by, reason: `reassigned to ${to}${input.reason ? `: ${input.reason}` : ''}` }))
      return this.record;
    if (wasAcknowledged) this.notifier.announce('reopened', at);
    this.forced = undefined;
    this.cursor = reassignedCursor(this.cursor, Date.now());
    // Its own epoch: the named targets may be the level's own, paged before under the same keys.
    this.epoch += 1;
    Object.assign(this.record, { epoch: this.epoch, level: this.cursor.level + 1, repeat: 0, cycle: this.cursor.cycle });
    this.visibility.sync();
    const { level, cycle } = this.cursor;
    await this.notifier.notifyLevel(input.targets, { level, repeat: 0, cycle, epoch: this.epoch, kind: 'page', at, dueAt: Date.now() });
    return this.record;
  }

  validateReassign(input: ReassignInput): void {
    requireActor(input.by);
    if (!Array.isArray(input.targets) || input.targets.length === 0 || !input.targets.every(isTargetShaped))
      refuseWith('reassign needs a list of targets, each with a type (user, team, schedule, email, phone, webhook ...)');
    if (!canMove(this.record.state, 'reassign')) refuseWith(this.refusal('reassign'));
    if (this.manual) refuseWith(`${this.record.workflowId}: an escalation is under way; reassign once it is done`);
  }

  /** ACKNOWLEDGED until `forMs` from now, then ACTIVE at the level it is at and paged (planner: snoozeEnds). */
  snooze(input: SnoozeInput): IncidentRecord {
    const at = nowIso();
    const wasPaging = this.record.state !== 'ACKNOWLEDGED';
    const until = new Date(Date.now() + input.forMs).toISOString();
    const reason = `snoozed for ${formatDuration(input.forMs)}, until ${until}${input.reason ? `: ${input.reason}` : ''}`;
    if (!this.apply('snooze', { at, by: input.by, reason })) return this.record;
    this.record.snoozed = { until, by: input.by };
    if (wasPaging) {
      this.notifier.cancelPending();
      this.notifier.announce('acknowledged', at);
    }
    this.visibility.sync();
    return this.record;
  }

  validateSnooze(input: SnoozeInput): void {
    requireActor(input.by);
    if (typeof input.forMs !== 'number' || !Number.isFinite(input.forMs) || input.forMs <= 0)
      refuseWith('snooze needs a duration longer than 0 (field "for", such as 30m)');
    if (!canMove(this.record.state, 'snooze')) refuseWith(this.refusal('snooze'));
  }

  // ---- steps the planner schedules -----------------------------------------------------------

  /** Still acknowledged and unresolved: whoever acknowledged hears it again (policy ackReminder). */
  protected async remind(n: number, target: Target): Promise<void> {
    const at = nowIso();
    this.record.ackReminders = n;
    const level = this.cursor?.level ?? 0;
    recordNote(
      this.record,
      { at, by: 'policy', level: level + 1, reason: `reminder ${n} to ${targetLabel(target)}: still acknowledged and not resolved` },
      'notification',
    );
    const round = { level, repeat: n, cycle: this.cursor?.cycle ?? 0, epoch: this.epoch, at, dueAt: Date.now() };
    await this.notifier.notifyLevel([target], { ...round, kind: 'repeat', reminder: true });
  }

  protected endSnooze(): void {
    const snoozed = this.record.snoozed;
    const reason = snoozed ? `the snooze by ${snoozed.by} until ${snoozed.until} ended` : 'the snooze ended';
    this.pageAgain('reopen', { at: nowIso(), by: 'policy', reason });
  }
}

function isTargetShaped(target: unknown): boolean {
  return typeof target === 'object' && target !== null && typeof (target as { type?: unknown }).type === 'string';
}

export function requireActor(by: unknown): void {
  if (typeof by !== 'string' || by.trim() === '') refuseWith('the request must say who is doing it (field "by")');
}

export function refuseWith(message: string): never {
  throw ApplicationFailure.create({ type: MOVE_REFUSED, message, nonRetryable: true });
}
