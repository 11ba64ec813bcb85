import { Context } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import type { DeliveryRequest } from '../../domain/delivery.js';
import type { Providers } from '../../domain/config.js';
import type { NotificationProvider } from './types.js';
import { webhookEvent } from './webhook.js';

/**
 * "Pages" by writing one structured log line per notification: the provider the local demo and
 * the tests use, and a paper trail when nothing else is configured. Through the activity logger,
 * which the worker maps to pino, so each page is one JSON line with the activity's own fields
 * (workflow id, attempt) added. Always delivered.
 */

export type LogSettings = NonNullable<Providers['log']>;

export interface LogProviderOptions {
  settings: LogSettings;
  /** Where the lines go; default the current activity's logger (`Context.current().log`). */
  logger?: Logger;
}

export function createLogProvider(options: LogProviderOptions): NotificationProvider {
  return {
    channel: 'log',
    async send(request: DeliveryRequest) {
      const logger = options.logger ?? Context.current().log;
      const { message, fields } = logLine(request);
      logger[options.settings.level](message, fields);
      return {};
    },
  };
}

/** The line for one notification: a sentence to read, fields to search. */
export function logLine(request: DeliveryRequest): { message: string; fields: Record<string, unknown> } {
  const { incident, delivery } = request;
  const who = delivery.recipient ? `${delivery.recipient} (${delivery.target})` : delivery.target;
  const what =
    request.kind === 'update' ? (request.event ?? 'update').toUpperCase() : request.kind === 'repeat' ? `REPEAT ${request.repeat}` : 'PAGE';
  return {
    message: `${what} ${incident.workflowId} level ${request.level + 1} → ${who}: [${incident.severity}] ${incident.summary}`,
    fields: {
      event: webhookEvent(request),
      incidentWorkflowId: incident.workflowId,
      level: request.level + 1,
      repeat: request.repeat,
      target: delivery.target,
      recipient: delivery.recipient,
      address: delivery.address,
      summary: incident.summary,
      severity: incident.severity,
      idempotencyKey: request.idempotencyKey,
      ...(request.uiUrl !== undefined ? { uiUrl: request.uiUrl } : {}),
    },
  };
}
