import { twilioSignature } from '../../../runtime/responder.js';
import { startHttpPeer, type HttpPeer, type PeerRequest } from './http.js';

/**
 * Twilio's Messages API as the provider meets it: `POST /2010-04-01/Accounts/{sid}/Messages.json`,
 * form-encoded, HTTP basic auth `sid:token`. Like Twilio: 201 with the message resource
 * (`sid: SM...`, `status: queued`); errors as `{code, message, more_info, status}`: 401/20003 for
 * bad credentials, 404/20404 for another account's URL, 400/21211 for a `To` that is not E.164,
 * 400/21617 for a body over 1600 characters. The Calls API too: `POST .../Calls.json` with `To`,
 * `From` and `Url` (or `Twiml`), 201 with the call resource (`sid: CA...`, `status: queued`).
 */
export interface TwilioPeer extends HttpPeer {
  accountSid: string;
  authToken: string;
  messages(): PeerRequest[];
  calls(): PeerRequest[];
}

export const TWILIO_TEST_SID = 'AC00000000000000000000000000000001';
export const TWILIO_TEST_TOKEN = 'twilio-test-token';
export const TWILIO_TEST_FROM = '+15550000000';

export async function startTwilioPeer(): Promise<TwilioPeer> {
  const accountSid = TWILIO_TEST_SID;
  const authToken = TWILIO_TEST_TOKEN;
  let seq = 0;
  const error = (status: number, code: number, message: string) => ({
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
  const peer = await startHttpPeer('twilio', (request) => {
    if (request.headers.authorization !== `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`) {
      return error(401, 20003, 'Authenticate');
    }
    if (request.pathname === `/2010-04-01/Accounts/${accountSid}/Calls.json`) {
      const form = request.form ?? {};
      if (!/^\+[1-9]\d{6,14}$/.test(form['To'] ?? '')) return error(400, 21211, `Invalid 'To' Phone Number: ${form['To'] ?? ''}`);
      if (!form['Url'] && !form['Twiml']) return error(400, 21205, 'Url parameter is required.');
      if (form['Url'] && !/^https?:\/\//.test(form['Url'])) return error(400, 21205, `Url is not a valid URL: ${form['Url']}`);
      seq += 1;
      const sid = `CA${String(seq).padStart(32, '0')}`;
      return { status: 201, body: { sid, account_sid: accountSid, to: form['To'], from: form['From'], status: 'queued' } };
    }
    if (request.pathname !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      return error(404, 20404, `The requested resource ${request.pathname} was not found`);
    }
    const form = request.form ?? {};
    if (!/^\+[1-9]\d{6,14}$/.test(form['To'] ?? '')) return error(400, 21211, `Invalid 'To' Phone Number: ${form['To'] ?? ''}`);
    if (!form['Body']) return error(400, 21602, 'Message body is required.');
    if (form['Body'].length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    seq += 1;
    return {
      status: 201,
      body: {
        sid: `SM${String(seq).padStart(32, '0')}`,
        account_sid: accountSid,
        to: form['To'],
        from: form['From'],
        body: form['Body'],
        status: 'queued',
      },
    };
  });
  return {
    ...peer,
    accountSid,
    authToken,
    messages: () => peer.requests.filter((r) => r.pathname.endsWith('/Messages.json')),
    calls: () => peer.requests.filter((r) => r.pathname.endsWith('/Calls.json')),
  };
}

/**
 * Posts as Twilio posts its webhooks (inbound SMS, call TwiML, status callbacks): form-encoded,
 * signed with X-Twilio-Signature over the URL and the sorted parameters with the auth token.
 * `signWith` forges: another token, or a signature for other parameters.
 */
export async function postAsTwilio(
  url: string,
  params: Record<string, string>,
  options: { authToken?: string; signature?: string } = {},
): Promise<{ status: number; text: string }> {
  const signature = options.signature ?? twilioSignature(options.authToken ?? TWILIO_TEST_TOKEN, url, params);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'i-twilio-idempotency-token': 'test' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, text: await response.text() };
}
