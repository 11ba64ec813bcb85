import { ApplicationFailure, log, workflowInfo } from '@temporalio/workflow';
import { formatDuration } from '../domain/duration.js';
import { advance, manualEscalation, type EscalationCursor, type EscalationStep } from '../domain/escalation.js';
import { isTerminal, type IncidentRecord } from '../domain/incident.js';
import { nextEscalationAt, plan, policySwitchStep, repageStep, type Plan, type Position } from '../domain/planner.js';
import type { Policy } from '../domain/policy.js';
import { policyVersion } from '../domain/policy-version.js';
import { applyEvent, newRecord, recordNote, recordRefusal, type MoveContext } from '../domain/record.js';
import { higherSeverity } from '../domain/severity.js';
import { canMove, move, type IncidentEvent } from '../domain/state-machine.js';
import { reopenFrom, type IncidentCarry, type IncidentWorkflowInput, type Occurrence } from '../domain/workflow-input.js';
import { INCIDENT_CLOSED, MOVE_REFUSED, type ActorInput, type ReasonInput, type SymptomInput } from './messages.js';
import { Notifier } from './notifier.js';
import { Visibility } from './visibility.js';

const ANNOUNCEMENT = { acknowledge: 'acknowledged', resolve: 'resolved', cancel: 'cancelled' } as const;
type Answer = keyof typeof ANNOUNCEMENT;

/**
 * What an incident does when something happens: the bodies of the workflow's message handlers and
 * of the steps the planner (domain/planner.ts) schedules. The workflow only waits and calls in.
 * Every change that can move the plan (a state change, a raised severity, a forced step, an
 * escalation request) bumps `revision`, the one thing the main loop waits on besides its timer;
 * a settled delivery updates the record and the Web UI but does not wake the loop.
 */
export class IncidentRules {
  readonly record: IncidentRecord;
  /** The policy snapshot this incident escalates by (a severity raise may move it to another). */
  private policy: Policy;
  private readonly notifier: Notifier;
  private readonly visibility: Visibility;
  private cursor: EscalationCursor | undefined;
  private forced: EscalationStep | undefined;
  private epoch: number;
  /** A responder asked to escalate now; the loop carries it out after any step under way. */
  private manual: { by: string; reason: string } | undefined;
  private manualDone = 0;
  /** Alerts for this key that arrived after the incident closed (they open the next incident). */
  private readonly lateAlerts: Occurrence[] = [];
  revision = 0;

  constructor(private readonly input: IncidentWorkflowInput) {
    const info = workflowInfo();
    const carry = input.carry;
    this.policy = carry?.policy ?? input.policy;
    this.record = carry?.record ?? newRecord(input.incident, this.policy.name, info.workflowId, nowIso());
    if (carry) this.record.runs += 1;
    else if (input.alsoSeen) this.record.occurrences += input.alsoSeen;
    this.cursor = carry?.cursor;
    this.epoch = carry?.epoch ?? 0;
    if (carry?.reopen) this.refire(carry.reopen.resolvedAt);
    if (!carry?.record.policyVersion || carry.policy || carry.reopen) this.record.policyVersion = policyVersion(this.policy);
    this.notifier = new Notifier(
      this.record,
      input.settings.delivery,
      this.uiUrl(),
      () => this.visibility.syncDetails(),
      () => this.isPaging(),
    );
    this.visibility = new Visibility(this.record, this.policy.levels.length, info.typedSearchAttributes);
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
    const due = nextEscalationAt(this.policy, position);
    this.record.nextEscalationAt = due === undefined ? undefined : new Date(due).toISOString();
    return next;
  }

  /** Carries out what the planner scheduled. */
  async act(next: Plan): Promise<void> {
    const action = next.action;
    switch (action.kind) {
      case 'step':
        return this.takeStep(action.step, { by: 'policy' });
      case 'escalateNow':
        return this.runManualEscalation();
      case 'autoResolve':
        return this.autoResolve(action.after);
      case 'ackTimeout':
        return this.reopenAfterAckTimeout(action.after);
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

  // ---- answers -------------------------------------------------------------------------------

  answer(event: Answer, input: ActorInput | ReasonInput): void {
    if (!canMove(this.record.state, event)) return this.refuse(event, input.by);
    const reason = 'note' in input ? input.note : 'reason' in input ? input.reason : undefined;
    const at = nowIso();
    this.apply(event, { at, by: input.by, ...(reason !== undefined && { reason }) });
    // Answered: nobody needs paging about it any more, and the providers that paged hear so.
    this.notifier.cancelPending();
    this.notifier.announce(ANNOUNCEMENT[event], at);
    this.visibility.sync();
  }

  /** An update's validator: refuses before anything reaches the history. */
  validateAnswer(event: Answer, input: ActorInput | ReasonInput): void {
    requireActor(input.by);
    if (!canMove(this.record.state, event)) refuseWith(this.refusal(event));
  }

  requestEscalation(input: ReasonInput): number {
    const refusal = this.escalationRefusal();
    if (refusal) {
      this.refuse('escalate', input.by, refusal);
      return this.manualDone;
    }
    if (this.record.state === 'ESCALATING') {
      // Asked while the next level is already being paged: that escalation is the answer.
      recordNote(this.record, {
        at: nowIso(),
        by: input.by,
        reason: `escalation requested while level ${this.record.level} was being paged`,
      });
      this.visibility.sync();
      return this.manualDone;
    }
    this.manual = { by: input.by, reason: input.reason ?? `escalated by ${input.by}` };
    this.revision += 1;
    return this.manualDone + 1;
  }

  validateEscalation(input: ReasonInput): void {
    requireActor(input.by);
    const refusal = this.escalationRefusal();
    if (refusal) refuseWith(refusal);
  }

  /** The escalate update waits for this: its escalation carried out, or the incident closed. */
  escalationSettled(ticket: number): boolean {
    return this.manualDone >= ticket || this.isClosed;
  }

  annotate(by: string, note: string): IncidentRecord {
    recordNote(this.record, { at: nowIso(), by, reason: note });
    this.visibility.sync();
    return this.record;
  }

  validateAnnotation(input: { by: string; note: string }): void {
    requireActor(input.by);
    if (!input.note || input.note.trim() === '') refuseWith('annotate needs a non-empty note');
  }

  // ---- alerts --------------------------------------------------------------------------------

  /** Counts a repeat of the alert; answers true when it was counted (false: the one that opened it). */
  occurrence(occurrence: Occurrence): boolean {
    if (occurrence.occurrenceId === this.input.occurrenceId) return false;
    if (this.isClosed) {
      // Accepted by the server while this run was closing: it opens the next incident (closeOrReopen).
      this.lateAlerts.push(occurrence);
      return true;
    }
    const record = this.record;
    record.occurrences += 1;
    record.lastSeenAt = occurrence.receivedAt;
    let reason = this.input.groupBy
      ? `alert joined the group: [${occurrence.severity ?? record.severity}] ${occurrence.summary ?? record.summary}` +
        `${occurrence.key !== undefined ? ` (key ${occurrence.key})` : ''} (${record.occurrences} occurrences)`
      : `alert fired again (${record.occurrences} occurrences)`;
    const raised = occurrence.severity ? higherSeverity(record.severity, occurrence.severity) : record.severity;
    const isRaise = raised !== record.severity;
    if (isRaise) {
      reason += `; severity raised ${record.severity} → ${raised}`;
      record.severity = raised;
      // A raise can release a business-hours hold (a bypassing severity): the plan may change.
      this.revision += 1;
    }
    const by = occurrence.source ?? 'alert';
    recordNote(record, { at: nowIso(), by, reason }, 'occurrence');
    const routed = occurrence.policy;
    if (isRaise && routed && routed.name !== this.policy.name && this.isEscalating()) this.switchPolicy(routed, by);
    this.visibility.sync();
    return true;
  }

  /** A signal, not an update: the inhibited alert's caller has its answer already. */
  symptom(symptom: SymptomInput): void {
    if (this.isClosed) return;
    this.record.symptoms = (this.record.symptoms ?? 0) + 1;
    recordNote(
      this.record,
      {
        at: nowIso(),
        by: symptom.source ?? 'alert',
        reason: `symptom inhibited: [${symptom.severity}] ${symptom.summary} (${symptom.workflowId}; ${symptom.reason})`,
      },
      'occurrence',
    );
    this.visibility.sync();
  }

  validateOccurrence(): void {
    if (this.isClosed) {
      throw ApplicationFailure.create({
        type: INCIDENT_CLOSED,
        nonRetryable: true,
        message: `${this.record.workflowId} is ${this.record.state} and closing; a new alert with this key opens a new incident`,
      });
    }
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

  /** The next run's input: the same incident, carrying its story. */
  continued(): IncidentWorkflowInput {
    const carry: IncidentCarry = {
      record: this.record,
      epoch: this.epoch,
      ...(this.cursor && { cursor: this.cursor }),
      ...(this.policy !== this.input.policy && { policy: this.policy }),
    };
    return { ...this.input, carry };
  }

  /**
   * The input of the next incident with this key, when alerts arrived while this one was closing
   * (accepted by the server, so never dropped): a re-open within the cooldown after a resolve,
   * else a new incident. Undefined when there were none.
   */
  successor(): IncidentWorkflowInput | undefined {
    const [first, ...rest] = this.lateAlerts;
    if (!first) return undefined;
    const policy = first.policy ?? this.policy;
    const carry = reopenFrom(this.record, policy.cooldown, Date.parse(first.receivedAt));
    log.info('alerts arrived while the incident was closing: they open the next incident with this key', {
      workflowId: this.record.workflowId,
      alerts: this.lateAlerts.length,
      reopen: carry !== undefined,
    });
    const { carry: _previous, alsoSeen: _seen, ...base } = this.input;
    return {
      ...base,
      incident: {
        ...this.input.incident,
        summary: first.summary ?? this.input.incident.summary,
        severity: first.severity ?? this.input.incident.severity,
        ...(first.source !== undefined && { source: first.source }),
        ...(first.labels !== undefined && { labels: first.labels }),
      },
      policy,
      occurrenceId: first.occurrenceId,
      ...(rest.length > 0 && { alsoSeen: rest.length }),
      ...(carry && { carry }),
    };
  }

  // ---- steps ---------------------------------------------------------------------------------

  /** Carries out one step of the policy: notify a level, repeat it, or time out. */
  private async takeStep(step: EscalationStep, actor: { by: string; reason?: string }): Promise<void> {
    this.forced = undefined;
    const at = nowIso();
    if (step.kind === 'timeout') {
      this.apply('timeout', { at, by: actor.by, reason: actor.reason ?? step.reason });
      return;
    }
    const level = this.policy.levels[step.level];
    if (!level) throw ApplicationFailure.nonRetryable(`policy ${this.policy.name} has no level ${step.level + 1}`);
    // A new walk of the policy: its pages must not be taken for the first walk's.
    if (step.kind === 'level' && step.isEscalation && step.level === 0 && step.cycle > 0) this.epoch += 1;
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

    await this.notifier.notifyLevel(level, {
      level: step.level,
      repeat: step.kind === 'repeat' ? step.repeat : 0,
      cycle: step.cycle,
      epoch: this.epoch,
      kind: step.kind === 'repeat' ? 'repeat' : 'page',
      at,
      dueAt: step.dueAt,
    });
    // An answer may have arrived while targets were resolved; the state machine decides what stands.
    const done = { at: nowIso(), by: actor.by, level: step.level + 1 };
    if (this.record.state === 'PENDING') this.apply('activate', { ...done, reason: 'level 1 notified' });
    else if (this.record.state === 'ESCALATING') this.apply('levelNotified', { ...done, reason: `level ${step.level + 1} notified` });
    else if (step.kind === 'repeat') {
      recordNote(
        this.record,
        { at, by: actor.by, reason: `level ${step.level + 1} re-notified (repeat ${step.repeat})`, level: step.level + 1 },
        'notification',
      );
    }
  }

  private async runManualEscalation(): Promise<void> {
    const manual = this.manual;
    this.manual = undefined;
    if (!manual) return;
    // Worked out now, not when asked: a step that was under way may have moved the cursor since.
    const result = manualEscalation(this.policy, this.cursor, Date.now());
    if (!this.isEscalating())
      this.refuse('escalate', manual.by, this.escalationRefusal() ?? `cannot escalate a ${this.record.state} incident`);
    else if (!result.ok) this.refuse('escalate', manual.by, result.reason);
    else await this.takeStep(result.step, manual);
    this.manualDone += 1;
  }

  private reopenAfterAckTimeout(ackTimeout: number): void {
    const at = nowIso();
    this.apply('reopen', {
      at,
      by: 'policy',
      reason: `acknowledgement not followed by a resolve within ${formatDuration(ackTimeout)} (ackTimeout)`,
    });
    this.notifier.announce('reopened', at);
    this.epoch += 1;
    this.record.epoch = this.epoch;
    // The level it was at goes out again now; its repeats and the levels after count from now.
    this.forced = repageStep(this.cursor, Date.now());
  }

  private autoResolve(after: number): void {
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
  private refire(resolvedAt: string): void {
    const at = nowIso();
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

  /**
   * A repeat raised the severity and the routes now choose another policy: the incident moves to
   * it at its matching level, paged now under a new epoch so the pages are not taken for the old
   * policy's; the steps after it follow the new policy.
   */
  private switchPolicy(next: Policy, by: string): void {
    const old = this.policy;
    const step = policySwitchStep(next, this.cursor, this.record.level, Date.now());
    this.policy = next;
    Object.assign(this.record, { policy: next.name, policyVersion: policyVersion(next) });
    this.visibility.levelCount = next.levels.length;
    this.epoch += 1;
    this.record.epoch = this.epoch;
    recordNote(this.record, {
      at: nowIso(),
      by,
      reason: `policy ${old.name} → ${next.name} (severity raised to ${this.record.severity})`,
      level: step.level + 1,
    });
    this.forced = step;
    this.revision += 1;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private position(): Position {
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
    };
  }

  private apply(event: IncidentEvent, ctx: MoveContext): boolean {
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

  private refuse(event: IncidentEvent, by: string, reason = this.refusal(event)): void {
    log.warn('signal refused', { workflowId: this.record.workflowId, event, state: this.record.state, reason });
    recordRefusal(this.record, { at: nowIso(), by, reason });
    this.visibility.sync();
  }

  private refusal(event: IncidentEvent): string {
    const result = move(this.record.state, event);
    return result.ok ? `${event} is allowed from ${this.record.state}` : `${this.record.workflowId}: ${result.reason}`;
  }

  private escalationRefusal(): string | undefined {
    // ESCALATING is a moment (a level's targets are being resolved): the request is that escalation.
    if (!this.isEscalating() && this.record.state !== 'ESCALATING') {
      return `${this.record.workflowId}: cannot escalate a ${this.record.state} incident; only PENDING or ACTIVE incidents escalate`;
    }
    if (this.manual) return `${this.record.workflowId}: an escalation is already under way`;
    const result = manualEscalation(this.policy, this.cursor, Date.now());
    return result.ok ? undefined : `${this.record.workflowId}: ${result.reason}`;
  }

  /** Pages still go out: nobody has answered yet (ESCALATING is the moment a level is being sent). */
  private isPaging(): boolean {
    return this.isEscalating() || this.record.state === 'ESCALATING';
  }

  private isEscalating(): boolean {
    return this.record.state === 'PENDING' || this.record.state === 'ACTIVE';
  }

  private uiUrl(): string | undefined {
    const base = this.input.settings.uiUrl;
    if (!base) return undefined;
    return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(this.input.settings.namespace)}/workflows/${encodeURIComponent(this.record.workflowId)}`;
  }
}

function requireActor(by: unknown): void {
  if (typeof by !== 'string' || by.trim() === '') refuseWith('the request must say who is doing it (field "by")');
}

function refuseWith(message: string): never {
  throw ApplicationFailure.create({ type: MOVE_REFUSED, message, nonRetryable: true });
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** An input the workflow cannot go on with: the incident ends FAILED, saying why. */
export function failedOnInput(input: IncidentWorkflowInput, reason: string): IncidentRecord {
  const info = workflowInfo();
  const at = nowIso();
  const message = `incident input is invalid, nothing was escalated: ${reason}`;
  log.error(message, { workflowId: info.workflowId });
  const spec = input.incident as Partial<IncidentWorkflowInput['incident']> | undefined;
  const record = newRecord(
    {
      key: info.workflowId.replace(/^incident-/, ''),
      summary: typeof spec?.summary === 'string' ? spec.summary : '(invalid input)',
      severity: 'critical',
      labels: {},
      links: [],
    },
    typeof input.policy?.name === 'string' ? input.policy.name : '(none)',
    info.workflowId,
    at,
  );
  applyEvent(record, 'fail', { at, by: 'engine', reason: message });
  new Visibility(record, 0, info.typedSearchAttributes).sync();
  return record;
}
