import { randomBytes } from 'node:crypto';
import { readEnv } from '../../runtime/env.js';
import { startApi, type ApiOptions, type RunningApi } from './app.js';

/**
 * The API as `escalate dev` runs it: ESCALATION_API_TOKEN when set, else a fresh token printed at
 * start, so writes on a laptop still need a token (the same code path as production).
 */
export async function startDevApi(options: Omit<ApiOptions, 'apiToken'> & { port: number }): Promise<RunningApi & { token: string }> {
  const env = readEnv();
  const token = env.ESCALATION_API_TOKEN ?? `dev-${randomBytes(16).toString('hex')}`;
  const api = await startApi({
    ...options,
    apiToken: token,
    host: env.API_HOST,
    ...(env.SLACK_SIGNING_SECRET && { slackSigningSecret: env.SLACK_SIGNING_SECRET }),
    responderEnv: env,
  });
  return { ...api, token };
}
