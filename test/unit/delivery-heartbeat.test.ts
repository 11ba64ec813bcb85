import { describe, expect, it } from 'vitest';
import { deliveryHeartbeatTimeoutMs } from '../../domain/delivery.js';

describe('deliveryHeartbeatTimeoutMs', () => {
  it.each([
    // attempt timeout, beats from the start (the patch), heartbeat timeout
    { attempt: 30_000, beats: true, expected: 5_000, why: 'the default attempt: a dead worker costs 5 s, not 30' },
    { attempt: 2_000, beats: true, expected: 2_000, why: 'a shorter attempt times out first anyway' },
    { attempt: 5_000, beats: true, expected: 5_000, why: 'equal' },
    { attempt: 30_000, beats: false, expected: 30_000, why: 'before the patch: never before the attempt' },
    { attempt: 2_000, beats: false, expected: 10_000, why: 'before the patch: at least 10 s' },
  ])('$attempt ms, beats from the start $beats → $expected ms ($why)', ({ attempt, beats, expected }) => {
    expect(deliveryHeartbeatTimeoutMs(attempt, beats)).toBe(expected);
  });
});
