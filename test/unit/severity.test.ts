import { describe, expect, it } from 'vitest';
import { SEVERITIES, SeverityName, higherSeverity, isAtLeast, normalizeSeverity, severityRank } from '../../domain/severity.js';

describe('severity order', () => {
  it('lists the severities lowest first: debug, info, warning, error, critical', () => {
    expect([...SEVERITIES]).toEqual(['debug', 'info', 'warning', 'error', 'critical']);
  });

  it('ranks each severity above the one before it', () => {
    expect(['debug', 'info', 'warning', 'error', 'critical'].map((s) => severityRank(s as (typeof SEVERITIES)[number]))).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('counts a severity as at least itself', () => {
    expect(isAtLeast('warning', 'warning')).toBe(true);
  });

  it('counts error as at least warning', () => {
    expect(isAtLeast('error', 'warning')).toBe(true);
  });

  it('does not count info as at least warning', () => {
    expect(isAtLeast('info', 'warning')).toBe(false);
  });

  it('picks the higher of two severities whichever comes first', () => {
    expect([higherSeverity('info', 'critical'), higherSeverity('critical', 'info')]).toEqual(['critical', 'critical']);
  });
});

describe('normalizeSeverity', () => {
  it.each(['debug', 'info', 'warning', 'error', 'critical'] as const)('keeps the level %s as it is', (level) => {
    expect(normalizeSeverity(level)).toBe(level);
  });

  // DESIGN.md section 4: high→error, low→info, L1→critical, L2→warning, L3→info, P1..P5.
  it.each([
    ['high', 'error'],
    ['low', 'info'],
    ['L1', 'critical'],
    ['L2', 'warning'],
    ['L3', 'info'],
    ['P1', 'critical'],
    ['P2', 'error'],
    ['P3', 'warning'],
    ['P4', 'info'],
    ['P5', 'debug'],
  ])('reads the alias %s as %s', (alias, level) => {
    expect(normalizeSeverity(alias)).toBe(level);
  });

  it.each([
    ['CRITICAL', 'critical'],
    ['Warning', 'warning'],
    ['HIGH', 'error'],
    ['l1', 'critical'],
    ['p5', 'debug'],
  ])('ignores case: %s is %s', (text, level) => {
    expect(normalizeSeverity(text)).toBe(level);
  });

  it('ignores whitespace around the name', () => {
    expect(normalizeSeverity('  critical ')).toBe('critical');
  });

  it.each(['urgent', 'P6', 'L4', '', 'sev1'])('does not know %j', (text) => {
    expect(normalizeSeverity(text)).toBeUndefined();
  });

  // A plain object's prototype must not pass for an alias table entry.
  it.each(['constructor', '__proto__', 'valueOf'])('does not take the object property %j for a severity', (text) => {
    expect(normalizeSeverity(text)).toBeUndefined();
  });
});

describe('the SeverityName schema', () => {
  it('yields the canonical level for an alias', () => {
    expect(SeverityName.parse('P2')).toBe('error');
  });

  it('refuses an unknown name with a message listing every level', () => {
    const result = SeverityName.safeParse('urgent');
    expect(result.success).toBe(false);
    const message = result.error?.issues[0]?.message ?? '';
    expect(message).toContain('"urgent" is not a severity');
    expect(message).toContain('debug, info, warning, error, critical');
  });

  it('refuses the object property name "constructor"', () => {
    expect(SeverityName.safeParse('constructor').success).toBe(false);
  });
});
