import { log, proxyActivities } from '@temporalio/workflow';
import type { Action, ActionRecord } from '../domain/actions.js';
import type { DeliverySettings } from '../domain/config.js';
import type { NotificationActivities } from '../domain/delivery.js';
import type { IncidentRecord } from '../domain/incident.js';
import { recordNote } from '../domain/record.js';
import { failureAttempt, failureMessage } from './delivery-outcome.js';
import type { NotifyRound } from './rounds.js';

/**
 * A level's automated responses, beside its pages: each its own activity with the action's own
 * attempts and time limit, recorded in `actions[]` and on the timeline. Never cancelled by an
 * answer (a restart half done is worse than one finished), never awaited by the escalation; the
 * notifier tracks them with its deliveries, so the incident settles them before it ends.
 */
export class ActionRunner {
  constructor(
    private readonly record: IncidentRecord,
    private readonly delivery: DeliverySettings,
    private readonly track: (run: Promise<void>) => void,
    private readonly onChange: () => void,
  ) {}

  run(actions: Action[], round: NotifyRound): void {
    for (const action of actions) this.start(action, round);
    this.onChange();
  }

  private start(action: Action, round: NotifyRound): void {
    const r = this.record;
    const level = round.level + 1;
    const idempotencyKey = `${r.workflowId}/E${round.epoch}/L${level}/R${round.repeat}/action/${action.name}`;
    const entry: ActionRecord = { name: action.name, level, idempotencyKey, status: 'running', at: round.at };
    (r.actions ??= []).push(entry);
    const { runAction } = proxyActivities<NotificationActivities>({
      startToCloseTimeout: action.timeout + 5_000,
      retry: {
        initialInterval: this.delivery.initialInterval,
        backoffCoefficient: this.delivery.backoff,
        maximumInterval: this.delivery.maximumInterval,
        maximumAttempts: action.maxAttempts,
        nonRetryableErrorTypes: ['ActionRejected'],
      },
    });
    const incident = {
      workflowId: r.workflowId,
      key: r.key,
      summary: r.summary,
      severity: r.severity,
      state: r.state,
      level: r.level,
      labels: r.labels,
      ...(r.service !== undefined && { service: r.service }),
      ...(r.source !== undefined && { source: r.source }),
    };
    const run = runAction
      .executeWithOptions({ summary: `L${level} action ${action.name}` }, [{ idempotencyKey, action, incident }])
      .then(
        (result) => {
          Object.assign(entry, { status: 'succeeded', ...result });
          const said = result.excerpt ? ` (${result.excerpt.slice(0, 80)})` : '';
          return `action ${action.name} succeeded: HTTP ${result.httpStatus} in ${result.durationMs} ms${said}`;
        },
        (error: unknown) => {
          Object.assign(entry, { status: 'failed', error: failureMessage(error), attempt: failureAttempt(error) ?? action.maxAttempts });
          log.warn('action failed; escalation continues', { workflowId: r.workflowId, action: action.name, error: entry.error });
          return `action ${action.name} failed: ${entry.error}`;
        },
      )
      .then((reason) => {
        entry.settledAt = new Date().toISOString();
        recordNote(r, { at: entry.settledAt, by: 'engine', level, reason }, 'notification');
        this.onChange();
      });
    this.track(run);
  }
}
