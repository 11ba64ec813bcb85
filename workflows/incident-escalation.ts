import { allHandlersFinished, condition, continueAsNew, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { PolicyInvariantError } from '../domain/escalation.js';
import type { IncidentRecord } from '../domain/incident.js';
import { applyEvent, newRecord } from '../domain/record.js';
import { checkWorkflowInput } from '../domain/carry.js';
import type { IncidentWorkflowInput, Occurrence } from '../domain/workflow-input.js';
import {
  acknowledgeSignal,
  acknowledgeUpdate,
  annotateSignal,
  annotateUpdate,
  deliveryReceiptUpdate,
  cancelSignal,
  cancelUpdate,
  escalateSignal,
  escalateUpdate,
  incidentStateQuery,
  maintenanceSignal,
  occurrenceSignal,
  occurrenceUpdate,
  reassignUpdate,
  resolveSignal,
  resolveUpdate,
  snoozeUpdate,
  stateQuery,
  symptomSignal,
  workingStatusUpdate,
  unacknowledgeUpdate,
  type ActorInput,
  type ReasonInput,
} from './messages.js';
import { nowIso } from './course.js';
import { IncidentRules } from './rules.js';
import { Visibility } from './visibility.js';

type Self = typeof import('./incident-escalation.js').incidentEscalation;

/**
 * One incident, from trigger to close (DESIGN.md sections 3 and 5). The planner (domain/planner.ts)
 * says what is due next and when; this loop waits for that moment or for a change of plan (an
 * answer, a raised severity, an escalation request), whichever comes first, and the rules carry it
 * out. One timer per planned step: a delivery that settles never touches it (unless the history
 * is long enough to continue as new, which waits for deliveries to settle).
 */
export async function incidentEscalation(input: IncidentWorkflowInput): Promise<IncidentRecord> {
  const problem = checkWorkflowInput(input);
  if (problem) return failedOnInput(input, problem);
  const rules = new IncidentRules(input);
  handle(rules);

  while (!rules.isClosed) {
    if (rules.shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      return continueAsNew<Self>(rules.continued());
    }
    const next = rules.next();
    rules.syncVisibility();
    const seen = rules.revision;
    // A long history hands over as soon as no delivery is in flight, between two steps.
    const replanned = () => rules.revision !== seen || rules.shouldContinueAsNew();
    if (!next) {
      await condition(replanned);
      continue;
    }
    const wait = next.at - Date.now();
    if (wait > 0 && (await condition(replanned, wait, { summary: next.label }))) continue;
    try {
      await rules.act(next);
    } catch (error) {
      // The policy maths met the impossible: end FAILED, saying why, rather than retry forever.
      if (!(error instanceof PolicyInvariantError)) throw error;
      rules.fail(`the policy could not go on: ${error.message}`);
    }
  }

  await rules.settle();
  await condition(allHandlersFinished);
  const successor = rules.successor();
  if (successor) return continueAsNew<Self>(successor);
  return rules.record;
}

/** Every handler is set before the first await, or an early update would be refused. */
function handle(rules: IncidentRules): void {
  for (const [event, signal, update] of [
    ['acknowledge', acknowledgeSignal, acknowledgeUpdate],
    ['resolve', resolveSignal, resolveUpdate],
    ['cancel', cancelSignal, cancelUpdate],
  ] as const) {
    setHandler(signal, (input: ActorInput | ReasonInput) => rules.answer(event, input));
    setHandler(update, (input: ActorInput | ReasonInput) => rules.answerOnce(event, input), {
      validator: (input: ActorInput | ReasonInput) => rules.validateAnswer(event, input),
    });
  }
  setHandler(escalateSignal, (input) => void rules.requestEscalation(input));
  setHandler(
    escalateUpdate,
    async (input) => {
      const ticket = rules.requestEscalation(input);
      await condition(() => rules.escalationSettled(ticket));
      return rules.record;
    },
    { validator: (input) => rules.validateEscalation(input) },
  );
  setHandler(annotateSignal, (input) => void rules.annotate(input.by, input.note));
  setHandler(annotateUpdate, (input) => rules.annotate(input.by, input.note), { validator: (input) => rules.validateAnnotation(input) });
  setHandler(workingStatusUpdate, (input) => rules.setWorkingStatus(input), { validator: (input) => rules.validateWorkingStatus(input) });
  setHandler(occurrenceSignal, (occurrence) => void rules.occurrence(occurrence));
  setHandler(occurrenceUpdate, (occurrence) => ({ created: !rules.occurrence(occurrence), record: rules.record }), {
    validator: (_occurrence: Occurrence) => rules.validateOccurrence(),
  });
  setHandler(unacknowledgeUpdate, (input) => rules.unacknowledge(input), { validator: (input) => rules.validateUnacknowledge(input) });
  setHandler(reassignUpdate, (input) => rules.reassign(input), { validator: (input) => rules.validateReassign(input) });
  setHandler(snoozeUpdate, (input) => rules.snooze(input), { validator: (input) => rules.validateSnooze(input) });
  setHandler(symptomSignal, (symptom) => rules.symptom(symptom));
  setHandler(maintenanceSignal, (notice) => rules.maintenance(notice));
  setHandler(deliveryReceiptUpdate, (receipt) => rules.deliveryReceipt(receipt), {
    validator: (receipt) => rules.validateDeliveryReceipt(receipt),
  });
  setHandler(stateQuery, () => rules.record);
  setHandler(incidentStateQuery, () => rules.record.state);
}

/** An input the workflow cannot go on with: the incident ends FAILED, saying why. */
function failedOnInput(input: IncidentWorkflowInput, reason: string): IncidentRecord {
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
