import { log, patched } from '@temporalio/workflow';
import { formatDuration } from '../domain/duration-text.js';
import { unreachedStep } from '../domain/planner.js';
import { recordNote } from '../domain/record.js';
import type { SlaKind } from '../domain/sla.js';
import { nowIso } from './course.js';
import { IncidentWalk } from './walk.js';
import type { NotifyRound } from './rounds.js';

/**
 * What the escalation does when it does not go as planned: a level that reached nobody, a
 * response-time SLA that ran out. Each is said on the timeline and in visibility, then pages
 * someone (the next level, the fallback, onBreach).
 */
export abstract class IncidentOutcomes extends IncidentWalk {
  /**
   * A round reached nobody: every delivery failed for good, or its targets resolved to no one. Said
   * on the timeline and in visibility; then the next level now (`onUnreached: next`, the default)
   * or the policy's fallback (`onUnreached: fallback`, and always after the last level).
   */
  protected levelUnreached(round: NotifyRound, reasons: string[]): void {
    // Answered meanwhile (its pages were cancelled or skipped), or closed: nobody needs reaching.
    if (!this.isPaging() || !patched('unreached-levels')) return;
    const at = nowIso();
    const level = round.level + 1;
    const what =
      round.kind === 'fallback' ? `the fallback for level ${level}` : round.kind === 'breach' ? 'the SLA breach page' : `level ${level}`;
    this.record.unreachedLevels = (this.record.unreachedLevels ?? 0) + 1;
    recordNote(this.record, { at, by: 'engine', level, reason: `${what} reached nobody: ${reasons.join('; ')}` }, 'notification');
    log.warn('a level reached nobody', { workflowId: this.record.workflowId, level, fallback: round.kind === 'fallback', reasons });
    this.visibility.sync();
    if (round.kind === 'fallback' || round.kind === 'breach') return;
    const current = this.cursor?.level === round.level && this.cursor.cycle === round.cycle && this.epoch === round.epoch;
    const next = current && this.cursor ? unreachedStep(this.policy, this.cursor, Date.now()) : undefined;
    if (next) {
      recordNote(this.record, {
        at,
        by: 'policy',
        level: level + 1,
        reason: `level ${level + 1} paged now: level ${level} reached nobody`,
      });
      this.forced = next;
      this.revision += 1;
      return;
    }
    if (this.policy.fallback) {
      void this.notifier.notifyLevel(this.policy.fallback, { ...round, kind: 'fallback', at, dueAt: Date.now() });
    } else if (this.policy.onUnreached === 'fallback' || round.level === this.policy.levels.length - 1) {
      recordNote(this.record, {
        at,
        by: 'policy',
        level,
        reason: `no fallback to page: policy ${this.policy.name} has no fallback targets (add policies[].fallback to escalation.yaml)`,
      });
    }
  }

  /** An SLA ran out: said once on the timeline and in visibility, and `onBreach` is paged. */
  protected slaBreach(kind: SlaKind, within: number): void {
    const at = nowIso();
    this.record.slaBreaches = [...(this.record.slaBreaches ?? []), kind];
    const what = kind === 'respond' ? 'acknowledged' : 'resolved';
    const reason = `SLA breached: not ${what} within ${formatDuration(within)} (${this.record.severity} ${kind}Within)`;
    recordNote(this.record, { at, by: 'sla', reason, ...(this.record.level > 0 && { level: this.record.level }) });
    log.warn('SLA breached', { workflowId: this.record.workflowId, kind, within });
    this.revision += 1;
    this.visibility.sync();
    const onBreach = this.input.sla?.onBreach;
    if (onBreach && onBreach.length > 0) {
      void this.notifier.notifyLevel(onBreach, {
        level: Math.max(this.record.level - 1, 0),
        repeat: 0,
        cycle: this.cursor?.cycle ?? 0,
        epoch: this.epoch,
        kind: 'breach',
        tag: kind,
        at,
        dueAt: Date.now(),
      });
    }
  }
}
