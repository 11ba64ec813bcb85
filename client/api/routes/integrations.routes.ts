import { createRoute } from '@hono/zod-openapi';
import { AlertmanagerPayload, AlertResults, AlertsFailed, GrafanaPayload } from '../alerts.js';
import { errorResponse } from '../schemas.js';

const answers = {
  200: { content: { 'application/json': { schema: AlertResults } }, description: 'one result per alert, in the order of the payload' },
  400: errorResponse('not a webhook payload of this tool; nothing was changed'),
  401: errorResponse('no or invalid bearer token'),
  403: errorResponse('the token lacks incidents:write'),
  413: errorResponse('the body is larger than 8 MiB; nothing was changed'),
  429: errorResponse('this token is over api.rateLimit; retry after Retry-After'),
  503: {
    content: { 'application/json': { schema: AlertsFailed } },
    description:
      'some alerts could not be handled now (Temporal or the worker unavailable); the others were: retry the delivery, nothing counts twice',
  },
};

export const alertmanager = createRoute({
  method: 'post',
  path: '/v1/integrations/alertmanager',
  tags: ['integrations'],
  summary: 'Prometheus Alertmanager webhook (version 4): one incident per alert, keyed by its fingerprint',
  description:
    'Configure a webhook_config with http_config.authorization (type Bearer). Labels severity, service (else job) and team, ' +
    'annotations summary, description and runbook_url map onto the incident; status resolved resolves it.',
  security: [{ bearer: [] }],
  request: { body: { content: { 'application/json': { schema: AlertmanagerPayload } }, required: true } },
  responses: answers,
});

export const grafana = createRoute({
  method: 'post',
  path: '/v1/integrations/grafana',
  tags: ['integrations'],
  summary: 'Grafana alerting webhook contact point: one incident per alert, keyed by its fingerprint',
  description:
    "Set the contact point's Authorization header scheme to Bearer with an API token. Mapped as the Alertmanager webhook, plus dashboard and panel links.",
  security: [{ bearer: [] }],
  request: { body: { content: { 'application/json': { schema: GrafanaPayload } }, required: true } },
  responses: answers,
});
