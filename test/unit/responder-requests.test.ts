import { describe, expect, it } from 'vitest';
import { ReassignTargets, SnoozeFor, targetFromText } from '../../domain/responder-requests.js';

describe('responder requests', () => {
  it.each([
    ['user:dana', { type: 'user', id: 'dana' }],
    ['team:sre', { type: 'team', id: 'sre' }],
    ['schedule:primary', { type: 'schedule', id: 'primary' }],
    ['email:dana@example.com', { type: 'email', address: 'dana@example.com' }],
    ['phone:+15551234567', { type: 'phone', address: '+15551234567' }],
    ['webhook:https://hooks.example.com/a?b=c', { type: 'webhook', url: 'https://hooks.example.com/a?b=c' }],
    ['channel:slack:#db-oncall', { type: 'channel', provider: 'slack', id: '#db-oncall' }],
  ])('reads the CLI target %s', (text, target) => {
    expect(targetFromText(text)).toEqual(target);
    expect(ReassignTargets.parse([targetFromText(text)])).toEqual([target]);
  });

  it.each([
    [[], 'name at least one target to page'],
    [[targetFromText('user')], 'must not be empty'],
    [[targetFromText('pager:bob')], "Expected 'user' | 'team' | 'schedule'"],
    [[targetFromText('email:not-an-address')], 'must be an email address'],
  ])('refuses the targets %j, saying why', (targets, message) => {
    const parsed = ReassignTargets.safeParse(targets);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });

  it.each([
    ['30m', 1_800_000],
    ['PT2H', 7_200_000],
    ['7d', 604_800_000],
  ])('takes a snooze of %s', (text, ms) => {
    expect(SnoozeFor.parse(text)).toBe(ms);
  });

  it.each([
    ['0s', 'must be longer than 0'],
    ['8d', 'must be at most 7d; resolve the incident, or snooze it again when this one ends'],
    ['half an hour', 'is not a duration'],
  ])('refuses a snooze of %s', (text, message) => {
    const parsed = SnoozeFor.safeParse(text);
    expect(parsed.error?.issues[0]?.message).toContain(message);
  });
});
