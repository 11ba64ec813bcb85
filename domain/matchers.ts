import { RE2JS } from 're2js';
import { z } from 'zod';

/**
 * Alertmanager-style label matchers: `name=value`, `name!=value`, `name=~regex`, `name!~regex`.
 * Regexes are anchored at both ends, as Alertmanager reads them (`team=~db|storage` matches `db`,
 * not `dbx`). A label the alert does not carry reads as the empty string, so `severity!=info`
 * matches an alert without a severity label. Pure: parsed on use, validated at config load.
 *
 * Regexes are RE2, as Alertmanager's Go regexps are: matching takes time linear in the label's
 * length whatever the pattern (`(a+)+` cannot freeze the API), and what RE2 lacks (backreferences,
 * lookaround) is refused when the config loads.
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
    if (value.length > MAX_PATTERN_LENGTH) {
      return {
        ok: false,
        reason: `"${text.slice(0, 40)}…": the regular expression is ${value.length} characters; at most ${MAX_PATTERN_LENGTH}`,
      };
    }
    try {
      compiled(value);
    } catch (error) {
      return {
        ok: false,
        reason:
          `"${text}": ${value} is not a valid regular expression in RE2 syntax, as Alertmanager reads it ` +
          `(${error instanceof Error ? error.message : String(error)}); RE2 has no backreferences or lookaround`,
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
      return compiled(matcher.value).matches(actual);
    case '!~':
      return !compiled(matcher.value).matches(actual);
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

/** Longer patterns are refused at load: a route matcher is a few alternatives, not a program. */
export const MAX_PATTERN_LENGTH = 1000;

/** Compiled patterns, by source; bounded, since a config holds a fixed, small set of them. */
const cache = new Map<string, RE2JS>();
const CACHE_SIZE = 500;

/** RE2 `matches` is anchored at both ends, as Alertmanager anchors its regexps. */
function compiled(pattern: string): RE2JS {
  let found = cache.get(pattern);
  if (!found) {
    found = RE2JS.compile(pattern);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(pattern, found);
  }
  return found;
}

function unquote(raw: string): string {
  if (raw.length >= 2 && ((raw.startsWith('"') && raw.endsWith('"')) || (raw.startsWith("'") && raw.endsWith("'")))) {
    return raw.slice(1, -1).replace(/\\(["'\\])/g, '$1');
  }
  return raw;
}
