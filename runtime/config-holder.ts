import type { Config } from '../domain/config.js';

/**
 * The config a long-running process (worker, API) works from, replaceable while it runs (a reload
 * on SIGHUP or POST /v1/admin/reload). Readers ask `current` each time instead of keeping the
 * Config they were built with, so a reload reaches them without restarting anything. Holds no
 * file and does no I/O: runtime/config-reload.ts reads and validates the file, then `replace`s.
 */
export class ConfigHolder {
  #config: Config;
  #generation = 1;

  constructor(config: Config) {
    this.#config = config;
  }

  get current(): Config {
    return this.#config;
  }

  /** Starts at 1 and counts every replace: a cheap "has it changed since I last looked?". */
  get generation(): number {
    return this.#generation;
  }

  /** Only ever called with a config that has passed the full schema. */
  replace(config: Config): void {
    this.#config = config;
    this.#generation += 1;
  }
}

/** A fixed config (tests, one-shot CLI commands) or a holder that reloads may replace. */
export type ConfigSource = Config | ConfigHolder;

export function holderOf(source: ConfigSource): ConfigHolder {
  return source instanceof ConfigHolder ? source : new ConfigHolder(source);
}
