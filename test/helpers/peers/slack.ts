import { startHttpPeer, type HttpPeer, type PeerRequest } from './http.js';

/**
 * Slack's Web API as the provider meets it: `POST /chat.postMessage` and `/chat.update` with a
 * Bearer bot token and JSON. Like Slack, every answer is HTTP 200 with `ok` saying how it went:
 * `invalid_auth` for a wrong token, `channel_not_found` for a channel it does not know,
 * `message_not_found` for an update of a message it never posted. A user id (`U...`) is answered
 * with the DM channel (`D...`), a `#name` with the channel's id, as Slack does.
 */
export interface SlackPeer extends HttpPeer {
  token: string;
  /** Requests to one Web API method, in order. */
  calls(method: 'chat.postMessage' | 'chat.update'): PeerRequest[];
}

export const SLACK_TEST_TOKEN = 'xoxb-test-token';

export async function startSlackPeer(options: { token?: string; channels?: string[] } = {}): Promise<SlackPeer> {
  const token = options.token ?? SLACK_TEST_TOKEN;
  const known = new Set(options.channels ?? ['C0ALERTS', '#alerts', 'U0ALICE', 'U0BOB']);
  const posted = new Set<string>();
  let seq = 0;
  const peer = await startHttpPeer('slack', (request) => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      return { status: 200, body: { ok: false, error: request.headers.authorization ? 'invalid_auth' : 'not_authed' } };
    }
    const body = request.json ?? {};
    const channel = String(body['channel'] ?? '');
    if (request.pathname === '/chat.postMessage') {
      if (!known.has(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
      const id = channelId(channel);
      seq += 1;
      const ts = `1767625200.${String(seq).padStart(6, '0')}`;
      posted.add(`${id}:${ts}`);
      return { status: 200, body: { ok: true, channel: id, ts, message: { text: body['text'], ts } } };
    }
    if (request.pathname === '/chat.update') {
      const ts = String(body['ts'] ?? '');
      if (!posted.has(`${channel}:${ts}`)) return { status: 200, body: { ok: false, error: 'message_not_found' } };
      return { status: 200, body: { ok: true, channel, ts, text: body['text'] } };
    }
    return { status: 200, body: { ok: false, error: 'unknown_method' } };
  });
  return { ...peer, token, calls: (method) => peer.requests.filter((r) => r.pathname === `/${method}`) };
}

/** `U0ALICE` → `D0ALICE` (the DM with the app), `#alerts` → `CALERTS`, ids as they are. */
function channelId(channel: string): string {
  if (channel.startsWith('U')) return `D${channel.slice(1)}`;
  if (channel.startsWith('#')) return `C${channel.slice(1).toUpperCase()}`;
  return channel;
}
