import { afterEach, describe, expect, it } from 'vitest';
import { replyCode } from '../../domain/responder.js';
import { linkSigner, twilioSignature, type ResponderRuntime } from '../../runtime/responder.js';
import { startApiStack, type ApiStack } from '../helpers/api.js';
import { postAsTwilio, startTwilioPeer, TWILIO_TEST_FROM, type TwilioPeer } from '../helpers/peers/twilio.js';
import { startSlackPeer, SLACK_TEST_TOKEN, type SlackPeer } from '../helpers/peers/slack.js';
import { closedPort } from '../helpers/ports.js';

/**
 * Answering from the page on the real server: a real worker texts and calls through the local
 * Twilio peer, the test answers as Twilio and as a phone's browser would, the incident moves (or,
 * for anything forged, does not).
 */

const DANA_PHONE = '+15551230001';
const STRANGER_PHONE = '+15559990000';
const LINK_SECRET = 'link-secret-for-tests-0123456789abcdef';

let stack: ApiStack | undefined;
let twilio: TwilioPeer | undefined;
let slackPeer: SlackPeer | undefined;
afterEach(async () => {
  await stack?.stop();
  await twilio?.close();
  await slackPeer?.close();
  stack = undefined;
  twilio = undefined;
  slackPeer = undefined;
});

/** Dana is paged by `channels` at level 1; the API and the worker agree on its public URL. */
async function start(
  channels: ('sms' | 'voice')[],
  slack?: SlackPeer,
  rules?: { after: string; channels: string[] }[],
): Promise<{ stack: ApiStack; twilio: TwilioPeer; publicUrl: string }> {
  twilio = await startTwilioPeer();
  const port = await closedPort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const responder: ResponderRuntime = { publicUrl, isPublic: true, links: linkSigner(LINK_SECRET, 86_400_000) };
  stack = await startApiStack(
    {
      providers: {
        twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, from: TWILIO_TEST_FROM, baseUrl: twilio.url },
        ...(slack && { slack: { token: SLACK_TEST_TOKEN, baseUrl: slack.url } }),
      },
      responders: { links: true },
      directory: {
        users: [{ id: 'dana', contacts: channels.map((channel) => ({ channel, address: DANA_PHONE })), ...(rules && { rules }) }],
      },
      policies: [
        {
          name: 'default',
          levels: [
            { targets: [{ type: 'user', id: 'dana' }, ...(slack ? [{ type: 'channel', id: 'C0ALERTS', provider: 'slack' }] : [])] },
            { delay: '10m', targets: [{ type: 'user', id: 'dana' }] },
          ],
        },
      ],
    },
    { port, responderEnv: { ESCALATION_LINK_SECRET: LINK_SECRET, ESCALATION_PUBLIC_URL: publicUrl } },
    { responder },
  );
  return { stack, twilio, publicUrl };
}

async function openAndPage(s: ApiStack, peer: TwilioPeer, key: string, kind: 'messages' | 'calls') {
  await s.incidents.startIncident({ summary: `disk full on ${key}`, severity: 'critical', service: 'storage', key });
  await peer.waitFor(() => peer[kind]().length > 0, 15_000);
  return peer[kind]()[0]?.form ?? {};
}

describe('SMS replies', () => {
  it('acknowledges as the directory user whose number replied "1 #code", and confirms in TwiML', async () => {
    const { stack: s, twilio: peer, publicUrl } = await start(['sms']);
    const sms = await openAndPage(s, peer, 'sms-ack', 'messages');
    const code = /#([a-z2-9]{3})$/m.exec(sms['Body'] ?? '')?.[1];
    expect(code).toBe(replyCode('incident-sms-ack'));

    const url = `${publicUrl}/v1/integrations/twilio/sms`;
    const reply = { From: DANA_PHONE, To: TWILIO_TEST_FROM, Body: `1 #${code}`, MessageSid: 'SM1', AccountSid: peer.accountSid };
    // Visibility lags a start by a moment: a reply before it sees the code changes nothing, so asking again is safe.
    const answer = await s.eventually(
      () => postAsTwilio(url, reply),
      (a) => !a.text.includes('no open incident'),
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>Acknowledged incident-sms-ack as dana: now ACKNOWLEDGED.<\/Message><\/Response>$/,
    );
    expect(await s.incidents.getIncident('sms-ack')).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });

    // The same reply again (Twilio retries a webhook that timed out) is the same acknowledgement.
    const again = await postAsTwilio(url, reply);
    expect(again.text).toContain('now ACKNOWLEDGED');
    const after = await s.incidents.getIncident('sms-ack');
    expect(after.timeline.filter((e) => e.kind === 'move' && e.to === 'ACKNOWLEDGED')).toHaveLength(1);
  });

  it("updates the incident's Slack message when a reply by SMS acknowledges it", async () => {
    slackPeer = await startSlackPeer();
    const slack = slackPeer;
    const { stack: s, twilio: peer, publicUrl } = await start(['sms'], slack);
    const sms = await openAndPage(s, peer, 'sms-slack', 'messages');
    await slack.waitFor(() => slack.calls('chat.postMessage').length === 1, 15_000);
    // The Slack page must be on the record as delivered before the answer, or there is nothing to update yet.
    await s.waitForRecord('sms-slack', (r) => r.notifications.some((n) => n.channel === 'slack' && n.status === 'delivered'));
    const code = /#([a-z2-9]{3})$/m.exec(sms['Body'] ?? '')?.[1] ?? '';

    await s.eventually(
      () => postAsTwilio(`${publicUrl}/v1/integrations/twilio/sms`, { From: DANA_PHONE, To: TWILIO_TEST_FROM, Body: `ack #${code}` }),
      (a) => a.text.includes('Acknowledged incident-sms-slack as dana'),
    );
    await slack.waitFor(() => slack.calls('chat.update').length === 1, 15_000);
    const [update] = slack.calls('chat.update');
    expect(update?.json?.['channel']).toBe('C0ALERTS');
    expect(update?.json?.['text']).toContain('acknowledged by dana');
  });

  it('changes nothing for a forged signature, an unknown number or a stale code, and says so', async () => {
    const { stack: s, twilio: peer, publicUrl } = await start(['sms']);
    const sms = await openAndPage(s, peer, 'sms-forged', 'messages');
    const code = /#([a-z2-9]{3})$/m.exec(sms['Body'] ?? '')?.[1] ?? '';
    const url = `${publicUrl}/v1/integrations/twilio/sms`;
    const reply = { From: DANA_PHONE, To: TWILIO_TEST_FROM, Body: `1 #${code}` };

    const forged = await postAsTwilio(url, reply, { authToken: 'not-the-auth-token' });
    expect(forged.status).toBe(403);
    // Twilio's signature for another reply, replayed over this one.
    const replayed = await postAsTwilio(url, { ...reply, Body: `2 #${code}` }, { signature: twilioSignature(peer.authToken, url, reply) });
    expect(replayed.status).toBe(403);

    const stranger = await postAsTwilio(url, { ...reply, From: STRANGER_PHONE });
    expect(stranger.text).toContain(`Nothing changed: ${STRANGER_PHONE} is not a phone contact of anyone in the escalation directory.`);
    const otherCode = code === 'zzz' ? 'yyy' : 'zzz';
    const stale = await postAsTwilio(url, { ...reply, Body: `1 #${otherCode}` });
    expect(stale.text).toContain(`Nothing changed: no open incident has code #${otherCode}`);
    const garbled = await postAsTwilio(url, { ...reply, Body: 'ok thanks' });
    expect(garbled.text).toContain('Nothing changed: no answer in');

    expect((await s.incidents.getIncident('sms-forged')).state).toBe('ACTIVE');
  });

  it("records Twilio's delivery receipt on the notification and the incident's timeline", async () => {
    const { stack: s, twilio: peer } = await start(['sms']);
    const sms = await openAndPage(s, peer, 'sms-receipt', 'messages');
    const callback = sms['StatusCallback'] ?? '';
    const params = { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003', To: DANA_PHONE, From: TWILIO_TEST_FROM };

    expect((await postAsTwilio(callback, params, { authToken: 'forged' })).status).toBe(403);
    expect((await postAsTwilio(callback, { ...params, MessageStatus: 'sent' })).status).toBe(204);
    expect((await postAsTwilio(callback, params)).status).toBe(204);
    const record = await s.incidents.getIncident('sms-receipt');
    const page = record.notifications.find((n) => n.channel === 'sms');
    expect(page).toMatchObject({
      status: 'delivered',
      receipt: 'undelivered',
      receiptDetail: 'Twilio says undelivered (Twilio error 30003)',
    });
    const notes = record.timeline.filter((e) => e.by === 'twilio');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.reason).toBe(`sms page L1 to ${DANA_PHONE} (dana) undelivered: Twilio says undelivered (Twilio error 30003)`);

    // A callback naming a page this incident never sent is refused by the workflow and changes nothing.
    const stranger = `${callback.split('&key=')[0]}&key=${encodeURIComponent('incident-other/L1/R0/user:dana/sms')}&channel=sms&user=dana`;
    expect((await postAsTwilio(stranger, params)).status).toBe(204);
    expect((await s.incidents.getIncident('sms-receipt')).timeline.filter((e) => e.by === 'twilio')).toHaveLength(1);
  });
});

describe('a failed receipt moves the rules on', () => {
  it("calls at once when the text is reported undelivered, instead of after the call rule's 10 minutes", async () => {
    const { stack: s, twilio: peer } = await start(['sms', 'voice'], undefined, [
      { after: '0s', channels: ['sms'] },
      { after: '10m', channels: ['voice'] },
    ]);
    const sms = await openAndPage(s, peer, 'receipt-hurry', 'messages');
    expect(peer.calls()).toHaveLength(0);

    const receipt = { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30005', To: DANA_PHONE, From: TWILIO_TEST_FROM };
    expect((await postAsTwilio(sms['StatusCallback'] ?? '', receipt)).status).toBe(204);
    await peer.waitFor(() => peer.calls().length === 1, 10_000);
    expect(peer.calls()[0]?.form?.['To']).toBe(DANA_PHONE);
    const record = await s.waitForRecord('receipt-hurry', (r) =>
      r.notifications.some((n) => n.channel === 'voice' && n.status === 'delivered'),
    );
    expect(record.notifications.find((n) => n.channel === 'sms')).toMatchObject({ status: 'delivered', receipt: 'undelivered' });
  });

  it('keeps the rule delay when the text is reported delivered', async () => {
    const { stack: s, twilio: peer } = await start(['sms', 'voice'], undefined, [
      { after: '0s', channels: ['sms'] },
      { after: '10m', channels: ['voice'] },
    ]);
    const sms = await openAndPage(s, peer, 'receipt-keep', 'messages');
    const receipt = { MessageSid: 'SM1', MessageStatus: 'delivered', To: DANA_PHONE, From: TWILIO_TEST_FROM };
    expect((await postAsTwilio(sms['StatusCallback'] ?? '', receipt)).status).toBe(204);
    const record = await s.waitForRecord('receipt-keep', (r) => r.notifications.some((n) => n.receipt === 'delivered'));
    expect(record.notifications.find((n) => n.channel === 'voice')?.status).toBe('pending');
    expect(peer.calls()).toHaveLength(0);
  });
});

describe('voice calls', () => {
  it('reads the incident, gathers one digit, and 1 acknowledges as the called user', async () => {
    const { stack: s, twilio: peer } = await start(['voice']);
    const call = await openAndPage(s, peer, 'voice-ack', 'calls');
    const picked = {
      CallSid: 'CA1',
      AccountSid: peer.accountSid,
      From: TWILIO_TEST_FROM,
      To: DANA_PHONE,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
    };

    const twiml = await postAsTwilio(call['Url'] ?? '', picked);
    expect(twiml.status).toBe(200);
    expect(twiml.text).toContain('<Gather numDigits="1" timeout="10" method="POST" action="');
    expect(twiml.text).toContain(
      'critical incident on storage: disk full on voice-ack. Press 1 to acknowledge. Press 2 to escalate. Press 3 to resolve.',
    );
    const action = /action="([^"]+)"/.exec(twiml.text)?.[1]?.replace(/&amp;/g, '&') ?? '';

    expect((await postAsTwilio(action, { ...picked, Digits: '1' }, { authToken: 'forged' })).status).toBe(403);
    expect((await s.incidents.getIncident('voice-ack')).state).toBe('ACTIVE');

    const pressed = await postAsTwilio(action, { ...picked, Digits: '1' });
    expect(pressed.text).toContain('<Say>Acknowledged incident-voice-ack as dana: now ACKNOWLEDGED. Goodbye.</Say>');
    expect(await s.incidents.getIncident('voice-ack')).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });
  });
});

describe('one-click links', () => {
  it('acts as the linked user, refuses a tampered token, and a link reused after resolve changes nothing', async () => {
    const { stack: s, twilio: peer, publicUrl } = await start(['sms']);
    const sms = await openAndPage(s, peer, 'link-ack', 'messages');
    const link = (sms['Body'] ?? '').split('\n')[1] ?? '';
    expect(link.startsWith(`${publicUrl}/v1/act/`)).toBe(true);
    const press = (url: string, action: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}` });

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('[CRITICAL] disk full on link-ack');
    expect(html).toContain('<button type="submit" name="action" value="acknowledge"');

    const [payload = '', signature = ''] = link.split('/').pop()?.split('.') ?? [];
    const tampered = `${publicUrl}/v1/act/${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const refused = await press(tampered, 'acknowledge');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Nothing changed: this link was changed after it was sent');
    expect((await s.incidents.getIncident('link-ack')).state).toBe('ACTIVE');

    const acked = await press(link, 'acknowledge');
    expect(acked.status).toBe(200);
    expect(await acked.text()).toContain('Acknowledged incident-link-ack as dana: now ACKNOWLEDGED.');
    expect(await s.incidents.getIncident('link-ack')).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: 'dana' });

    expect((await press(link, 'resolve')).status).toBe(200);
    const reused = await press(link, 'escalate');
    expect(reused.status).toBe(409);
    expect(await reused.text()).toContain('Nothing changed: ');
    expect((await s.incidents.getIncident('link-ack')).state).toBe('RESOLVED');
  });

  it('refuses an expired link and says when it expired', async () => {
    const { stack: s, twilio: peer, publicUrl } = await start(['sms']);
    await openAndPage(s, peer, 'link-expired', 'messages');
    const old = linkSigner(LINK_SECRET, 1_000).token('incident-link-expired', 'dana', Date.now() - 60_000);
    const response = await fetch(`${publicUrl}/v1/act/${old}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=acknowledge',
    });
    expect(response.status).toBe(410);
    expect(await response.text()).toContain('Nothing changed: this link expired at ');
    expect((await s.incidents.getIncident('link-expired')).state).toBe('ACTIVE');
  });
});
