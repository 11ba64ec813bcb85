import { z } from 'zod';

/**
 * Alertmanager-style label matchers: `name=value`, `name!=value`, `name=~regex`, `name!~regex`.
 * Regexes are anchored at both ends, as Alertmanager reads them (`team=~db|storage` matches `db`,
 * not `dbx`). A label the alert does not carry reads as the empty string, so `severity!=info`
 * matches an alert without a severity label. Pure: parsed on use, validated at config load.
 */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOperator;
  value: string;
  /** The matcher as written, for explanations. */
  text: string;
}

export type MatcherParse = { ok: true; matcher: LabelMatcher } | { ok: false; reason: string };

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

export function parseMatcher(text: string): MatcherParse {
  const found = MATCHER.exec(text);
  if (!found) {
    return { ok: false, reason: `"${text}" is not a matcher; write name=value, name!=value, name=~regex or name!~regex` };
  }
  const [, name = '', op = '=', raw = ''] = found;
  const value = unquote(raw);
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(anchored(value));
    } catch (error) {
      return {
        ok: false,
        reason: `"${text}": ${value} is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }
  return { ok: true, matcher: { name, op: op as MatchOperator, value, text } };
}

/** A matcher field in the config: checked when the file loads, so a typo names its field path. */
export const MatcherText = z.string().superRefine((text, ctx) => {
  const parsed = parseMatcher(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', input: text, message: parsed.reason });
});

export function matchesLabels(matcher: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return new RegExp(anchored(matcher.value)).test(actual);
    case '!~':
      return !new RegExp(anchored(matcher.value)).test(actual);
    default: {
      const unknownOp: never = matcher.op;
      throw new Error(`unknown matcher operator ${String(unknownOp)}`);
    }
  }
}

export interface MatcherResult {
  matcher: string;
  matched: boolean;
  /** The label's value as the alert carries it (absent: undefined). */
  actual: string | undefined;
}

/** Evaluates matchers as written in a config (already validated); a bad one counts as failed. */
export function evaluateMatchers(texts: readonly string[], labels: Readonly<Record<string, string>>): MatcherResult[] {
  return texts.map((text) => {
    const parsed = parseMatcher(text);
    if (!parsed.ok) return { matcher: text, matched: false, actual: undefined };
    return { matcher: text, matched: matchesLabels(parsed.matcher, labels), actual: labels[parsed.matcher.name] };
  });
}

function anchored(pattern: string): string {
  return `^(?:${pattern})$`;
}

function unquote(raw: string): string {
  if (raw.length >= 2 && ((raw.startsWith('"') && raw.endsWith('"')) || (raw.startsWith("'") && raw.endsWith("'")))) {
    return raw.slice(1, -1).replace(/\\(["'\\])/g, '$1');
  }
  return raw;
}
