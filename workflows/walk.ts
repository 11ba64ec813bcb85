import { ApplicationFailure, patched } from '@temporalio/workflow';
import { formatDuration } from '../domain/duration-text.js';
import { advance, manualEscalation, startsNewWalk, type EscalationStep } from '../domain/escalation.js';
import type { RotationContext } from '../domain/delivery.js';
import { conditionZone, failedCondition } from '../domain/level-conditions.js';
import { repageStep, repagesWalkedLevel, skippedCursor, type LevelStep } from '../domain/planner.js';
import type { Policy } from '../domain/policy.js';
import { recordNote, type MoveContext } from '../domain/record.js';
import { IncidentCourse, nowIso } from './course.js';
import type { NotifyRound } from './rounds.js';

/**
 * Walking the policy: a level paged (its actions, its round robin), skipped by its condition,
 * repeated, escalated to by hand, paged again after an ack timeout, a snooze or a maintenance
 * window, or closed by auto-resolve. IncidentCourse decides when; this carries each step out.
 */
export abstract class IncidentWalk extends IncidentCourse {
  /** Carries out one step of the policy: notify a level, repeat it, or time out. */
  protected async takeStep(step: EscalationStep, actor: { by: string; reason?: string }): Promise<void> {
    this.forced = undefined;
    const at = nowIso();
    if (step.kind === 'timeout') {
      this.apply('timeout', { at, by: actor.by, reason: actor.reason ?? step.reason });
      return;
    }
    const level = this.policy.levels[step.level];
    if (!level) throw ApplicationFailure.nonRetryable(`policy ${this.policy.name} has no level ${step.level + 1}`);
    // A new walk of the policy: its pages must not be taken for the first walk's.
    if (startsNewWalk(this.policy, step)) this.epoch += 1;
    if (step.kind === 'level' && step.isEscalation && this.record.state === 'ACTIVE') {
      this.apply('escalate', { at, by: actor.by, reason: actor.reason ?? `level ${step.level + 1} due`, level: step.level + 1 });
    }
    this.cursor = advance(this.cursor, step);
    Object.assign(this.record, {
      level: this.cursor.level + 1,
      repeat: this.cursor.repeat,
      cycle: this.cursor.cycle,
      escalationCount: this.cursor.escalationCount,
    });
    if (this.epoch > 0) this.record.epoch = this.epoch;

    const round: NotifyRound = {
      level: step.level,
      repeat: step.kind === 'repeat' ? step.repeat : 0,
      cycle: step.cycle,
      epoch: this.epoch,
      kind: step.kind === 'repeat' ? 'repeat' : 'page',
      at,
      dueAt: step.dueAt,
    };
    // A level's automated responses run once when it comes due (not on its repeats), beside its pages.
    if (step.kind === 'level' && level.actions && level.actions.length > 0 && patched('level-actions')) {
      this.actions.run(level.actions, round);
    }
    if (level.targets.length > 0) await this.notifier.notifyLevel(level.targets, round, this.rotationOf(level));
    // An answer may have arrived while targets were resolved; the state machine decides what stands.
    const done = { at: nowIso(), by: actor.by, level: step.level + 1 };
    if (this.record.state === 'PENDING') this.apply('activate', { ...done, reason: `level ${step.level + 1} notified` });
    else if (this.record.state === 'ESCALATING') this.apply('levelNotified', { ...done, reason: `level ${step.level + 1} notified` });
    else if (step.kind === 'repeat') {
      recordNote(
        this.record,
        { at, by: actor.by, reason: `level ${step.level + 1} re-notified (repeat ${step.repeat})`, level: step.level + 1 },
        'notification',
      );
    }
  }

  /**
   * A level whose `when` does not hold as it comes due is skipped at once: nobody is paged, the
   * timeline says which condition failed, and the walk goes on as if it had been paged.
   */
  protected skipsLevel(step: LevelStep): boolean {
    const when = this.policy.levels[step.level]?.when;
    if (!when) return false;
    const failed = failedCondition(when, {
      at: step.dueAt,
      severity: this.record.severity,
      occurrences: this.record.occurrences,
      defaultZone: conditionZone(when, this.policy.businessHours?.timezone),
    });
    if (failed === undefined) return false;
    // A skipped loop start still starts a new walk: the pages after it must not reuse the last walk's keys.
    if (startsNewWalk(this.policy, step)) {
      this.epoch += 1;
      this.record.epoch = this.epoch;
    }
    this.cursor = skippedCursor(this.policy, this.cursor, step);
    // The record stands where the walk does (what an un-acknowledge or a manual escalation goes on from).
    Object.assign(this.record, { level: step.level + 1, repeat: 0, cycle: step.cycle, escalationCount: this.cursor.escalationCount });
    recordNote(this.record, {
      at: nowIso(),
      by: 'policy',
      reason: `level ${step.level + 1} skipped: its condition failed (when.${failed})`,
      level: step.level + 1,
    });
    this.visibility.syncDetails();
    return true;
  }

  /**
   * Where a level's round-robin people are picked: the policy's rotation for this level (a
   * `notify: round-robin` level, or a directory team with round robin on it). Before this change a
   * round-robin team picked from a hash of the incident; running incidents keep doing so.
   */
  private rotationOf(level: Policy['levels'][number]): RotationContext | undefined {
    if (level.notify !== 'round-robin' && !level.targets.some((target) => target.type === 'team')) return undefined;
    if (!patched('round-robin-rotation')) return undefined;
    return { policy: this.policy.name, severity: this.record.severity, ...(level.notify !== undefined && { notify: level.notify }) };
  }

  protected async runManualEscalation(): Promise<void> {
    const manual = this.manual;
    this.manual = undefined;
    if (!manual) return;
    // Worked out now, not when asked: a step that was under way may have moved the cursor since.
    const result = manualEscalation(this.policy, this.cursor, Date.now(), manual.toLevel);
    if (!this.isEscalating())
      this.refuse('escalate', manual.by, this.escalationRefusal(true, manual.toLevel) ?? `cannot escalate a ${this.record.state} incident`);
    else if (!result.ok) this.refuse('escalate', manual.by, result.reason);
    else {
      if (manual.toLevel !== undefined) this.jumpTo(result.step, manual);
      await this.takeStep(result.step, manual);
    }
    this.manualDone += 1;
  }

  /**
   * Escalate to a named level: back to a level this walk paged already needs a new epoch (fresh
   * idempotency keys), and paging the level it is at again moves no state, so the timeline says so.
   */
  private jumpTo(step: EscalationStep, manual: { by: string; reason: string }): void {
    if (step.kind !== 'level') return;
    if (repagesWalkedLevel(this.cursor, step)) {
      this.epoch += 1;
      this.record.epoch = this.epoch;
    }
    if (!step.isEscalation) {
      recordNote(this.record, {
        at: nowIso(),
        by: manual.by,
        reason: `${manual.reason}: level ${step.level + 1} paged again`,
        level: step.level + 1,
      });
    }
  }

  /** A responder withdrew the acknowledgement: ACTIVE again, and the providers that paged hear so. */
  protected withdrawAcknowledgement(by: string, reason: string): boolean {
    const at = nowIso();
    if (!this.apply('unacknowledge', { at, by, reason })) return false;
    this.notifier.announce('reopened', at);
    this.visibility.sync();
    return true;
  }

  protected reopenAfterAckTimeout(ackTimeout: number): void {
    this.pageAgain('reopen', {
      at: nowIso(),
      by: 'policy',
      reason: `acknowledgement not followed by a resolve within ${formatDuration(ackTimeout)} (ackTimeout)`,
    });
  }

  /**
   * ACKNOWLEDGED → ACTIVE (ack timeout, snooze over, handed back): the level it was at goes out
   * again now under a new epoch; its repeats and the levels after count from now.
   */
  protected pageAgain(event: 'reopen' | 'unacknowledge', ctx: MoveContext): void {
    this.apply(event, ctx);
    this.notifier.announce('reopened', ctx.at);
    this.epoch += 1;
    this.record.epoch = this.epoch;
    this.forced = repageStep(this.cursor, Date.now());
  }

  /**
   * A maintenance window that held paging ended: the level the incident reached is paged now (a
   * new epoch when one went out before, so providers do not take it for the first), and the walk
   * goes on from there. Before level 1 went out: level 1, now.
   */
  protected endMaintenance(name: string): void {
    this.record.maintenance = undefined;
    const level = (this.cursor?.level ?? 0) + 1;
    recordNote(this.record, {
      at: nowIso(),
      by: 'maintenance',
      reason: `maintenance window ${name} ended: paging resumes at level ${level}`,
      level,
    });
    if (this.cursor) {
      this.epoch += 1;
      this.record.epoch = this.epoch;
    }
    this.forced = repageStep(this.cursor, Date.now());
    this.revision += 1;
  }

  protected autoResolve(after: number): void {
    const at = nowIso();
    this.apply('resolve', { at, by: 'policy', reason: `auto-resolved after ${formatDuration(after)} (autoResolve)` });
    this.notifier.cancelPending();
    this.notifier.announce('resolved', at);
  }

  /**
   * Why an escalation request is refused, if it is. `acknowledgedEscalates`: an ACKNOWLEDGED
   * incident may be escalated (it becomes ACTIVE at that level); false where a running incident
   * recorded before that change must keep refusing.
   */
  protected escalationRefusal(acknowledgedEscalates: boolean, toLevel?: number): string | undefined {
    const acknowledged = acknowledgedEscalates && this.record.state === 'ACKNOWLEDGED';
    // ESCALATING is a moment (a level's targets are being resolved): the request is that escalation.
    if (!this.isEscalating() && this.record.state !== 'ESCALATING' && !acknowledged) {
      const which = acknowledgedEscalates ? 'PENDING, ACTIVE or ACKNOWLEDGED' : 'PENDING or ACTIVE';
      return `${this.record.workflowId}: cannot escalate a ${this.record.state} incident; only ${which} incidents escalate`;
    }
    if (this.manual) return `${this.record.workflowId}: an escalation is already under way`;
    if (toLevel !== undefined && this.record.state === 'ESCALATING') {
      return `${this.record.workflowId}: level ${this.record.level} is being paged right now; ask for level ${toLevel} again in a moment`;
    }
    const result = manualEscalation(this.policy, this.cursor, Date.now(), toLevel);
    return result.ok ? undefined : `${this.record.workflowId}: ${result.reason}`;
  }
}
