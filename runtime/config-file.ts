import { readFileSync } from 'node:fs';
import type { Config } from '../domain/config.js';
import { configFormatOf, parseConfigText, type ParseOptions } from '../domain/config-text.js';
import { formatFieldErrors, type FieldError } from '../domain/errors.js';

/** The config file could not be used; the message has one line per problem, with file and line. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: FieldError[],
  ) {
    super(`${file} is not a valid escalation config:\n${formatFieldErrors(errors, file)}`);
    this.name = 'ConfigFileError';
  }
}

export function loadConfigFile(file: string, env: Readonly<Record<string, string | undefined>> = process.env): Config {
  return readConfigFile(file, env).config;
}

/**
 * The config and, with `strictAt`, warnings about levels that can reach nobody at some time of
 * the week from that instant (`policy validate --strict`); each warning has its line.
 */
export function readConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ParseOptions = {},
): { config: Config; warnings: FieldError[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigFileError(file, [
      { path: '', message: `cannot read the file (${reason}); set ESCALATION_CONFIG to the config's path` },
    ]);
  }
  const parsed = parseConfigText(text, env, configFormatOf(file), options);
  if (!parsed.ok) throw new ConfigFileError(file, parsed.errors);
  return { config: parsed.config, warnings: parsed.warnings };
}
