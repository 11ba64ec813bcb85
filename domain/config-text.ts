import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { Config } from './config.js';
import { formatPath, type FieldError } from './errors.js';

/**
 * Turns a config file's text into a validated Config: YAML (JSON is YAML too), then `${ENV}`
 * substitution in every string, then the schema. Pure: the caller passes the environment.
 * Every error names the file, line, field path and reason, and all of them are reported at once.
 */
export type ConfigParse = { ok: true; config: Config } | { ok: false; errors: FieldError[] };

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A config is a few hundred lines; a file past this is a mistake (or an attack), refused before parsing. */
export const MAX_CONFIG_CHARACTERS = 1024 * 1024;
/** Aliases (`*name`) a config may resolve; each expands its anchor, so a few nested ones make an alias bomb. */
export const MAX_CONFIG_ALIASES = 100;

export function parseConfigText(text: string, env: Readonly<Record<string, string | undefined>>): ConfigParse {
  if (text.length > MAX_CONFIG_CHARACTERS) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `the file is ${text.length} characters; a config may have at most ${MAX_CONFIG_CHARACTERS} (1 MiB): is this the right file?`,
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return { path: '', message: error.message.split('\n')[0] ?? error.message, line: pos.line, column: pos.col };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_CONFIG_ALIASES });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount (or name no anchor).
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `the YAML aliases (*name) expand too far or name no anchor (${reason}); write the values out, or use fewer aliases (at most ${MAX_CONFIG_ALIASES})`,
        },
      ],
    };
  }
  const errors: FieldError[] = [];
  const substituted = substitute(raw, [], env, errors);
  for (const error of errors) locate(error, doc, lineCounter);
  if (errors.length > 0) return { ok: false, errors };

  const parsed = Config.safeParse(substituted);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const error: FieldError = { path: formatPath(issue.path), message: issue.message, segments: issue.path };
      locate(error, doc, lineCounter);
      return error;
    }),
  };
}

function substitute(value: unknown, path: PropertyKey[], env: Readonly<Record<string, string | undefined>>, errors: FieldError[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (whole, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      errors.push({
        path: formatPath(path),
        segments: path,
        message: `environment variable ${name} is not set (referenced as ${whole}); export it, or write \${${name}:-default}`,
      });
      return whole;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, [...path, index], env, errors));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, [...path, key], env, errors)]));
  }
  return value;
}

/** Adds the line and column of the field (or its nearest parent that exists in the file). */
function locate(error: FieldError, doc: Document, lineCounter: LineCounter): void {
  const segments = [...(error.segments ?? [])];
  while (segments.length > 0) {
    const node: unknown = doc.getIn(
      segments.map((s) => (typeof s === 'symbol' ? String(s) : s)),
      true,
    );
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      error.line = pos.line;
      error.column = pos.col;
      return;
    }
    segments.pop();
  }
}
