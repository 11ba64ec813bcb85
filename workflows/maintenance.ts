import { allHandlersFinished, condition, log, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../domain/maintenance-activities.js';
import { SUPPRESSED_MEMO, type MaintenanceWindowSpec } from '../domain/maintenance-hold.js';
import { endMaintenanceSignal, maintenanceQuery, suppressedSignal, type MaintenanceOutcome } from './maintenance-messages.js';

const { holdMatchingIncidents, releaseIncidents } = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One maintenance window, from `from` to `to` (or an early end). The API decides about new alerts
 * itself (it lists open windows from visibility, with the window in this workflow's memo), so
 * accepting an alert never waits on this workflow. What this workflow does is the open incidents:
 * when the window opens it tells every one it matches to hold its paging until the end (they
 * resume by themselves then), and if someone ends it early it tells them so.
 */
export async function maintenanceWindow(window: MaintenanceWindowSpec): Promise<MaintenanceOutcome> {
  const outcome: MaintenanceOutcome = { window, state: 'scheduled', suppressed: 0, held: [] };
  setHandler(endMaintenanceSignal, (input) => {
    if (!outcome.ended) outcome.ended = { ...input, at: new Date().toISOString() };
  });
  setHandler(suppressedSignal, (alert) => {
    outcome.suppressed += alert.count ?? 1;
    upsertMemo({ [SUPPRESSED_MEMO]: outcome.suppressed });
  });
  setHandler(maintenanceQuery, () => outcome);
  const isEnded = () => outcome.ended !== undefined;

  const opensIn = Date.parse(window.from) - Date.now();
  if (opensIn <= 0 || !(await condition(isEnded, opensIn, { summary: `window ${window.name} opens` }))) {
    outcome.state = 'open';
    outcome.held = await holdMatchingIncidents({
      name: window.name,
      match: window.match,
      until: window.to,
      taskQueue: workflowInfo().taskQueue,
      ...(window.reason !== undefined && { reason: window.reason }),
    });
    const closesIn = Date.parse(window.to) - Date.now();
    if (closesIn > 0) await condition(isEnded, closesIn, { summary: `window ${window.name} ends` });
    if (outcome.ended && outcome.held.length > 0) {
      await releaseIncidents({ name: window.name, workflowIds: outcome.held, ended: outcome.ended.at });
    }
  }
  outcome.state = 'ended';
  log.info(`maintenance window ${window.name} ended`, { suppressed: outcome.suppressed, held: outcome.held.length, by: outcome.ended?.by });
  await condition(allHandlersFinished);
  return outcome;
}
