import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  advance,
  firstStep,
  manualEscalation,
  nextStep,
  restartLevel,
  type EscalationCursor,
  type EscalationStep,
} from '../domain/escalation.js';
import { holdUntil } from '../domain/business-hours.js';
import { formatDuration } from '../domain/duration.js';
import { Policy } from '../domain/policy.js';
import { policyVersion } from '../domain/policy-version.js';
import { formatFieldErrors, fieldErrors } from '../domain/errors.js';
import { isTerminal, type IncidentRecord } from '../domain/incident.js';
import { applyEvent, newRecord, recordNote, recordRefusal, type MoveContext } from '../domain/record.js';
import { higherSeverity } from '../domain/severity.js';
import { canMove, move, type IncidentEvent } from '../domain/state-machine.js';
import { IncidentWorkflowInput, type Occurrence, type ParsedWorkflowInput } from '../domain/workflow-input.js';
import {
  acknowledgeSignal,
  acknowledgeUpdate,
  annotateSignal,
  annotateUpdate,
  cancelSignal,
  cancelUpdate,
  escalateSignal,
  escalateUpdate,
  INCIDENT_CLOSED,
  MOVE_REFUSED,
  occurrenceSignal,
  occurrenceUpdate,
  resolveSignal,
  resolveUpdate,
  stateQuery,
  symptomSignal,
  type ActorInput,
  type ReasonInput,
} from './messages.js';
import { Notifier } from './notifier.js';
import { Visibility } from './visibility.js';

const ANNOUNCEMENT = { acknowledge: 'acknowledged', resolve: 'resolved', cancel: 'cancelled' } as const;

/** What continue-as-new carries into the next run. */
interface Carry {
  record: IncidentRecord;
  cursor?: EscalationCursor;
  /** Restarts of the escalation (policy loops, re-opens): keeps idempotency keys unique. */
  epoch: number;
  /** The policy snapshot the run escalates by, when a severity raise moved it off the input's policy. */
  policy?: Policy;
  /** Set by the client, not continue-as-new: a resolved incident re-fired within its cooldown. */
  reopen?: { resolvedAt: string };
}

/**
 * One incident, from trigger to close (DESIGN.md sections 3 and 5). The loop waits for whichever
 * comes first: an answer (signal or update), the next escalation step, the ack timeout, or the
 * auto-resolve deadline. Every due time comes from the policy maths in domain/, so a late timer
 * never shifts the levels after it.
 */
export async function incidentEscalation(rawInput: IncidentWorkflowInput): Promise<IncidentRecord> {
  const parsed = IncidentWorkflowInput.safeParse(rawInput);
  if (!parsed.success) return failOnBadInput(rawInput, formatFieldErrors(fieldErrors(parsed.error)));
  const run = new IncidentRun(parsed.data);
  return run.execute();
}

class IncidentRun {
  private readonly record: IncidentRecord;
  /**
   * The policy snapshot this run escalates by: the input's, unless a repeat at a higher severity
   * moved the incident to the policy its routes now choose (see switchPolicy).
   */
  private policy: Policy;
  private readonly notifier: Notifier;
  private readonly visibility: Visibility;
  private cursor: EscalationCursor | undefined;
  private step: EscalationStep | undefined;
  private epoch: number;
  /** Bumped by every handler: the main loop wakes when it changes. */
  private version = 0;
  /** A responder asked to escalate now; carried out by the main loop, after any step under way. */
  private manual: { by: string; reason: string; whileEscalating: boolean } | undefined;
  private manualDone = 0;
  /**
   * Alerts with this key that arrived after the incident closed, while the run was still settling
   * its deliveries: accepted by the server, so they open the next incident (see reopenForLateAlerts).
   */
  private readonly lateAlerts: Occurrence[] = [];

  constructor(private readonly input: ParsedWorkflowInput) {
    const info = workflowInfo();
    const carry = input.carry as Carry | undefined;
    this.policy = carry?.policy ?? input.policy;
    this.record = carry?.record ?? newRecord(input.incident, this.policy.name, info.workflowId, nowIso());
    if (carry) this.record.runs += 1;
    if (!carry && input.alsoSeen) this.record.occurrences += input.alsoSeen;
    this.cursor = carry?.cursor;
    this.epoch = carry?.epoch ?? 0;
    if (carry?.reopen && patched('cooldown-reopen')) this.reopenAfterCooldown(carry.reopen.resolvedAt);
    this.record.policyVersion = policyVersion(this.policy);
    this.notifier = new Notifier(
      this.record,
      input.settings.delivery,
      this.uiUrl(),
      () => this.refresh(),
      () => this.isPaging(),
    );
    this.visibility = new Visibility(this.record, this.policy.levels.length);
    if (this.isEscalating())
      this.step = this.cursor ? nextStep(this.policy, this.cursor) : this.firstStep(!carry || carry.reopen !== undefined);
    this.setHandlers();
  }

  /**
   * Level 1's step: its delay after the trigger, held to the next business-hours opening when the
   * policy has business hours and the severity does not bypass them (the incident stays PENDING).
   */
  private firstStep(isNew: boolean): EscalationStep {
    const policy = this.policy;
    const step = this.afterGroupWait(firstStep(policy, Date.parse(this.triggeredAt())));
    const hours = policy.businessHours;
    if (!hours || step.kind !== 'level' || !patched('business-hours-hold')) return step;
    const dueAt = holdUntil(hours, this.record.severity, step.dueAt);
    if (dueAt === step.dueAt) return step;
    if (isNew) {
      recordNote(this.record, {
        at: nowIso(),
        by: 'policy',
        reason: `outside business hours (${hours.days.join(',')} ${hours.start}-${hours.end} ${hours.timezone}): level 1 held until ${new Date(dueAt).toISOString()}`,
      });
    }
    return { ...step, dueAt };
  }

  /**
   * A grouping route gathers its alerts for `groupWait` before level 1: the first step is due at
   * the later of level 1's delay and the group wait, both counted from the trigger.
   */
  private afterGroupWait(step: EscalationStep): EscalationStep {
    const groupWait = this.input.groupWait;
    // Asked only when there is a window, so histories from before grouping replay unchanged.
    if (groupWait === undefined || step.kind !== 'level' || !patched('group-wait')) return step;
    const dueAt = Math.max(step.dueAt, Date.parse(this.triggeredAt()) + groupWait);
    return dueAt === step.dueAt ? step : { ...step, dueAt };
  }

  /** The trigger the policy counts from: the opening alert, or the re-fire that re-opened it. */
  private triggeredAt(): string {
    return this.record.reopenedAt ?? this.record.createdAt;
  }

  /**
   * The same alert fired again within the policy's cooldown after this incident was resolved: the
   * story goes on in a new run carrying the record (timeline, occurrences, notifications), and the
   * policy starts again from level 1 under a new epoch so its pages are not taken for the old ones.
   */
  private reopenAfterCooldown(resolvedAt: string): void {
    const at = nowIso();
    const record = this.record;
    const after = Math.max(0, Date.parse(at) - Date.parse(resolvedAt));
    const from = record.state;
    Object.assign(record, { state: 'PENDING', level: 0, repeat: 0, cycle: 0, reopenedAt: at, lastSeenAt: at });
    for (const field of ['acknowledgedAt', 'acknowledgedBy', 'resolvedAt', 'resolvedBy', 'closedReason', 'nextEscalationAt'] as const)
      delete record[field];
    record.occurrences += 1;
    record.severity = this.input.incident.severity;
    record.summary = this.input.incident.summary;
    record.policy = this.policy.name;
    this.cursor = undefined;
    record.timeline.push({
      at,
      kind: 'move',
      from,
      to: 'PENDING',
      by: this.input.incident.source ?? 'alert',
      reason: `re-opened: the alert fired again ${Math.round(after / 60_000)} minute(s) after it was resolved (within cooldown ${formatDuration(this.policy.cooldown ?? 0)})`,
    });
  }

  async execute(): Promise<IncidentRecord> {
    this.refresh();
    while (!isTerminal(this.record.state)) {
      if (this.shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        const carry: Carry = {
          record: this.record,
          epoch: this.epoch,
          ...(this.cursor && { cursor: this.cursor }),
          ...(this.policy !== this.input.policy && { policy: this.policy }),
        };
        return continueAsNew<typeof import('./incident-escalation.js').incidentEscalation>({ ...this.input, carry });
      }
      await this.waitAndAct();
    }
    // Closed: stop what is still retrying, let it settle, then let handlers finish answering.
    this.notifier.cancelPending();
    await this.notifier.drain();
    await condition(allHandlersFinished);
    this.refresh();
    if (this.lateAlerts.length > 0) return this.reopenForLateAlerts();
    return this.record;
  }

  /**
   * An alert accepted while this incident was closing must not be lost: it opens the next
   * incident with this key, as it would have a moment later, in a new run of this workflow id.
   * Within the policy's cooldown after a resolve, that is a re-open carrying this record.
   */
  private reopenForLateAlerts(): never {
    const [first, ...rest] = this.lateAlerts as [Occurrence, ...Occurrence[]];
    const policy = first.policy ?? this.policy;
    const withinCooldown =
      this.record.state === 'RESOLVED' &&
      this.record.resolvedAt !== undefined &&
      policy.cooldown !== undefined &&
      Date.parse(first.receivedAt) - Date.parse(this.record.resolvedAt) <= policy.cooldown;
    log.info('alerts arrived while the incident was closing: they open the next incident with this key', {
      workflowId: this.record.workflowId,
      alerts: this.lateAlerts.length,
      reopen: withinCooldown,
    });
    const incident = {
      ...this.input.incident,
      summary: first.summary ?? this.input.incident.summary,
      severity: first.severity ?? this.input.incident.severity,
      ...(first.source !== undefined && { source: first.source }),
      ...(first.labels !== undefined && { labels: first.labels }),
    };
    const carry: Carry | undefined =
      withinCooldown && this.record.resolvedAt
        ? { record: this.record, epoch: this.epoch + 1, reopen: { resolvedAt: this.record.resolvedAt } }
        : undefined;
    return continueAsNew<typeof import('./incident-escalation.js').incidentEscalation>({
      incident,
      policy,
      occurrenceId: first.occurrenceId,
      settings: this.input.settings,
      ...(this.input.groupBy !== undefined && { groupBy: this.input.groupBy }),
      ...(this.input.groupWait !== undefined && { groupWait: this.input.groupWait }),
      ...(rest.length > 0 && { alsoSeen: rest.length }),
      ...(carry && { carry }),
    }) as never;
  }

  private async waitAndAct(): Promise<void> {
    if (this.manual) return this.runManualEscalation();
    const deadline = this.nextDeadline();
    const seen = this.version;
    if (!deadline) {
      await condition(() => this.version !== seen);
      return;
    }
    const wait = deadline.at - Date.now();
    if (wait > 0) {
      const answered = await condition(() => this.version !== seen, wait);
      if (answered) return;
    }
    await deadline.act();
  }

  /** The earliest of: the next escalation step, the ack timeout, auto-resolve. */
  private nextDeadline(): { at: number; act: () => Promise<void> } | undefined {
    const candidates: { at: number; act: () => Promise<void> }[] = [];
    const policy = this.policy;
    if (policy.autoResolve !== undefined) {
      const at = Date.parse(this.triggeredAt()) + policy.autoResolve;
      candidates.push({ at, act: async () => this.autoResolve(policy.autoResolve ?? 0) });
    }
    if (this.isEscalating() && this.step) {
      const step = this.step;
      candidates.push({ at: step.dueAt, act: () => this.takeStep(step, { by: 'policy' }) });
    }
    if (this.record.state === 'ACKNOWLEDGED' && policy.ackTimeout !== undefined && this.record.acknowledgedAt) {
      const at = Date.parse(this.record.acknowledgedAt) + policy.ackTimeout;
      candidates.push({ at, act: () => this.reopenAfterAckTimeout(policy.ackTimeout ?? 0) });
    }
    return candidates.sort((a, b) => a.at - b.at)[0];
  }

  /** Pages still go out: nobody has answered yet (ESCALATING is the moment a level is being sent). */
  private isPaging(): boolean {
    return this.isEscalating() || this.record.state === 'ESCALATING';
  }

  private isEscalating(): boolean {
    return this.record.state === 'PENDING' || this.record.state === 'ACTIVE';
  }

  /** Carries out one step of the policy: notify a level, repeat it, or time out. */
  private async takeStep(step: EscalationStep, actor: { by: string; reason?: string }): Promise<void> {
    const policy = this.policy;
    const at = nowIso();
    if (step.kind === 'timeout') {
      this.apply('timeout', { at, by: actor.by, reason: actor.reason ?? step.reason });
      this.step = undefined;
      this.refresh();
      return;
    }
    const level = policy.levels[step.level];
    if (!level) throw ApplicationFailure.nonRetryable(`policy ${policy.name} has no level ${step.level + 1}`);
    if (step.kind === 'level' && step.level === 0 && step.cycle > 0) this.epoch += 1;
    const fromState = this.record.state;
    if (step.kind === 'level' && step.isEscalation && fromState === 'ACTIVE') {
      this.apply('escalate', { at, by: actor.by, reason: actor.reason ?? `level ${step.level + 1} due`, level: step.level + 1 });
    }
    this.cursor = advance(this.cursor, step);
    this.record.level = this.cursor.level + 1;
    this.record.repeat = this.cursor.repeat;
    this.record.cycle = this.cursor.cycle;
    this.record.escalationCount = this.cursor.escalationCount;
    this.step = nextStep(policy, this.cursor);
    this.refresh();

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
    if (this.record.state === 'PENDING') this.apply('activate', { at: nowIso(), by: actor.by, reason: `level 1 notified`, level: 1 });
    else if (this.record.state === 'ESCALATING') {
      this.apply('levelNotified', { at: nowIso(), by: actor.by, reason: `level ${step.level + 1} notified`, level: step.level + 1 });
    } else if (step.kind === 'repeat') {
      recordNote(
        this.record,
        { at, by: actor.by, reason: `level ${step.level + 1} re-notified (repeat ${step.repeat})`, level: step.level + 1 },
        'notification',
      );
    }
    this.refresh();
  }

  private async runManualEscalation(): Promise<void> {
    const manual = this.manual;
    this.manual = undefined;
    if (!manual) return;
    // Worked out now, not when asked: a step that was under way may have moved the cursor since.
    const result = manualEscalation(this.policy, this.cursor, Date.now());
    if (manual.whileEscalating) {
      // Asked while the next level was already being paged: that escalation is the answer.
      recordNote(this.record, {
        at: nowIso(),
        by: manual.by,
        reason: `escalation requested while level ${this.record.level} was being paged`,
      });
      this.refresh();
    } else if (!this.isEscalating()) {
      this.refuse('escalate', manual.by, this.escalationRefusal() ?? `cannot escalate a ${this.record.state} incident`);
    } else if (!result.ok) {
      this.refuse('escalate', manual.by, result.reason);
    } else {
      await this.takeStep(result.step, manual);
    }
    this.manualDone += 1;
  }

  private async reopenAfterAckTimeout(ackTimeout: number): Promise<void> {
    const at = nowIso();
    this.apply('reopen', {
      at,
      by: 'policy',
      reason: `acknowledgement not followed by a resolve within ${formatDuration(ackTimeout)} (ackTimeout)`,
    });
    this.notifier.announce('reopened', at);
    this.epoch += 1;
    const now = Date.now();
    if (this.cursor) {
      this.cursor = restartLevel(this.cursor, now);
      const level = this.policy.levels[this.cursor.level];
      this.step = nextStep(this.policy, this.cursor);
      this.refresh();
      if (level) {
        await this.notifier.notifyLevel(level, {
          level: this.cursor.level,
          repeat: 0,
          cycle: this.cursor.cycle,
          epoch: this.epoch,
          kind: 'page',
          at,
          dueAt: now,
        });
      }
    } else {
      // Acknowledged before level 1 went out: start the policy from its first level now.
      this.step = { kind: 'level', cycle: 0, level: 0, dueAt: now, isEscalation: false };
    }
    this.refresh();
  }

  private autoResolve(after: number): Promise<void> {
    const at = nowIso();
    this.apply('resolve', { at, by: 'policy', reason: `auto-resolved after ${formatDuration(after)} (autoResolve)` });
    this.notifier.cancelPending();
    this.notifier.announce('resolved', at);
    this.refresh();
    return Promise.resolve();
  }

  private setHandlers(): void {
    const answer = (event: 'acknowledge' | 'resolve' | 'cancel') => (input: ActorInput | ReasonInput) => {
      const reason = 'note' in input ? input.note : 'reason' in input ? input.reason : undefined;
      const at = nowIso();
      if (!this.apply(event, { at, by: input.by, ...(reason !== undefined && { reason }) })) return;
      // Answered: nobody needs paging about it any more, and the providers that paged hear so.
      this.notifier.cancelPending();
      this.notifier.announce(ANNOUNCEMENT[event], at);
      this.refresh();
    };
    const refuseUnless = (event: IncidentEvent) => (input: ActorInput | ReasonInput) => {
      requireActor(input.by);
      if (!canMove(this.record.state, event)) {
        throw ApplicationFailure.create({ type: MOVE_REFUSED, message: this.refusal(event), nonRetryable: true });
      }
    };

    for (const [event, signal, update] of [
      ['acknowledge', acknowledgeSignal, acknowledgeUpdate],
      ['resolve', resolveSignal, resolveUpdate],
      ['cancel', cancelSignal, cancelUpdate],
    ] as const) {
      const handle = answer(event);
      setHandler(signal, (input: ActorInput | ReasonInput) => {
        if (!canMove(this.record.state, event)) return this.refuse(event, input.by);
        handle(input);
      });
      setHandler(
        update,
        (input: ActorInput | ReasonInput) => {
          handle(input);
          return this.record;
        },
        { validator: refuseUnless(event) },
      );
    }

    setHandler(escalateSignal, (input) => {
      const refusal = this.escalationRefusal();
      if (refusal) return this.refuse('escalate', input.by, refusal);
      this.requestEscalation(input);
    });
    setHandler(
      escalateUpdate,
      async (input) => {
        const target = this.manualDone + 1;
        this.requestEscalation(input);
        await condition(() => this.manualDone >= target || isTerminal(this.record.state));
        return this.record;
      },
      {
        validator: (input) => {
          requireActor(input.by);
          const refusal = this.escalationRefusal();
          if (refusal) throw ApplicationFailure.create({ type: MOVE_REFUSED, message: refusal, nonRetryable: true });
        },
      },
    );

    setHandler(annotateSignal, (input) => {
      this.annotate(input.by, input.note);
    });
    setHandler(annotateUpdate, (input) => this.annotate(input.by, input.note), {
      validator: (input) => {
        requireActor(input.by);
        if (!input.note || input.note.trim() === '')
          throw ApplicationFailure.create({ type: MOVE_REFUSED, message: 'annotate needs a non-empty note', nonRetryable: true });
      },
    });

    setHandler(occurrenceSignal, (occurrence) => {
      if (!isTerminal(this.record.state)) this.countOccurrence(occurrence);
      // The opener's own signal can land after an answer that closed the incident in its first task.
      else if (occurrence.occurrenceId !== this.input.occurrenceId) this.lateAlerts.push(occurrence);
    });
    setHandler(occurrenceUpdate, (occurrence) => ({ created: !this.countOccurrence(occurrence), record: this.record }), {
      validator: (_occurrence: Occurrence) => {
        if (isTerminal(this.record.state)) {
          throw ApplicationFailure.create({
            type: INCIDENT_CLOSED,
            nonRetryable: true,
            message: `${this.record.workflowId} is ${this.record.state} and closing; a new alert with this key opens a new incident`,
          });
        }
      },
    });

    // A signal, not an update: the inhibited alert's caller has its answer already and waits for nothing.
    setHandler(symptomSignal, (symptom) => {
      if (isTerminal(this.record.state)) return;
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
      this.refresh();
    });

    setHandler(stateQuery, () => this.record);
  }

  private apply(event: IncidentEvent, ctx: MoveContext): boolean {
    const result = applyEvent(this.record, event, ctx);
    if (!result.ok) {
      log.warn('move refused', { workflowId: this.record.workflowId, event, state: this.record.state, reason: result.reason });
      recordRefusal(this.record, { ...ctx, reason: result.reason });
    } else {
      log.info(`incident ${result.from} → ${result.to}`, { workflowId: this.record.workflowId, by: ctx.by, reason: ctx.reason });
    }
    this.changed();
    return result.ok;
  }

  private refuse(event: IncidentEvent, by: string, reason = this.refusal(event)): void {
    log.warn('signal refused', { workflowId: this.record.workflowId, event, state: this.record.state, reason });
    recordRefusal(this.record, { at: nowIso(), by, reason });
    this.refresh();
  }

  private refusal(event: IncidentEvent): string {
    const result = move(this.record.state, event);
    return result.ok ? `${event} is allowed from ${this.record.state}` : `${this.record.workflowId}: ${result.reason}`;
  }

  private escalationRefusal(): string | undefined {
    // ESCALATING is a moment (a level's targets are being resolved): the request waits for it.
    if (!this.isEscalating() && this.record.state !== 'ESCALATING') {
      return `${this.record.workflowId}: cannot escalate a ${this.record.state} incident; only PENDING or ACTIVE incidents escalate`;
    }
    if (this.manual) return `${this.record.workflowId}: an escalation is already under way`;
    const result = manualEscalation(this.policy, this.cursor, Date.now());
    return result.ok ? undefined : `${this.record.workflowId}: ${result.reason}`;
  }

  private requestEscalation(input: ReasonInput): void {
    this.manual = { by: input.by, reason: input.reason ?? `escalated by ${input.by}`, whileEscalating: this.record.state === 'ESCALATING' };
    this.changed();
  }

  private annotate(by: string, note: string): IncidentRecord {
    recordNote(this.record, { at: nowIso(), by, reason: note });
    this.refresh();
    return this.record;
  }

  /** Counts a repeat of the alert; answers true when it was the occurrence that opened the incident. */
  private countOccurrence(occurrence: Occurrence): boolean {
    if (occurrence.occurrenceId === this.input.occurrenceId) return false;
    const at = nowIso();
    this.record.occurrences += 1;
    this.record.lastSeenAt = occurrence.receivedAt;
    let reason = this.input.groupBy
      ? `alert joined the group: [${occurrence.severity ?? this.record.severity}] ${occurrence.summary ?? this.record.summary}` +
        `${occurrence.key !== undefined ? ` (key ${occurrence.key})` : ''} (${this.record.occurrences} occurrences)`
      : `alert fired again (${this.record.occurrences} occurrences)`;
    let raisedNow = false;
    if (occurrence.severity) {
      const raised = higherSeverity(this.record.severity, occurrence.severity);
      if (raised !== this.record.severity) {
        raisedNow = true;
        reason += `; severity raised ${this.record.severity} → ${raised}`;
        this.record.severity = raised;
        // Held for business hours and now at a severity that bypasses them: level 1 goes out now.
        if (this.record.state === 'PENDING' && !this.cursor && this.policy.businessHours?.bypassSeverities?.includes(raised)) {
          this.step = this.firstStep(false);
        }
      }
    }
    recordNote(this.record, { at, by: occurrence.source ?? 'alert', reason }, 'occurrence');
    if (raisedNow && occurrence.policy && occurrence.policy.name !== this.policy.name && this.isEscalating()) {
      this.switchPolicy(occurrence.policy, occurrence.source ?? 'alert');
    }
    this.refresh();
    return true;
  }

  /**
   * A repeat raised the severity and the routes now choose another policy: the incident moves to
   * it, at its matching level (the same level number, clamped to the new policy's level count),
   * paged now under a new epoch so the pages are not taken for the old policy's. Asked only when
   * the switch happens, so histories from before it replay unchanged.
   */
  private switchPolicy(raw: Policy, by: string): void {
    const parsed = Policy.safeParse(raw);
    if (!parsed.success) {
      log.warn('policy switch ignored: the occurrence carried an invalid policy', { workflowId: this.record.workflowId });
      return;
    }
    if (!patched('severity-policy-switch')) return;
    const next = parsed.data;
    const old = this.policy;
    const at = nowIso();
    const now = Date.now();
    const level = Math.min(Math.max(this.record.level, 1), next.levels.length) - 1;
    const cycle = Math.min(this.cursor?.cycle ?? 0, next.repeatPolicy);
    this.policy = next;
    this.record.policy = next.name;
    this.record.policyVersion = policyVersion(next);
    this.visibility.levelCount = next.levels.length;
    this.epoch += 1;
    recordNote(this.record, {
      at,
      by,
      reason: `policy ${old.name} → ${next.name} (severity raised to ${this.record.severity})`,
      level: level + 1,
    });
    // The matching level goes out now, carried out by the main loop; the steps after it follow
    // the new policy from there.
    this.step = { kind: 'level', cycle, level, dueAt: now, isEscalation: false };
  }

  private changed(): void {
    this.version += 1;
  }

  /** After every change: nextEscalationAt, search attributes and current details follow the record. */
  private refresh(): void {
    this.record.nextEscalationAt = this.isEscalating() && this.step ? new Date(this.step.dueAt).toISOString() : undefined;
    if (this.epoch > 0) this.record.epoch = this.epoch;
    this.record.updatedAt = nowIso();
    this.visibility.sync();
    this.changed();
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    const long = info.continueAsNewSuggested || info.historyLength > this.input.settings.maxHistoryEvents;
    // In-flight deliveries belong to this run: wait for them to settle before handing over.
    return long && this.notifier.idle && !this.manual;
  }

  private uiUrl(): string | undefined {
    const base = this.input.settings.uiUrl;
    if (!base) return undefined;
    return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(this.input.settings.namespace)}/workflows/${encodeURIComponent(this.record.workflowId)}`;
  }
}

function requireActor(by: unknown): void {
  if (typeof by !== 'string' || by.trim() === '') {
    throw ApplicationFailure.create({
      type: MOVE_REFUSED,
      message: 'the request must say who is doing it (field "by")',
      nonRetryable: true,
    });
  }
}

function nowIso(): string {
  return new Date().toISOString();
}

/** An input that does not validate cannot escalate: the incident ends FAILED, saying why. */
function failOnBadInput(rawInput: IncidentWorkflowInput, reason: string): IncidentRecord {
  const info = workflowInfo();
  const at = nowIso();
  const message = `incident input is invalid, nothing was escalated: ${reason}`;
  log.error(message, { workflowId: info.workflowId });
  const spec = rawInput.incident as Partial<ParsedWorkflowInput['incident']> | undefined;
  const record = newRecord(
    {
      key: info.workflowId.replace(/^incident-/, ''),
      summary: typeof spec?.summary === 'string' ? spec.summary : '(invalid input)',
      severity: 'critical',
      labels: {},
      links: [],
    },
    typeof rawInput.policy?.name === 'string' ? rawInput.policy.name : '(none)',
    info.workflowId,
    at,
  );
  applyEvent(record, 'fail', { at, by: 'engine', reason: message });
  new Visibility(record, 0).sync();
  return record;
}
