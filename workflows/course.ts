import { log, patched, workflowInfo } from '@temporalio/workflow';
import { formatDuration } from '../domain/duration-text.js';
import type { EscalationCursor, EscalationStep } from '../domain/escalation.js';
import type { IncidentRecord } from '../domain/incident.js';
import { isTerminal } from '../domain/incident-state.js';
import { isWalkHeld, nextEscalationAt, plan, type LevelStep, type Plan, type Position } from '../domain/planner.js';
import type { Policy, Target } from '../domain/policy.js';
import { policyVersion } from '../domain/policy-version.js';
import { applyEvent, newRecord, recordNote, recordRefusal, webUiLink, type MoveContext } from '../domain/record.js';
import { move, type IncidentEvent } from '../domain/state-machine.js';
import type { SlaKind } from '../domain/sla.js';
import type { IncidentWorkflowInput } from '../domain/workflow-input.js';
import { ActionRunner } from './actions.js';
import { Notifier } from './notifier.js';
import type { NotifyRound } from './rounds.js';
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

  /** Carries out one step of the policy: notify a level, repeat it, or time out (workflows/walk.ts). */
  protected abstract takeStep(step: EscalationStep, actor: { by: string; reason?: string }): Promise<void>;
  /** A level whose `when` does not hold as it comes due is skipped (workflows/walk.ts). */
  protected abstract skipsLevel(step: LevelStep): boolean;
  /** A responder's escalation request, carried out (workflows/walk.ts). */
  protected abstract runManualEscalation(): Promise<void>;
  protected abstract reopenAfterAckTimeout(ackTimeout: number): void;
  protected abstract endMaintenance(name: string): void;
  protected abstract autoResolve(after: number): void;

  /** A round reached nobody (workflows/outcomes.ts). */
  protected abstract levelUnreached(round: NotifyRound, reasons: string[]): void;
  /** An SLA ran out (workflows/outcomes.ts). */
  protected abstract slaBreach(kind: SlaKind, within: number): void;

  /** A snooze ran out (IncidentResponses). */
  protected abstract endSnooze(): void;
  /** Reminds whoever acknowledged (IncidentResponses). */
  protected abstract remind(n: number, target: Target): Promise<void>;

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
