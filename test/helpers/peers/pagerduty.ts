import { startHttpPeer, type HttpPeer, type PeerRequest } from './http.js';

/**
 * PagerDuty's Events API v2 as the provider meets it: `POST /v2/enqueue` with JSON. Like
 * PagerDuty: 202 `{status: "success", dedup_key}` for a valid event; 400 `invalid event` with
 * `errors` for a routing key that is not 32 characters, an unknown action or a trigger without
 * payload summary, source or severity.
 */
export interface PagerDutyPeer extends HttpPeer {
  events(dedupKey?: string): PeerRequest[];
}

/** A well-formed (32-character) integration key for tests. */
export const PD_TEST_ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

export async function startPagerDutyPeer(): Promise<PagerDutyPeer> {
  const peer = await startHttpPeer('pagerduty', (request) => {
    if (request.pathname !== '/v2/enqueue' || request.method !== 'POST') return { status: 404, body: { status: 'not found' } };
    const event = request.json;
    const errors: string[] = [];
    if (!event) errors.push('Event object is not valid JSON');
    const key = event?.['routing_key'];
    if (typeof key !== 'string' || key.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    const action = event?.['event_action'];
    if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve')
      errors.push("'event_action' is invalid (must be one of trigger, acknowledge, resolve)");
    if (action === 'trigger') {
      const payload = (event?.['payload'] ?? {}) as Record<string, unknown>;
      for (const field of ['summary', 'source', 'severity']) if (!payload[field]) errors.push(`'payload.${field}' is missing or blank`);
      if (payload['severity'] && !['critical', 'error', 'warning', 'info'].includes(String(payload['severity'])))
        errors.push("'payload.severity' is invalid");
    } else if (!event?.['dedup_key']) {
      errors.push("'dedup_key' is required for acknowledge and resolve");
    }
    if (errors.length > 0) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event?.['dedup_key'] } };
  });
  return { ...peer, events: (dedupKey) => peer.requests.filter((r) => dedupKey === undefined || r.json?.['dedup_key'] === dedupKey) };
}
