import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { Config } from './config.js';
import { checkConfig, configAdvice } from './config-checks.js';
import { locateToml, parseTomlText } from './config-toml.js';
import { coverageGaps } from './coverage.js';
import { formatPath, type FieldError } from './errors.js';

/**
 * Turns a config file's text into a validated Config: YAML (JSON is YAML too) or TOML, then `${ENV}`
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
  /**
   * false: the schema only, without the load-time checks of domain/config-checks.ts. For a draft
   * that is not loaded to page anyone yet (`escalate import` writes one without providers).
   */
  loadTimeChecks?: boolean;
}

/** The config file's syntax: `yaml` also reads JSON. */
export type ConfigFormat = 'yaml' | 'toml';

/** `.toml` is TOML; `.yaml`, `.yml`, `.json` and anything else are read as YAML (JSON is YAML). */
export function configFormatOf(file: string): ConfigFormat {
  return /\.toml$/i.test(file) ? 'toml' : 'yaml';
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A config is a few hundred lines; a file past this is a mistake (or an attack), refused before parsing. */
export const MAX_CONFIG_CHARACTERS = 1024 * 1024;
/** Aliases (`*name`) a config may resolve; each expands its anchor, so a few nested ones make an alias bomb. */
export const MAX_CONFIG_ALIASES = 100;

type Position = { line: number; column: number };
type Locator = (segments: readonly PropertyKey[]) => Position | undefined;

export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  format: ConfigFormat = 'yaml',
  options: ParseOptions = {},
): ConfigParse {
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
  if (format === 'toml') {
    const parsed = parseTomlText(text);
    if (!parsed.ok) return parsed;
    return validate(parsed.value, env, options, (segments) => locateToml(segments, parsed.lines));
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
  return validate(raw, env, options, (segments) => locateYaml(segments, doc, lineCounter));
}

/** `${ENV}` substitution, the schema, then the load-time checks; each error placed by the format's locator. */
function validate(raw: unknown, env: Readonly<Record<string, string | undefined>>, options: ParseOptions, locate: Locator): ConfigParse {
  const place = (error: FieldError): FieldError => {
    const position = locate(error.segments ?? []);
    if (position) Object.assign(error, position);
    return error;
  };
  const errors: FieldError[] = [];
  const substituted = substitute(raw, [], env, errors);
  if (errors.length > 0) return { ok: false, errors: errors.map(place) };

  const located = (problem: { path: PropertyKey[]; message: string }): FieldError =>
    place({ path: formatPath(problem.path), message: problem.message, segments: problem.path });
  const parsed = Config.safeParse(substituted);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map(located) };
  const config = withEnvironment(parsed.data, env);
  if (options.loadTimeChecks === false) return { ok: true, config, warnings: [] };
  const problems = checkConfig(config);
  if (problems.length > 0) return { ok: false, errors: problems.map(located) };
  const advice = configAdvice(config).map(located);
  if (options.strictAt === undefined) return { ok: true, config, warnings: advice };
  return { ok: true, config, warnings: [...advice, ...coverageGaps(config, options.strictAt).map(located)] };
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

/** The line and column of the field (or its nearest parent that exists in the file). */
function locateYaml(path: readonly PropertyKey[], doc: Document, lineCounter: LineCounter): Position | undefined {
  const segments = [...path];
  while (segments.length > 0) {
    const node: unknown = doc.getIn(
      segments.map((s) => (typeof s === 'symbol' ? String(s) : s)),
      true,
    );
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
    segments.pop();
  }
  return undefined;
}
