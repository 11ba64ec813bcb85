import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../schemas.js';

const SlackAnswer = z
  .looseObject({
    response_type: z.enum(['ephemeral', 'in_channel']).optional(),
    replace_original: z.boolean().optional(),
    text: z.string().optional(),
  })
  .openapi('SlackMessage');
const answers = {
  200: {
    content: { 'application/json': { schema: SlackAnswer } },
    description: 'a message for Slack to show (errors too: Slack shows them to the user)',
  },
  400: errorResponse('not a Slack request body'),
  401: errorResponse('missing, wrong, stale or future-dated Slack signature (headers are checked before the body is read)'),
  413: errorResponse('the body is larger than 128 KiB'),
  503: errorResponse('no Slack signing secret is configured'),
};
const signed = {
  description:
    'Signed by Slack: X-Slack-Signature v0 (HMAC-SHA256 with the signing secret) and X-Slack-Request-Timestamp within five minutes ' +
    '(at most 60 s ahead). The same signed request again is answered "already handled" and not acted on twice.',
};

export const interactions = createRoute({
  method: 'post',
  path: '/v1/chat/slack/interactions',
  tags: ['chat'],
  summary: 'Slack interactivity: the Acknowledge, Resolve and Escalate buttons of an incident message',
  ...signed,
  request: {
    body: {
      content: {
        'application/x-www-form-urlencoded': { schema: z.object({ payload: z.string().openapi({ description: 'block_actions JSON' }) }) },
      },
      required: true,
    },
  },
  responses: answers,
});

export const commands = createRoute({
  method: 'post',
  path: '/v1/chat/slack/commands',
  tags: ['chat'],
  summary: 'Slack slash command: /incident ack|resolve|escalate|show <id>, /incident list',
  ...signed,
  request: {
    body: {
      content: {
        'application/x-www-form-urlencoded': {
          schema: z.looseObject({
            command: z.string(),
            text: z.string().default(''),
            user_id: z.string().min(1),
            user_name: z.string().optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: answers,
});
