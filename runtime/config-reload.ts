import type { Logger } from 'pino';
import type { FieldError } from '../domain/errors.js';
import { policyVersion } from '../domain/policy-version.js';
import { ConfigFileError, loadConfigFile } from './config-file.js';
import type { ConfigHolder } from './config-holder.js';

export type ReloadResult =
  | { ok: true; file: string; generation: number; policies: { name: string; version: string }[] }
  | { ok: false; file: string; errors: FieldError[] };

/**
 * Reads the config file again and, only if the whole file validates, puts it in force: new
 * incidents use it, running incidents keep the policy snapshot they started with. A bad file is
 * refused with one error per field and the config in force stays as it was.
 */
export function reloadConfig(
  holder: ConfigHolder,
  file: string,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ReloadResult {
  try {
    const config = loadConfigFile(file, env);
    holder.replace(config);
    const policies = config.policies.map((p) => ({ name: p.name, version: policyVersion(p) }));
    logger.info(
      { config: file, generation: holder.generation, policies },
      'config reloaded: new incidents use it; running incidents keep their policy snapshot',
    );
    return { ok: true, file, generation: holder.generation, policies };
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    logger.error(
      { config: file, errors: error.errors },
      `config reload refused, the previous config stays in force; fix the file and reload again:\n${error.message}`,
    );
    return { ok: false, file, errors: error.errors };
  }
}

const registrations = new Map<string, { listener: () => void; users: number }>();

/**
 * Reloads `file` into `holder` on SIGHUP (`kill -HUP <pid>`). Idempotent: a worker and an API in
 * one process (`escalate dev`) asking for the same holder and file share one listener, and it is
 * removed when the last of them calls the returned function (which is itself safe to call twice).
 * While a listener is registered, SIGHUP no longer ends the process.
 */
export function reloadOnSighup(holder: ConfigHolder, file: string, logger: Logger): () => void {
  const id = `${holderId(holder)}\u0000${file}`;
  let registration = registrations.get(id);
  if (!registration) {
    const listener = () => {
      logger.info({ config: file }, 'SIGHUP: reloading the config file');
      reloadConfig(holder, file, logger);
    };
    registration = { listener, users: 0 };
    registrations.set(id, registration);
    process.on('SIGHUP', listener);
  }
  registration.users += 1;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const current = registrations.get(id);
    if (!current) return;
    current.users -= 1;
    if (current.users === 0) {
      process.removeListener('SIGHUP', current.listener);
      registrations.delete(id);
    }
  };
}

const ids = new WeakMap<ConfigHolder, number>();
let nextId = 0;
function holderId(holder: ConfigHolder): number {
  let id = ids.get(holder);
  if (id === undefined) {
    nextId += 1;
    id = nextId;
    ids.set(holder, id);
  }
  return id;
}
