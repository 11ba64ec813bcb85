import { randomUUID } from 'node:crypto';
import { startHttpPeer, type HttpPeer } from './http.js';

/**
 * Opsgenie's Alert API as the provider meets it: `POST /v2/alerts` (create) and
 * `POST /v2/alerts/{identifier}/acknowledge|close?identifierType=alias`, authorised by
 * `Authorization: GenieKey <key>`. Like Opsgenie: 202 `{result, took, requestId}` (processed
 * later), 401 for a wrong key, 422 for a create without message, 404 for an action on an alias it
 * never saw.
 */
export interface OpsgeniePeer extends HttpPeer {
  apiKey: string;
}

export const OPSGENIE_TEST_KEY = 'eb243592-faa2-4ba2-a551-1afdf565c889';

export async function startOpsgeniePeer(options: { apiKey?: string } = {}): Promise<OpsgeniePeer> {
  const apiKey = options.apiKey ?? OPSGENIE_TEST_KEY;
  const aliases = new Set<string>();
  const accepted = () => ({ status: 202, body: { result: 'Request will be processed', took: 0.01, requestId: randomUUID() } });
  const peer = await startHttpPeer('opsgenie', (request) => {
    if (request.headers.authorization !== `GenieKey ${apiKey}`) {
      return { status: 401, body: { message: 'Could not authenticate', took: 0, requestId: randomUUID() } };
    }
    if (request.pathname === '/v2/alerts' && request.method === 'POST') {
      const message = request.json?.['message'];
      if (typeof message !== 'string' || message === '' || message.length > 130) {
        return {
          status: 422,
          body: {
            message: 'Request body is not processable. Please check the errors.',
            errors: { message: 'Message can not be empty or longer than 130 characters.' },
            took: 0,
            requestId: randomUUID(),
          },
        };
      }
      if (typeof request.json?.['alias'] === 'string') aliases.add(request.json['alias']);
      return accepted();
    }
    const action = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close)$/.exec(request.pathname);
    if (action && request.method === 'POST') {
      if (request.query.get('identifierType') !== 'alias' || !aliases.has(decodeURIComponent(action[1] ?? ''))) {
        return { status: 404, body: { message: 'Alert does not exist', took: 0, requestId: randomUUID() } };
      }
      return accepted();
    }
    return { status: 404, body: { message: 'Not found', took: 0, requestId: randomUUID() } };
  });
  return { ...peer, apiKey };
}
