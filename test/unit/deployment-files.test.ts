import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClientConfigProfile } from '@temporalio/envconfig';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Env } from '../../runtime/env.js';
import { DEFAULT_TASK_QUEUE } from '../../workflows/messages.js';
import { runEscalate } from '../helpers/cli.js';

/**
 * docker-compose.yml, Dockerfile and .dockerignore, checked statically: this machine has no Docker
 * engine, so these tests catch what would otherwise break only on someone else's `docker compose up`
 * (a wrong start order, an env name nothing reads, a command the CLI lacks, a path the build
 * context leaves out).
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The services that run our image, and the one-shot among them. */
const ENGINE_SERVICES = ['setup', 'api', 'worker'] as const;

// ---- docker-compose.yml, typed through the parts these tests read -------------------------------

/** Compose accepts a map or a `NAME=value` list; a name without a value is passed through (null). */
const Environment = z
  .union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(z.string())])
  .transform((env): Record<string, string | null> => {
    const entries: [string, string | null][] = Array.isArray(env)
      ? env.map((item) => {
          const at = item.indexOf('=');
          return at < 0 ? [item, null] : [item.slice(0, at), item.slice(at + 1)];
        })
      : Object.entries(env).map(([name, value]) => [name, value === null ? null : String(value)]);
    return Object.fromEntries(entries);
  });

const DependsOn = z
  .union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string().default('service_started') }))])
  .transform((deps): Record<string, string> =>
    Array.isArray(deps)
      ? Object.fromEntries(deps.map((name) => [name, 'service_started']))
      : Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition])),
  );

const Service = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() })]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  environment: Environment.default({}),
  depends_on: DependsOn.default({}),
  healthcheck: z.object({ test: z.union([z.string(), z.array(z.string())]).optional(), disable: z.boolean().optional() }).optional(),
  ports: z
    .array(z.union([z.string(), z.object({ target: z.number(), published: z.union([z.string(), z.number()]).optional() })]))
    .default([]),
  volumes: z.array(z.string()).default([]),
  configs: z.array(z.object({ source: z.string(), target: z.string() })).default([]),
  deploy: z.object({ replicas: z.number().optional() }).optional(),
  restart: z.string().optional(),
});
type Service = z.infer<typeof Service>;

const Compose = z.object({
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown().nullable()).default({}),
  configs: z.record(z.string(), z.object({ content: z.string().optional(), file: z.string().optional() })).default({}),
});

// Compose understands YAML merge keys (`<<: *engine`); the yaml package needs to be told.
const compose = Compose.parse(parse(read('docker-compose.yml'), { merge: true }));

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/**
 * A value as compose resolves it when the operator sets nothing: `${NAME:-default}` takes its
 * default, `${NAME}` is empty, `$$` is a literal `$`.
 */
function withDefaults(value: string): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_match, _name: string, fallback: string | undefined) => fallback ?? '')
    .replace(/\$\$/g, '$');
}

/** The environment a service's container gets with nothing set: pass-through names are absent. */
function resolvedEnv(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment).flatMap(([key, value]) => (value === null ? [] : [[key, withDefaults(value)]])),
  );
}

function envValue(serviceName: string, key: string): string {
  const value = resolvedEnv(serviceName)[key];
  if (value === undefined) throw new Error(`${serviceName} sets no ${key}`);
  return value;
}

function commandOf(name: string): string[] {
  const command = service(name).command;
  if (command === undefined) return [];
  return typeof command === 'string' ? command.split(/\s+/) : command;
}

/** `[ip:]published:target[/protocol]` or the long form, as { published, target }. */
function portsOf(name: string): { published: string | undefined; target: number }[] {
  return service(name).ports.map((port) => {
    if (typeof port !== 'string')
      return { published: port.published === undefined ? undefined : String(port.published), target: port.target };
    const parts = withDefaults(port)
      .replace(/\/\w+$/, '')
      .split(':');
    return { published: parts.length > 1 ? parts[parts.length - 2] : undefined, target: Number(parts[parts.length - 1]) };
  });
}

/** The bind mounts of a service as { source, target, readOnly } (named volumes included). */
function mountsOf(name: string): { source: string; target: string; readOnly: boolean }[] {
  return service(name).volumes.map((volume) => {
    const [source = '', target = '', mode = ''] = withDefaults(volume).split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

function imageTag(image: string): string {
  const at = image.lastIndexOf(':');
  return at < 0 ? 'latest' : image.slice(at + 1);
}

// ---- Dockerfile, as instructions grouped by stage ------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

function dockerfileStages(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      stages.push({ base: words[0] ?? '', name: words[2], instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const stages = dockerfileStages(read('Dockerfile'));
const finalStage = stages[stages.length - 1];
const stageNames = new Set(stages.flatMap((stage) => (stage.name ? [stage.name] : [])));

function instructions(stage: Stage | undefined, keyword: string): string[] {
  return (stage?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** A stage and the stages it is built FROM, nearest first. */
function lineage(stage: Stage): Stage[] {
  const parent = stages.find((other) => other.name === stage.base);
  return parent ? [stage, ...lineage(parent)] : [stage];
}

/** COPY's sources and destination, with its --from stage if any. */
function copies(stage: Stage): { from: string | undefined; sources: string[]; destination: string }[] {
  return instructions(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((word) => !word.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] ?? '' };
  });
}

/** The JSON exec form of ENTRYPOINT or CMD. */
function execForm(stage: Stage | undefined, keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const all = instructions(stage, keyword);
  const last = all[all.length - 1];
  if (last === undefined) throw new Error(`Dockerfile: the final stage has no ${keyword}`);
  return z.array(z.string()).parse(JSON.parse(last));
}

// ---- .dockerignore ----------------------------------------------------------------------------------

const ignorePatterns = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** Whether the build context leaves out a repository path (the pattern forms .dockerignore uses). */
function isIgnored(path: string): boolean {
  const segments = posix.normalize(path).replace(/^\.\//, '').replace(/\/$/, '').split('/');
  const prefixes = segments.map((_segment, index) => segments.slice(0, index + 1).join('/'));
  return ignorePatterns.some((pattern) => {
    if (pattern.startsWith('!')) return false;
    const matcher = new RegExp(
      `^${pattern
        .replace(/\/$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')}$`,
    );
    return prefixes.some((prefix) => matcher.test(prefix));
  });
}

// ---- what the code reads -------------------------------------------------------------------------

const packageJson = z
  .object({
    scripts: z.record(z.string(), z.string()).default({}),
    allowScripts: z.record(z.string(), z.boolean()).default({}),
  })
  .parse(JSON.parse(read('package.json')));

/** Every ${NAME} the config files in a directory reference (what compose must pass through). */
function configReferences(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(join(root, dir)).filter((f) => /\.(ya?ml|json)$/.test(f))) {
    for (const match of read(join(dir, file)).matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) names.add(match[1] ?? '');
  }
  return names;
}

let probeDir: string;

beforeAll(() => {
  probeDir = mkdtempSync(join(tmpdir(), 'deployment-files-'));
  writeFileSync(join(probeDir, 'a.toml'), '[profile.default]\naddress = "a.example:7233"\n[profile.probe]\naddress = "p.example:7233"\n');
  writeFileSync(join(probeDir, 'b.toml'), '[profile.default]\naddress = "b.example:7233"\n');
});

afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

/**
 * Whether the Temporal SDK's environment configuration reads a variable: the loaded profile changes
 * when it is set. Asked of the SDK itself, not of a list that could drift from it.
 */
function sdkReads(name: string): boolean {
  const base = { TEMPORAL_CONFIG_FILE: join(probeDir, 'a.toml') };
  const probe =
    name === 'TEMPORAL_CONFIG_FILE'
      ? join(probeDir, 'b.toml')
      : name === 'TEMPORAL_PROFILE'
        ? 'probe'
        : /^TEMPORAL_TLS(_DISABLE_HOST_VERIFICATION)?$/.test(name)
          ? 'true'
          : 'probe-value';
  const load = (env: Record<string, string>) => JSON.stringify(loadClientConfigProfile({ overrideEnvVars: env }));
  return load({ ...base, [name]: probe }) !== load(base);
}

/** The connection settings DESIGN.md section 8 names, as the SDK's environment configuration spells them. */
const CONNECTION_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

// ---- the tests ---------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('has every service of the production shape, with two workers', () => {
    for (const name of ['postgres', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'setup', 'api', 'worker']) {
      expect(compose.services, `service ${name}`).toHaveProperty(name);
    }
    expect(service('worker').deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('runs setup, the API and the workers from the one image the Dockerfile builds', () => {
    const images = ENGINE_SERVICES.map((name) => service(name).image);
    expect(new Set(images).size).toBe(1);
    for (const name of ENGINE_SERVICES) {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : build?.context;
      const dockerfile = (typeof build === 'object' && build.dockerfile) || 'Dockerfile';
      expect(context, `${name} builds from the repository root`).toBe('.');
      expect(existsSync(join(root, dockerfile)), `${name}'s ${dockerfile}`).toBe(true);
      // An entrypoint here would bypass the image's `node dist/client/cli/run.js`.
      expect(service(name).entrypoint, `${name} keeps the image's entrypoint`).toBeUndefined();
    }
  });

  it('starts in order: postgres healthy, schema set up, Temporal healthy, namespace ready, setup done, then API and workers', () => {
    expect(service('temporal-schema').depends_on).toEqual({ postgres: 'service_healthy' });
    expect(service('temporal').depends_on).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    expect(service('temporal-namespace').depends_on).toEqual({ temporal: 'service_healthy' });
    expect(service('temporal-ui').depends_on).toEqual({ temporal: 'service_healthy' });
    expect(service('setup').depends_on).toEqual({ temporal: 'service_healthy', 'temporal-namespace': 'service_completed_successfully' });
    expect(service('api').depends_on).toEqual({ setup: 'service_completed_successfully' });
    expect(service('worker').depends_on).toEqual({ setup: 'service_completed_successfully' });
  });

  it('waits only on health that is checked and on one-shots that finish', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [dependency, condition] of Object.entries(svc.depends_on)) {
        const target = service(dependency);
        if (condition === 'service_healthy') {
          // Without a healthcheck compose refuses to start the dependent service.
          expect(target.healthcheck?.test, `${name} waits for ${dependency} to be healthy`).toBeDefined();
          expect(target.healthcheck?.disable, `${dependency}'s healthcheck`).not.toBe(true);
        }
        if (condition === 'service_completed_successfully') {
          // A one-shot that restarts or runs twice would never count as completed.
          expect(target.restart ?? 'no', `${dependency} is a one-shot`).toBe('no');
          expect(target.deploy?.replicas ?? 1, `${dependency} runs once`).toBe(1);
        }
      }
    }
  });

  it('runs only commands the escalate CLI has', async () => {
    for (const name of ENGINE_SERVICES) {
      const [command, ...rest] = commandOf(name);
      expect(command, `${name} names a command`).toBeDefined();
      expect(rest, `${name} passes no extra arguments`).toEqual([]);
      // An unknown command would print the top-level usage instead.
      const { code, stdout } = await runEscalate([command ?? '', '--help']);
      expect(code).toBe(0);
      expect(stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: escalate ${command} `));
    }
    expect(commandOf('setup')).toEqual(['setup']);
    expect(commandOf('api')).toEqual(['api']);
    expect(commandOf('worker')).toEqual(['worker']);
  });

  it('gives our services only environment names the code, the Temporal SDK or the config file reads', () => {
    const ours = new Set(Object.keys(Env.shape));
    const configDir = mountsOf('worker').find((mount) => mount.target === '/config')?.source ?? '';
    const referenced = configReferences(configDir);
    for (const name of ENGINE_SERVICES) {
      for (const key of Object.keys(service(name).environment)) {
        const known = ours.has(key) || referenced.has(key) || (key.startsWith('TEMPORAL_') && sdkReads(key));
        expect(known, `${name}: ${key} is read by nothing`).toBe(true);
      }
    }
    // The probe itself tells a name the SDK reads from one it ignores.
    expect(sdkReads('TEMPORAL_API_KEY')).toBe(true);
    expect(sdkReads('TEMPORAL_UI_URL')).toBe(false);
  });

  it('hands every engine process the whole Temporal connection: address, namespace, TLS and API key', () => {
    for (const name of ENGINE_SERVICES) {
      for (const key of CONNECTION_VARIABLES) {
        expect(service(name).environment, `${name}`).toHaveProperty(key);
        expect(sdkReads(key), `the SDK reads ${key}`).toBe(true);
      }
      expect(envValue(name, 'TEMPORAL_ADDRESS')).toBe('temporal:7233');
    }
  });

  it('passes credentials and TLS settings through only when set, never as defaults in the file', () => {
    const passThrough = [...CONNECTION_VARIABLES.filter((key) => key.startsWith('TEMPORAL_TLS') || key === 'TEMPORAL_API_KEY')];
    for (const name of ENGINE_SERVICES) {
      for (const key of passThrough) {
        // `TEMPORAL_TLS: ${TEMPORAL_TLS:-false}` would switch off the TLS an API key turns on.
        expect(service(name).environment[key], `${name}: ${key}`).toBeNull();
      }
    }
    for (const key of ['ESCALATION_API_TOKEN', 'SLACK_SIGNING_SECRET']) expect(service('api').environment[key], key).toBeNull();
  });

  it('gives each engine process an environment its own schema accepts, on the default task queue', () => {
    for (const name of ENGINE_SERVICES) {
      const env = resolvedEnv(name);
      const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([key]) => key in Env.shape)));
      expect(parsed.error, `${name}: ${parsed.error?.message}`).toBeUndefined();
      expect(env.ESCALATION_TASK_QUEUE).toBe(DEFAULT_TASK_QUEUE);
    }
  });

  it('binds the API to every interface of its container on the port it publishes and checks', () => {
    expect(envValue('api', 'API_HOST')).toBe('0.0.0.0');
    const port = Number(envValue('api', 'PORT'));
    expect(portsOf('api').map((p) => p.target)).toContain(port);
    const check = JSON.stringify(service('api').healthcheck?.test ?? '');
    expect(check).toContain(`:${port}/healthz`);
    expect(check).not.toMatch(/curl|wget/); // neither is in the slim image
  });

  it('publishes the Temporal frontend and the Web UI where TEMPORAL_UI_URL points', () => {
    expect(portsOf('temporal').map((p) => p.target)).toContain(7233);
    const uiUrl = new URL(envValue('api', 'TEMPORAL_UI_URL'));
    expect(portsOf('temporal-ui')).toContainEqual({ published: uiUrl.port, target: 8080 });
  });

  it('checks the health of PostgreSQL, Temporal and the API', () => {
    for (const name of ['postgres', 'temporal', 'api']) expect(service(name).healthcheck?.test, name).toBeDefined();
  });

  it('keeps PostgreSQL data in a named volume', () => {
    const data = mountsOf('postgres').find((mount) => mount.target === '/var/lib/postgresql/data');
    expect(data).toBeDefined();
    expect(compose.volumes).toHaveProperty(data?.source ?? '');
  });

  it('mounts the config directory read-only and points ESCALATION_CONFIG at a valid file in it', async () => {
    for (const name of ENGINE_SERVICES) {
      const mount = mountsOf(name).find((m) => envValue(name, 'ESCALATION_CONFIG').startsWith(`${m.target}/`));
      expect(mount, `${name} mounts its ESCALATION_CONFIG`).toBeDefined();
      expect(mount?.readOnly, `${name} mounts it read-only`).toBe(true);
    }
    const mount = mountsOf('worker').find((m) => m.target === '/config');
    const file = join(mount?.source ?? '', posix.relative('/config', envValue('worker', 'ESCALATION_CONFIG')));
    const { code, stderr } = await runEscalate(['policy', 'validate', join(root, file)]);
    expect(code, stderr).toBe(0);
  });

  it('uses one database password and user for the schema tool, the server and PostgreSQL', () => {
    expect(envValue('temporal-schema', 'SQL_PASSWORD')).toBe(envValue('postgres', 'POSTGRES_PASSWORD'));
    expect(envValue('temporal', 'POSTGRES_PWD')).toBe(envValue('postgres', 'POSTGRES_PASSWORD'));
    expect(envValue('temporal-schema', 'SQL_USER')).toBe(envValue('postgres', 'POSTGRES_USER'));
    expect(envValue('temporal', 'POSTGRES_USER')).toBe(envValue('postgres', 'POSTGRES_USER'));
    expect(envValue('temporal-schema', 'SQL_PLUGIN')).toBe(envValue('temporal', 'DB'));
    expect(envValue('temporal-schema', 'SQL_HOST')).toBe('postgres');
    expect(envValue('temporal', 'POSTGRES_SEEDS')).toBe('postgres');
  });

  it('sets up the schema of both databases the server uses, from the same Temporal release', () => {
    const script = commandOf('temporal-schema').join('\n');
    for (const [database, schema] of [
      [resolvedEnv('temporal').DBNAME ?? 'temporal', 'temporal'],
      [resolvedEnv('temporal').VISIBILITY_DBNAME ?? 'temporal_visibility', 'visibility'],
    ] as const) {
      expect(script).toContain(`--db ${database} create-database`);
      expect(script).toContain(`--db ${database} setup-schema -v 0.0`);
      expect(script).toContain(`--db ${database} update-schema -d /etc/temporal/schema/postgresql/v12/${schema}/versioned`);
    }
    // The admin-tools image carries the schema files the server of the same release expects.
    expect(imageTag(service('temporal-schema').image ?? '')).toBe(imageTag(service('temporal').image ?? ''));
    expect(imageTag(service('temporal-namespace').image ?? '')).toBe(imageTag(service('temporal').image ?? ''));
  });

  it('gives the Temporal server the dynamic config file it will not start without', () => {
    const path = envValue('temporal', 'DYNAMIC_CONFIG_FILE_PATH');
    const mounted = service('temporal').configs.find((config) => config.target === path);
    expect(mounted, `a config mounted at ${path}`).toBeDefined();
    const content = compose.configs[mounted?.source ?? '']?.content;
    expect(content).toBeDefined();
    expect(parse(content ?? '')).toHaveProperty(['limit.maxIDLength']);
  });

  it('creates the engine namespace before setup registers its search attributes', () => {
    const script = commandOf('temporal-namespace').join('\n');
    expect(script).toContain('temporal operator namespace create');
    expect(envValue('temporal-namespace', 'NAMESPACE')).toBe(envValue('setup', 'TEMPORAL_NAMESPACE'));
    expect(envValue('temporal-namespace', 'ADDRESS')).toBe(envValue('setup', 'TEMPORAL_ADDRESS'));
  });

  it('pins every image it pulls to a version', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build !== undefined) continue;
      expect(svc.image, `${name} has an image`).toBeDefined();
      expect(imageTag(svc.image ?? ''), `${name}: ${svc.image}`).toMatch(/^\d+\.\d+(\.\d+)?$/);
    }
  });
});

describe('Dockerfile', () => {
  it('builds in stages on one pinned Node 20 image with glibc', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const external = stages.map((stage) => stage.base).filter((base) => !stageNames.has(base));
    expect(external.length).toBeGreaterThanOrEqual(1);
    // Debian (glibc): the Temporal core bridge ships no musl (Alpine) binary.
    for (const base of external) expect(base).toMatch(/^node:20\.\d+\.\d+-(bookworm|bullseye|trixie)(-slim)?$/);
    expect(new Set(external).size).toBe(1);
  });

  it('runs the final stage as a user other than root, in production mode', () => {
    const users = instructions(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    expect(instructions(finalStage, 'ENV').join(' ')).toMatch(/NODE_ENV=production/);
  });

  it('installs only production dependencies in the final stage', () => {
    expect(instructions(finalStage, 'RUN').some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
  });

  it('runs exactly the install scripts package.json allows, which is none', () => {
    // npm 11 runs only what allowScripts permits; the image's npm may be older, so every install
    // in the Dockerfile says --ignore-scripts. That is only right while nothing is allowed.
    expect(Object.values(packageJson.allowScripts).filter((allowed) => allowed)).toEqual([]);
    const installs = stages.flatMap((stage) => instructions(stage, 'RUN')).filter((run) => /npm (ci|install)\b/.test(run));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const run of installs) expect(run).toContain('--ignore-scripts');
  });

  it('builds dist/ with the workflow bundle and copies it into the final stage', () => {
    expect(finalStage).toBeDefined();
    const fromBuild = finalStage ? copies(finalStage).filter((copy) => copy.from !== undefined) : [];
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const copy of fromBuild) {
      const source = stages.find((stage) => stage.name === copy.from);
      expect(source, `stage ${copy.from}`).toBeDefined();
      const runs = (source ? lineage(source) : []).flatMap((stage) => instructions(stage, 'RUN'));
      expect(runs.some((run) => run.includes('npm run build'))).toBe(true);
      // The build stage fails the image build if either output is missing.
      expect(runs.some((run) => run.includes('test -f dist/workflow-bundle.js'))).toBe(true);
      expect(runs.some((run) => run.includes('test -f dist/client/cli/run.js'))).toBe(true);
      for (const path of copy.sources) expect(path).toMatch(/^(\/app\/)?dist(\/|$)/);
    }
    expect(fromBuild.flatMap((copy) => copy.sources).some((path) => /^(\/app\/)?dist\/?$/.test(path))).toBe(true);
  });

  it.skipIf(packageJson.scripts.build === undefined)('runs a build script package.json defines', () => {
    expect(packageJson.scripts.build).toBeDefined();
    expect(stages.flatMap((stage) => instructions(stage, 'RUN')).some((run) => run.includes('npm run build'))).toBe(true);
  });

  it('copies only paths that exist in the repository and that the build context keeps', () => {
    for (const stage of stages) {
      for (const copy of copies(stage).filter((c) => c.from === undefined)) {
        for (const source of copy.sources) {
          expect(existsSync(join(root, source)), `COPY ${source}`).toBe(true);
          if (source !== '.') expect(isIgnored(source), `.dockerignore drops ${source}`).toBe(false);
        }
      }
    }
  });

  it('starts the compiled CLI, with a default command the CLI has', async () => {
    expect(execForm(finalStage, 'ENTRYPOINT')).toEqual(['node', 'dist/client/cli/run.js']);
    // tsc keeps the layout: dist/client/cli/run.js is compiled from client/cli/run.ts.
    expect(existsSync(join(root, 'client/cli/run.ts'))).toBe(true);
    const [command] = execForm(finalStage, 'CMD');
    const { stdout } = await runEscalate([command ?? '', '--help']);
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: escalate ${command} `));
  });

  it('checks /healthz with node itself, since the slim image has no curl', () => {
    const checks = instructions(finalStage, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toContain('/healthz');
    expect(checks[0]).toMatch(/CMD \["node"/);
    expect(checks[0]).not.toMatch(/curl|wget/);
  });
});

describe('.dockerignore', () => {
  it('keeps host installs, local tools, data and old builds out of the build context', () => {
    for (const path of ['node_modules', '.tools', '.data', '.artifacts', 'dist', '.git', '.env']) {
      expect(isIgnored(path), path).toBe(true);
    }
    expect(isIgnored('node_modules/@temporalio/core-bridge/index.js')).toBe(true);
  });

  it('keeps everything the build reads', () => {
    const buildConfig = existsSync(join(root, 'tsconfig.build.json')) ? 'tsconfig.build.json' : 'tsconfig.json';
    const { include } = z.object({ include: z.array(z.string()) }).parse(JSON.parse(read(buildConfig)));
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', buildConfig, 'scripts', 'examples', ...include]) {
      expect(isIgnored(path), path).toBe(false);
    }
  });
});
