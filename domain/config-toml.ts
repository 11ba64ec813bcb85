import { parse, TomlDate, TomlError } from 'smol-toml';
import type { FieldError } from './errors.js';

/**
 * TOML config text: parsed to the same plain value YAML gives, plus an index from field paths to
 * the lines that define them, so a schema error in `escalation.toml` names its line as one in
 * `escalation.yaml` does. Pure.
 */
export type TomlParse = { ok: true; value: unknown; lines: TomlLineIndex } | { ok: false; errors: FieldError[] };

export function parseTomlText(text: string): TomlParse {
  let value: unknown;
  try {
    value = plain(parse(text));
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0] ?? error.message;
      return { ok: false, errors: [{ path: '', message: reason, line: error.line, column: error.column }] };
    }
    throw error;
  }
  return { ok: true, value, lines: indexTomlLines(text) };
}

/**
 * TOML dates and times become the strings the schema reads: `2026-01-05`, `08:00` (seconds dropped
 * when zero, as `handoff` takes them), `2026-12-24T18:00:00Z` (milliseconds dropped when zero).
 */
function plain(value: unknown): unknown {
  if (value instanceof TomlDate) {
    const text = value.toISOString().replace(/\.000(?=$|Z|[+-]\d)/, '');
    return value.isTime() && text.endsWith(':00') ? text.slice(0, 5) : text;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  }
  return value;
}

/** Field path (`policies.0.levels.1.delay`) → where it is defined: 1-based line and column. */
export type TomlLineIndex = ReadonlyMap<string, { line: number; column: number }>;

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const DOTTED_KEY = new RegExp(String.raw`^\s*(${KEY}(?:\s*\.\s*${KEY})*)\s*=`);
const TABLE = new RegExp(String.raw`^\s*(\[\[?)\s*(${KEY}(?:\s*\.\s*${KEY})*)\s*\]\]?`);

/**
 * Walks the text line by line as a TOML reader does: `[table]` and `[[array.of.tables]]` headers
 * set the current path (an array of tables counts its elements), `key = value` lines add the key
 * under it. Values spanning lines (arrays, multi-line strings) are skipped over; a field inside
 * one is found through its nearest indexed parent.
 */
export function indexTomlLines(text: string): TomlLineIndex {
  const index = new Map<string, { line: number; column: number }>();
  const arrayLengths = new Map<string, number>();
  let table: string[] = [];
  let openBrackets = 0;
  let openString: '"""' | "'''" | undefined;

  text.split(/\r?\n/).forEach((content, i) => {
    const line = i + 1;
    if (openString) {
      if (content.split(openString).length % 2 === 0) openString = undefined;
      return;
    }
    if (openBrackets > 0) {
      openBrackets += bracketBalance(content);
      return;
    }
    const header = TABLE.exec(content);
    if (header?.[1] && header[2]) {
      const keys = splitKey(header[2]);
      const path: string[] = [];
      keys.forEach((key, k) => {
        path.push(key);
        const joined = path.join('.');
        const isNewElement = header[1] === '[[' && k === keys.length - 1;
        const length = (arrayLengths.get(joined) ?? 0) + (isNewElement ? 1 : 0);
        if (isNewElement) arrayLengths.set(joined, length);
        if (length > 0) path.push(String(length - 1));
      });
      table = path;
      if (!index.has(path.join('.'))) index.set(path.join('.'), { line, column: content.indexOf('[') + 1 });
      return;
    }
    const assignment = DOTTED_KEY.exec(content);
    if (!assignment?.[1]) return;
    const path = [...table, ...splitKey(assignment[1])].join('.');
    index.set(path, { line, column: content.search(/\S/) + 1 });
    const rest = content.slice(assignment[0].length);
    const triple = /"""|'''/.exec(rest);
    if (triple && rest.split(triple[0]).length % 2 === 0) openString = triple[0] as '"""' | "'''";
    else openBrackets = Math.max(0, bracketBalance(rest));
  });
  return index;
}

/** `a."b.c".d` → `['a', 'b.c', 'd']`. */
function splitKey(dotted: string): string[] {
  const keys: string[] = [];
  const pattern = new RegExp(KEY, 'g');
  for (const match of dotted.matchAll(pattern)) {
    const key = match[0];
    keys.push(key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key);
  }
  return keys;
}

/** Opening minus closing brackets and braces outside strings and comments. */
function bracketBalance(content: string): number {
  let balance = 0;
  let quote: string | undefined;
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') break;
    else if (c === '[' || c === '{') balance++;
    else if (c === ']' || c === '}') balance--;
  }
  return balance;
}

/** The line of the field, or of its nearest parent that the text defines. */
export function locateToml(segments: readonly PropertyKey[], lines: TomlLineIndex): { line: number; column: number } | undefined {
  const path = segments.map(String);
  while (path.length > 0) {
    const found = lines.get(path.join('.'));
    if (found) return found;
    path.pop();
  }
  return undefined;
}
