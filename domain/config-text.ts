import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { Config } from './config.js';
import { checkConfig } from './config-checks.js';
import { coverageGaps } from './coverage.js';
import { formatPath, type FieldError } from './errors.js';

/**
 * Turns a config file's text into a validated Config: YAML (JSON is YAML too), then `${ENV}`
 * substitution in every string, then the schema. Pure: the caller passes the environment.
 * Then the checks the schema cannot express (domain/config-checks.ts): what would otherwise fail
 * only when a page goes out. Every error names the file, line, field path and reason, and all of
 * them are reported at once.
 */
export type ConfigParse = { ok: true; config: Config; warnings: FieldError[] } | { ok: false; errors: FieldError[] };

export interface ParseOptions {
  /**
   * Also warn about levels that can reach nobody at some time of the week (`policy validate
   * --strict`), over the week from this instant.
   */
  strictAt?: number;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function parseConfigText(text: string, env: Readonly<Record<string, string | undefined>>, options: ParseOptions = {}): ConfigParse {
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
  const raw: unknown = doc.toJS();
  const errors: FieldError[] = [];
  const substituted = substitute(raw, [], env, errors);
  for (const error of errors) locate(error, doc, lineCounter);
  if (errors.length > 0) return { ok: false, errors };

  const located = (problem: { path: PropertyKey[]; message: string }): FieldError => {
    const error: FieldError = { path: formatPath(problem.path), message: problem.message, segments: problem.path };
    locate(error, doc, lineCounter);
    return error;
  };
  const parsed = Config.safeParse(substituted);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map(located) };
  const config = withEnvironment(parsed.data, env);
  const problems = checkConfig(config);
  if (problems.length > 0) return { ok: false, errors: problems.map(located) };
  if (options.strictAt === undefined) return { ok: true, config, warnings: [] };
  return { ok: true, config, warnings: coverageGaps(config, options.strictAt).map(located) };
}

/**
 * An environment gate without `gates.environment` takes ESCALATION_ENV, so a config need not
 * spell `environment: ${ESCALATION_ENV}`. Without enabledEnvironments nothing changes.
 */
function withEnvironment(config: Config, env: Readonly<Record<string, string | undefined>>): Config {
  const fromEnv = env['ESCALATION_ENV'];
  if (config.gates.enabledEnvironments === undefined || config.gates.environment !== undefined || !fromEnv) return config;
  return { ...config, gates: { ...config.gates, environment: fromEnv } };
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
