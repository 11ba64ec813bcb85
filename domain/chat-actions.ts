import { WORKING_STATUSES, type WorkingStatus } from './working-status.js';

/**
 * The chat actions a page offers and the HTTP API reads back: the Slack provider renders them as
 * buttons, the API's interaction endpoint maps a pressed button to the operation. Shared here so
 * neither side imports the other.
 */

/** The `action_id`s of a Slack page's buttons; each button's `value` is the incident's workflow id. */
export const SLACK_ACTION_IDS = {
  acknowledge: 'incident_acknowledge',
  resolve: 'incident_resolve',
  escalate: 'incident_escalate',
} as const;
export type SlackActionId = (typeof SLACK_ACTION_IDS)[keyof typeof SLACK_ACTION_IDS];
export type ChatOperation = keyof typeof SLACK_ACTION_IDS;
export const SLACK_ACTIONS_BLOCK_ID = 'incident_actions';

/** `incident_acknowledge` → `acknowledge`; undefined for an action that is not ours. */
export function slackActionOperation(actionId: string): ChatOperation | undefined {
  const entry = Object.entries(SLACK_ACTION_IDS).find(([, id]) => id === actionId);
  return entry?.[0] as ChatOperation | undefined;
}

/**
 * The working-status buttons of an acknowledged incident's message: `incident_status_<status>`,
 * each with the workflow id as its `value`, like the buttons above.
 */
export const SLACK_STATUS_ACTION_IDS: Record<WorkingStatus, string> = Object.fromEntries(
  WORKING_STATUSES.map((status) => [status, `incident_status_${status}`]),
) as Record<WorkingStatus, string>;

/** `incident_status_monitoring` → `monitoring`; undefined for any other action. */
export function slackActionWorkingStatus(actionId: string): WorkingStatus | undefined {
  return WORKING_STATUSES.find((status) => SLACK_STATUS_ACTION_IDS[status] === actionId);
}
