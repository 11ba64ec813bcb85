import { ApplicationFailure, log, patched, workflowInfo } from '@temporalio/workflow';
import { formatDuration } from '../domain/duration-text.js';
import { advance, manualEscalation, startsNewWalk, type EscalationCursor, type EscalationStep } from '../domain/escalation.js';
import type { RotationContext } from '../domain/delivery.js';
import type { IncidentRecord } from '../domain/incident.js';
import { isTerminal } from '../domain/incident-state.js';
import {
  isWalkHeld,
  nextEscalationAt,
  plan,
  repageStep,
  repagesWalkedLevel,
  skippedCursor,
  type LevelStep,
  type Plan,
  type Position,
} from '../domain/planner.js';
import { conditionZone, failedCondition } from '../domain/level-conditions.js';
import type { Policy, Target } from '../domain/policy.js';
import { policyVersion } from '../domain/policy-version.js';
import { applyEvent, newRecord, recordNote, recordRefusal, webUiLink, type MoveContext } from '../domain/record.js';
import { move, type IncidentEvent } from '../domain/state-machine.js';
import type { SlaKind } from '../domain/sla.js';
import type { IncidentWorkflowInput } from '../domain/workflow-input.js';
import { ActionRunner } from './actions.js';
import { Notifier, type NotifyRound } from './notifier.js';
import { Visibility } from './visibility.js';

/**
 * An incident's moving parts and the steps the planner (domain/planner.ts) schedules: the record,
 * the policy snapshot, where the walk stands, and the notifier and visibility that act for it.
 * IncidentRules adds the message handlers on top. Every change that can move the plan (a state
 * change, a raised severity, a forced step, an escalation request) bumps `revision`, the one
 * thing the main loop waits on besides its timer; a settled delivery updates the record and the
 * Web UI but does not wake the loop.
 */
export abstract class IncidentCourse {
  readonly record: IncidentRecord;
  /** The policy snapshot this incident escalates by (a severity raise may move it to another). */
  protected policy: Policy;
  protected readonly notifier: Notifier;
  protected readonly actions: ActionRunner;
  protected readonly visibility: Visibility;
  protected cursor: EscalationCursor | undefined;
  protected forced: EscalationStep | undefined;
  protected epoch: number;
  /** A responder asked to escalate now; the loop carries it out after any step under way. */
  protected manual: { by: string; reason: string; toLevel?: number } | undefined;
  protected manualDone = 0;
  /** The incident runs under a response-time SLA (a worker that knows SLAs started it). */
  private readonly slaOn: boolean;
  /** Urgency holds every level, and a level's `when` may skip it (issue 12, items 5 and 6). */
  private readonly levelRulesOn: boolean;
  revision = 0;

  constructor(protected readonly input: IncidentWorkflowInput) {
    const info = workflowInfo();
    const carry = input.carry;
    this.policy = carry?.policy ?? input.policy;
    this.record = carry?.record ?? newRecord(input.incident, this.policy.name, info.workflowId, this.acceptedAt());
    if (carry) this.record.runs += 1;
    else if (input.alsoSeen) this.record.occurrences += input.alsoSeen;
    this.cursor = carry?.cursor;
    this.epoch = carry?.epoch ?? 0;
    if (carry?.reopen) this.refire(carry.reopen.resolvedAt);
    if (!carry?.record.policyVersion || carry.policy || carry.reopen) this.record.policyVersion = policyVersion(this.policy);
    this.notifier = new Notifier(
      this.record,
      input.settings.delivery,
      webUiLink(this.input.settings, this.record.workflowId),
      () => this.visibility.syncDetails(),
      () => this.isPaging(),
      (round, reasons) => this.levelUnreached(round, reasons),
    );
    this.visibility = new Visibility(this.record, this.policy.levels.length, info.typedSearchAttributes);
    this.actions = new ActionRunner(
      this.record,
      input.settings.delivery,
      (run) => this.notifier.track(run),
      () => this.visibility.syncDetails(),
    );
    this.slaOn = input.sla !== undefined && patched('sla-breaches');
    this.levelRulesOn = patched('level-holds-and-skips');
  }

  /**
   * When the policy starts counting: the moment the server accepted the alert (the execution's start),
   * not when a worker first ran it, so an alert accepted during an outage is not paged late on top
   * of the outage. Before the patch: the first workflow task's time.
   */
  private acceptedAt(): string {
    if (!patched('policy-clock-from-acceptance')) return nowIso();
    // A run continued from another (alerts that reached a closing incident) starts its clock now.
    const info = workflowInfo();
    return info.continuedFromExecutionRunId === undefined ? info.startTime.toISOString() : nowIso();
  }

  get isClosed(): boolean {
    return isTerminal(this.record.state);
  }

  /** The next thing due, as the planner sees it; notes a business-hours hold the first time it applies. */
  next(): Plan | undefined {
    const position = this.position();
    const next = plan(this.policy, position, Date.now());
    if (next?.hold && !this.record.timeline.some((e) => e.reason === next.hold)) {
      recordNote(this.record, { at: nowIso(), by: 'policy', reason: next.hold });
    }
    // A window that ended holding nothing (nobody was due meanwhile) leaves nothing behind.
    const hold = this.record.maintenance;
    if (hold && Date.parse(hold.until) <= Date.now() && next?.action.kind !== 'maintenanceEnds') this.record.maintenance = undefined;
    const due = nextEscalationAt(this.policy, position, this.levelRulesOn ? Date.now() : undefined);
    this.record.nextEscalationAt = due === undefined ? undefined : new Date(due).toISOString();
    return next;
  }

  /** Carries out what the planner scheduled. */
  async act(next: Plan): Promise<void> {
    const action = next.action;
    switch (action.kind) {
      case 'step':
        if (this.levelRulesOn && !this.forced) {
          // Planned before it came due: business hours may hold it now (the loop plans the hold).
          if (isWalkHeld(this.policy, this.position(), Date.now())) return;
          if (action.step.kind === 'level' && this.skipsLevel(action.step)) return;
        }
        return this.takeStep(action.step, { by: 'policy' });
      case 'escalateNow':
        return this.runManualEscalation();
      case 'autoResolve':
        return this.autoResolve(action.after);
      case 'ackTimeout':
        return this.reopenAfterAckTimeout(action.after);
      case 'slaBreach':
        return this.slaBreach(action.sla, action.within);
      case 'snoozeEnds':
        return this.endSnooze();
      case 'ackReminder':
        return this.remind(action.n, action.target);
      case 'maintenanceEnds':
        return this.endMaintenance(action.name);
      default: {
        const unknownAction: never = action;
        throw new Error(`unknown planned action ${JSON.stringify(unknownAction)}`);
      }
    }
  }

  syncVisibility(): void {
    this.visibility.sync();
  }

  /** The engine cannot go on (the policy maths met the impossible): FAILED, saying why. */
  fail(reason: string): void {
    log.error('incident failed: the engine cannot go on', { workflowId: this.record.workflowId, reason });
    if (this.apply('fail', { at: nowIso(), by: 'engine', reason })) this.notifier.cancelPending();
    this.visibility.sync();
  }

  // ---- runs ----------------------------------------------------------------------------------

  /** Closed: stop what is still retrying and let it settle (its outcome belongs in the record). */
  async settle(): Promise<void> {
    this.notifier.cancelPending();
    await this.notifier.drain();
    this.visibility.sync();
  }

  shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    const long = info.continueAsNewSuggested || info.historyLength > this.input.settings.maxHistoryEvents;
    // In-flight deliveries belong to this run: wait for them to settle before handing over.
    return long && this.notifier.idle && !this.manual;
  }

  // ---- steps ---------------------------------------------------------------------------------

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
  private skipsLevel(step: LevelStep): boolean {
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

  /** A round reached nobody (workflows/outcomes.ts). */
  protected abstract levelUnreached(round: NotifyRound, reasons: string[]): void;
  /** An SLA ran out (workflows/outcomes.ts). */
  protected abstract slaBreach(kind: SlaKind, within: number): void;

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

  /** A snooze ran out (IncidentResponses). */
  protected abstract endSnooze(): void;
  /** Reminds whoever acknowledged (IncidentResponses). */
  protected abstract remind(n: number, target: Target): Promise<void>;

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
   * The same alert fired again within the policy's cooldown after this incident was resolved: the
   * story goes on in this new run (timeline, occurrences, notifications), the policy starts again
   * from level 1 under a new epoch so its pages are not taken for the old ones.
   */
  protected refire(resolvedAt: string): void {
    const at = this.acceptedAt();
    const minutes = Math.round(Math.max(0, Date.parse(at) - Date.parse(resolvedAt)) / 60_000);
    this.apply('refire', {
      at,
      by: this.input.incident.source ?? 'alert',
      reason: `re-opened: the alert fired again ${minutes} minute(s) after it was resolved (within cooldown ${formatDuration(this.policy.cooldown ?? 0)})`,
    });
    Object.assign(this.record, {
      occurrences: this.record.occurrences + 1,
      severity: this.input.incident.severity,
      summary: this.input.incident.summary,
      policy: this.policy.name,
    });
    this.cursor = undefined;
  }

  // ---- helpers -------------------------------------------------------------------------------

  protected position(): Position {
    const r = this.record;
    return {
      state: r.state,
      severity: r.severity,
      triggeredAt: Date.parse(r.reopenedAt ?? r.createdAt),
      ...(r.acknowledgedAt !== undefined && { acknowledgedAt: Date.parse(r.acknowledgedAt) }),
      ...(this.cursor && { cursor: this.cursor }),
      ...(this.forced && { forced: this.forced }),
      ...(this.manual && { escalationRequested: true }),
      ...(this.input.groupWait !== undefined && { groupWait: this.input.groupWait }),
      ...(this.slaOn && this.input.sla && { sla: this.input.sla, breached: r.slaBreaches ?? [] }),
      ...(r.snoozed && { snoozedUntil: Date.parse(r.snoozed.until) }),
      ...(r.acknowledgedBy !== undefined && { acknowledgedBy: r.acknowledgedBy }),
      ...(r.ackReminders !== undefined && { ackReminders: r.ackReminders }),
      ...(this.levelRulesOn && { levelHolds: true }),
      ...(this.levelRulesOn && this.input.urgency && { routeUrgency: this.input.urgency }),
      ...(r.maintenance && { maintenance: { name: r.maintenance.name, until: Date.parse(r.maintenance.until) } }),
    };
  }

  protected apply(event: IncidentEvent, ctx: MoveContext): boolean {
    const result = applyEvent(this.record, event, ctx);
    if (!result.ok) {
      log.warn('move refused', { workflowId: this.record.workflowId, event, state: this.record.state, reason: result.reason });
      recordRefusal(this.record, { ...ctx, reason: result.reason });
      return false;
    }
    log.info(`incident ${result.from} → ${result.to}`, { workflowId: this.record.workflowId, by: ctx.by, reason: ctx.reason });
    this.record.updatedAt = ctx.at;
    this.revision += 1;
    return true;
  }

  protected refuse(event: IncidentEvent, by: string, reason = this.refusal(event)): void {
    log.warn('signal refused', { workflowId: this.record.workflowId, event, state: this.record.state, reason });
    recordRefusal(this.record, { at: nowIso(), by, reason });
    this.visibility.sync();
  }

  protected refusal(event: IncidentEvent): string {
    const result = move(this.record.state, event);
    return result.ok ? `${event} is allowed from ${this.record.state}` : `${this.record.workflowId}: ${result.reason}`;
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

  /** Pages still go out: nobody has answered yet (ESCALATING is the moment a level is being sent). */
  protected isPaging(): boolean {
    return this.isEscalating() || this.record.state === 'ESCALATING';
  }

  protected isEscalating(): boolean {
    return this.record.state === 'PENDING' || this.record.state === 'ACTIVE';
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
