import { ApplicationFailure, log, patched } from '@temporalio/workflow';
import type { IncidentRecord } from '../domain/incident.js';
import { applyReceipt, receiptRefusal, type DeliveryReceiptInput } from '../domain/receipt.js';
import { isRepeatedAnswer, recordNote } from '../domain/record.js';
import { higherSeverity } from '../domain/severity-order.js';
import { workingStatusReason, workingStatusRefusal } from '../domain/working-status.js';
import { canMove } from '../domain/state-machine.js';
import { reopenFrom } from '../domain/carry.js';
import { applyNotice, type MaintenanceNotice } from '../domain/maintenance-hold.js';
import type { IncidentCarry, IncidentWorkflowInput, Occurrence } from '../domain/workflow-input.js';
import { policySwitchStep } from '../domain/planner.js';
import type { Policy } from '../domain/policy.js';
import { policyVersion } from '../domain/policy-version.js';
import { nowIso } from './course.js';
import { IncidentResponses, refuseWith, requireActor } from './responses.js';
import {
  INCIDENT_CLOSED,
  type ActorInput,
  type EscalateInput,
  type ReasonInput,
  type SymptomInput,
  type WorkingStatusInput,
} from './messages.js';

const ANNOUNCEMENT = { acknowledge: 'acknowledged', resolve: 'resolved', cancel: 'cancelled' } as const;
type Answer = keyof typeof ANNOUNCEMENT;

/**
 * What an incident does when a message arrives: the bodies of the workflow's handlers and their
 * validators, one-liners in workflows/incident-escalation.ts. The steps live in IncidentCourse.
 */
export class IncidentRules extends IncidentResponses {
  /** Alerts for this key that arrived after the incident closed (they open the next incident). */
  private readonly lateAlerts: Occurrence[] = [];

  // ---- answers -------------------------------------------------------------------------------

  /** An update's answer: a repeat of one already taken (same person, same move) changes nothing. */
  answerOnce(event: Answer, input: ActorInput | ReasonInput): IncidentRecord {
    if (!isRepeatedAnswer(this.record, event, input.by)) this.answer(event, input);
    return this.record;
  }

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
    if (isRepeatedAnswer(this.record, event, input.by)) return;
    if (!canMove(this.record.state, event)) refuseWith(this.refusal(event));
  }

  requestEscalation(input: EscalateInput): number {
    // Escalating an acknowledged incident was refused before: incidents recorded then keep refusing.
    const acknowledgedEscalates = this.record.state === 'ACKNOWLEDGED' && patched('escalate-acknowledged');
    const refusal = this.escalationRefusal(acknowledgedEscalates, input.toLevel);
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
    const to = input.toLevel !== undefined ? ` to level ${input.toLevel}` : '';
    const reason = input.reason ?? `escalated${to} by ${input.by}`;
    if (acknowledgedEscalates) this.withdrawAcknowledgement(input.by, `${reason} (acknowledgement withdrawn)`);
    this.manual = { by: input.by, reason, ...(input.toLevel !== undefined && { toLevel: input.toLevel }) };
    this.revision += 1;
    return this.manualDone + 1;
  }

  validateEscalation(input: EscalateInput): void {
    requireActor(input.by);
    if (input.toLevel !== undefined && (typeof input.toLevel !== 'number' || !Number.isInteger(input.toLevel)))
      refuseWith('toLevel must be a whole level number, 1 for the first level');
    const refusal = this.escalationRefusal(true, input.toLevel);
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

  deliveryReceipt(input: DeliveryReceiptInput): IncidentRecord {
    const page = applyReceipt(this.record, input, nowIso());
    if (page && input.receipt !== 'delivered') this.notifier.hurry(page);
    this.visibility.sync();
    return this.record;
  }

  /** Responders say where they are; it changes no state and pages nobody. */
  setWorkingStatus(input: WorkingStatusInput): IncidentRecord {
    const at = nowIso();
    this.record.workingStatus = { status: input.status, by: input.by, at, ...(input.note !== undefined && { note: input.note }) };
    recordNote(this.record, { at, by: input.by, reason: workingStatusReason(input.status, input.note) });
    this.visibility.sync();
    return this.record;
  }

  validateDeliveryReceipt(input: DeliveryReceiptInput): void {
    requireActor(input.by);
    const refusal = receiptRefusal(this.record, input);
    if (refusal) refuseWith(refusal);
  }

  validateWorkingStatus(input: WorkingStatusInput): void {
    requireActor(input.by);
    const refusal = workingStatusRefusal(this.record.workflowId, this.record.state, input.status);
    if (refusal) refuseWith(refusal);
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

  /**
   * A maintenance window holds paging until its end, or ended early (domain/maintenance-hold.ts).
   * Incidents recorded before windows existed ignore it: their plan must replay as it ran.
   */
  maintenance(notice: MaintenanceNotice): void {
    if (this.isClosed || !patched('maintenance-windows')) return;
    const current = this.record.maintenance;
    const hold = applyNotice(current && { name: current.name, until: Date.parse(current.until) }, notice);
    if (!hold || (current && hold.name === current.name && hold.until === Date.parse(current.until))) return;
    const until = new Date(hold.until).toISOString();
    this.record.maintenance = { name: hold.name, until };
    const reason =
      'ended' in notice
        ? `maintenance window ${notice.name} ended early`
        : `maintenance window ${notice.name} until ${until}: paging held${this.isEscalating() ? '' : ' (if it opens again)'}${notice.reason ? ` (${notice.reason})` : ''}`;
    recordNote(this.record, { at: nowIso(), by: 'maintenance', reason });
    this.revision += 1;
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

  /**
   * A repeat raised the severity and the routes now choose another policy: the incident moves to
   * it at its matching level, paged now under a new epoch so the pages are not taken for the old
   * policy's; the steps after it follow the new policy.
   */
  protected switchPolicy(next: Policy, by: string): void {
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
}
