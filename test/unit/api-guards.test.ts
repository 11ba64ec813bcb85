import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../client/api/auth.js';
import { checkSlackHeaders, SlackReplayGuard, slackSignature } from '../../client/api/slack-signature.js';

describe('Slack signature headers, checked before the body', () => {
  const now = 1_800_000_000_000;
  const signature = slackSignature('secret', '1800000000', 'body');
  it.each([
    [undefined, signature, 'are required'],
    ['17e8', signature, 'not a Unix time'],
    ['1800000000', 'v0=nothex', 'not a v0= HMAC-SHA256'],
    [String(1_800_000_000 - 301), signature, 'more than 5 minutes'],
    [String(1_800_000_000 + 61), signature, 'in the future'],
  ])('timestamp %s, signature %s: refused (%s)', (timestamp, sig, reason) => {
    expect(checkSlackHeaders({ timestamp, signature: sig, nowMs: now })).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('takes a fresh timestamp, and one a little ahead (clock skew)', () => {
    expect(checkSlackHeaders({ timestamp: '1800000000', signature, nowMs: now })).toEqual({ ok: true });
    expect(checkSlackHeaders({ timestamp: '1800000030', signature, nowMs: now })).toEqual({ ok: true });
  });
});

describe('SlackReplayGuard', () => {
  it('acts on a signed request once while it is fresh, again after a failure is forgotten, and stays bounded', () => {
    const guard = new SlackReplayGuard(2);
    expect(guard.firstTime('a', 0)).toBe(true);
    expect(guard.firstTime('a', 1_000)).toBe(false);
    guard.forget('a');
    expect(guard.firstTime('a', 2_000)).toBe(true);
    expect(guard.firstTime('b', 2_000)).toBe(true);
    expect(guard.firstTime('c', 2_000)).toBe(true); // full: the oldest ('a') goes
    expect(guard.firstTime('c', 3_000)).toBe(false);
    expect(guard.firstTime('b', 3_000)).toBe(false);
    expect(guard.firstTime('b', 2_000 + 361_000)).toBe(true); // expired with its freshness window
  });
});

describe('RateLimiter', () => {
  it('gives each name its own bucket: burst, then a wait, refilled at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(
      () => ({ requestsPerSecond: 2, burst: 3 }),
      () => now,
    );
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now = 500; // one request refilled
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  it('is off at requestsPerSecond 0', () => {
    const limiter = new RateLimiter(() => ({ requestsPerSecond: 0, burst: 1 }));
    expect(Array.from({ length: 10 }, () => limiter.take('a'))).toEqual(Array(10).fill(0));
  });
});
