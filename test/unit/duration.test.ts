import { describe, expect, it } from 'vitest';
import { Duration, formatDuration, parseDuration } from '../../domain/duration.js';

/** The milliseconds a value parses to, or the test fails saying why it was refused. */
function ms(value: string | number): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(value)} to parse, but it was refused: ${parsed.reason}`);
  return parsed.ms;
}

/** The reason a value was refused, or the test fails saying what it parsed to. */
function refusal(value: string | number): string {
  const parsed = parseDuration(value);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused, but it parsed to ${parsed.ms}ms`);
  return parsed.reason;
}

describe('parseDuration', () => {
  describe('reads the compact form', () => {
    it.each([
      ['0', 0],
      ['0s', 0],
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['1h30m', 5_400_000],
      ['2d', 172_800_000],
      ['1w', 604_800_000],
      ['1.5h', 5_400_000],
      ['1h0m30s250ms', 3_630_250],
    ])('reads %j as %d milliseconds', (text, expected) => {
      expect(ms(text)).toBe(expected);
    });
  });

  describe('reads ISO-8601 durations', () => {
    it.each([
      ['PT15M', 900_000],
      ['P1DT2H', 93_600_000],
      ['PT0.5S', 500],
      ['P2D', 172_800_000],
      ['P1W', 604_800_000],
      ['PT1H30M', 5_400_000],
      ['pt15m', 900_000],
    ])('reads %j as %d milliseconds', (text, expected) => {
      expect(ms(text)).toBe(expected);
    });
  });

  describe('takes numbers as milliseconds', () => {
    it.each([
      [0, 0],
      [1, 1],
      [250, 250],
      [86_400_000, 86_400_000],
    ])('reads %d as %d milliseconds', (value, expected) => {
      expect(ms(value)).toBe(expected);
    });
  });

  it('rounds fractional milliseconds to whole ones', () => {
    expect(ms(1.6)).toBe(2);
  });

  it('ignores whitespace around the text', () => {
    expect(ms('  5m ')).toBe(300_000);
  });

  it('refuses "15 minutes" and suggests 15m', () => {
    const reason = refusal('15 minutes');
    expect(reason).toContain('"15 minutes" is not a duration');
    expect(reason).toContain('use 15m');
  });

  it.each([
    ['2 hours', '2h'],
    ['30 seconds', '30s'],
    ['3 days', '3d'],
    ['1 week', '1w'],
    ['250 milliseconds', '250ms'],
  ])('refuses %j and suggests %s', (text, suggestion) => {
    expect(refusal(text)).toContain(`use ${suggestion}`);
  });

  it('refuses the empty string, naming the accepted forms', () => {
    expect(refusal('')).toMatch(/is not a duration; use a form such as .*5m.*PT15M/);
  });

  it('refuses "abc", quoting it', () => {
    expect(refusal('abc')).toContain('"abc" is not a duration');
  });

  it('refuses "5x", an unknown unit', () => {
    expect(refusal('5x')).toContain('"5x" is not a duration');
  });

  it('refuses a bare number in text, which has no unit', () => {
    expect(refusal('500')).toContain('"500" is not a duration');
  });

  it.each(['P1M', 'P1Y', 'P2Y6M', 'P1M2D'])('refuses %j because months and years have no fixed length', (text) => {
    expect(refusal(text)).toContain('years or months, which have no fixed length');
  });

  it('refuses a calendar unit even when a time part follows it (P1YT2H)', () => {
    expect(refusal('P1YT2H')).toContain('years or months, which have no fixed length');
  });

  it.each(['P', 'PT', 'P1DT'])('refuses the incomplete ISO duration %j', (text) => {
    expect(refusal(text)).toContain('is not a duration');
  });

  it.each([-1, -0.5, -60_000])('refuses the negative number %d', (value) => {
    expect(refusal(value)).toContain('use a non-negative number of milliseconds');
  });

  it.each(['-5m', '-5'])('refuses the negative text %j', (text) => {
    expect(refusal(text)).toContain('is not a duration');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('refuses the non-finite number %d', (value) => {
    expect(refusal(value)).toContain('is not a duration');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [30_000, '30s'],
    [300_000, '5m'],
    [5_400_000, '1h30m'],
    [172_800_000, '2d'],
    [93_600_000, '1d2h'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('formats %d milliseconds as %j', (value, expected) => {
    expect(formatDuration(value)).toBe(expected);
  });

  it.each([0, 1, 999, 1_000, 61_000, 300_000, 5_400_000, 90_061_001, 604_800_000, 2_592_000_000])(
    'parses its own output for %d milliseconds back to the same value',
    (value) => {
      expect(ms(formatDuration(value))).toBe(value);
    },
  );

  it.each(['0s', '500ms', '5m', '1h30m', '2d', '1d2h3m4s5ms'])('formats the parse of %j back to the same text', (text) => {
    expect(formatDuration(ms(text))).toBe(text);
  });

  it('formats a duration that rounds to nothing as 0s, never as an empty string', () => {
    expect(formatDuration(0.4)).toBe('0s');
  });
});

describe('the Duration schema', () => {
  it('yields milliseconds for a valid duration', () => {
    expect(Duration.parse('1h30m')).toBe(5_400_000);
  });

  it('yields milliseconds for a number', () => {
    expect(Duration.parse(750)).toBe(750);
  });

  it('fails with the parser’s reason as the issue message', () => {
    const result = Duration.safeParse('15 minutes');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['"15 minutes" is not a duration; use 15m']);
  });
});
