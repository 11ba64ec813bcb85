// `npm run bench:engine`: the engine core before and after a change, and a bare Temporal workflow of
// the same shape, measured in one run on one dev server. What it measures and the figures:
// BENCHMARKS.md, "Engine core: before and after (bench/engine)".
//   npm run bench:engine -- --quick                 small sizes, to try the bench itself
//   npm run bench:engine -- --only cpu,memory       some sections
//   npm run bench:engine -- --before <rev> --big    another before, and 10,000 open incidents
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { makeOwnedTempDir } from '../../local-temporal/processes.js';
import { DEFAULT_SQLITE_PRAGMAS, startDevServer, type DevServer } from '../../worker/dev-server.js';
import { resolveTemporalCli } from '../../worker/temporal-binary.js';
import { startReceiver, type Receiver } from '../receiver.js';
import { machineFacts } from '../report.js';
import { buildRevision, cacheRoot, resolveBefore, ROOT, snapshotWorkingTree, type Build } from './builds.js';
import { cacheSizeNote } from './cache-size.js';
import { sectionTable, type SectionResult } from './markdown.js';
import { parseOptions, USAGE, type Options, type VariantName } from './options.js';
import { productConfig } from './policies.js';
import { stopAll } from './processes.js';
import { loadAverage } from './proc.js';
import { cpuSection } from './section-cpu.js';
import { latencySection, throughputSection } from './section-latency.js';
import { memorySection } from './section-memory.js';
import { stormSection } from './section-storm.js';
import { targetsTable } from './targets.js';
import { profileReport } from './profile.js';
import type { World } from './variants.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`[bench:engine ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}

// Every wait inside has its own timeout; this bounds the whole run on top of them.
const hardLimitMin = (options.sections.includes('big') ? 240 : 120) / (options.quick ? 2 : 1);
const hardLimit = setTimeout(() => {
  process.stderr.write(`bench:engine: still running after ${hardLimitMin} min; giving up (children are stopped on exit)\n`);
  process.exit(2);
}, hardLimitMin * 60_000);
hardLimit.unref();

const began = Date.now();
const facts = machineFacts();
const givenBefore = !options.before && process.env.ENGINE_BEFORE ? `ENGINE_BEFORE=${process.env.ENGINE_BEFORE} ` : '';
const command = `${givenBefore}npm run bench:engine${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const json: Record<string, unknown> = { command, options: { ...options }, machine: facts };
const { variants } = options;

out(`## Engine core: before / after / bare (bench/engine)\n`);
out(`- command: \`${command}\`${options.quick ? ' (quick: small sizes)' : ''}, started ${new Date(began).toISOString()}`);
out(`- machine: ${facts.cpus} × ${facts.cpuModel}, ${facts.memoryGiB} GiB, Node ${facts.node}; ${facts.temporal.split('\n')[0]}`);
out(`- load average at the start: ${loadAverage().join(' ')}`);
if (options.profile) out("- --profile: the workers run under `node --cpu-prof`, so their figures include the profiler's overhead");

const work = makeOwnedTempDir('bench-engine-run-');
const removeWork = () => rmSync(work, { recursive: true, force: true });
process.on('exit', removeWork);
let server: DevServer | undefined;
let receiver: Receiver | undefined;
let connection: Connection | undefined;

const stopEverything = async () => {
  await stopAll().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await receiver?.close().catch(() => undefined);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping every child process`);
    void stopEverything().finally(() => process.exit(130));
  });
}

/**
 * The temporal binary behind `setpriv --pdeathsig KILL` (exec all the way, so the pid is the
 * server's): startDevServer stops it on exit, and this also when the bench is SIGKILLed (tsx kills
 * a child that is slow to acknowledge a Ctrl-C).
 */
function dyingWithUs(cli: string): string {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/setpriv')) return cli;
  const wrapper = join(work, 'temporal');
  writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/setpriv --pdeathsig KILL -- '${cli.replace(/'/g, "'\\''")}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

const runId = randomUUID().slice(0, 6);
const profileDir = options.profile
  ? join(ROOT, '.artifacts', 'engine-prof', `${new Date(began).toISOString().replace(/[:.]/g, '-')}-${runId}`)
  : undefined;

async function prepare(): Promise<World> {
  const builds: Partial<Record<VariantName, Build>> = {};
  const revisions = [
    ...(variants.includes('before') ? [resolveBefore(options.before)] : []),
    ...(variants.includes('after') ? [snapshotWorkingTree()] : []),
  ];
  for (const revision of revisions) {
    out(`- ${revision.variant}: ${revision.describe}`);
    const build = await buildRevision(revision, log);
    builds[revision.variant] = build;
    out(`  built ${build.cached ? 'earlier (cached)' : `now in ${(build.buildMs / 1000).toFixed(0)} s`}: ${build.dir}/dist`);
  }
  if (variants.includes('bare')) out('- bare: bench/engine/bare-workflow.ts (four pages as activities, four timers), bundled now');

  receiver = await startReceiver();
  const dynamicConfig = options.timerShift ? { 'history.timerProcessorMaxTimeShift': options.timerShift } : {};
  server = await startDevServer({
    cliPath: dyingWithUs(resolveTemporalCli().path),
    ui: false,
    dbFilename: join(work, 'temporal.sqlite'),
    sqlitePragmas: DEFAULT_SQLITE_PRAGMAS,
    dynamicConfig,
  });
  const pragmas = Object.entries(DEFAULT_SQLITE_PRAGMAS).map(([k, v]) => `--sqlite-pragma ${k}=${v}`);
  const shift = options.timerShift
    ? `--dynamic-config-value history.timerProcessorMaxTimeShift="${options.timerShift}" (as the test suite; sub-second timers fire on time)`
    : 'the default timer shift (1 s: sub-second timers may fire up to 1 s late)';
  out(
    `- dev server: \`temporal server start-dev --headless\` (worker/dev-server.ts) on one SQLite file in a temp dir, ${pragmas.join(' ')}, ${shift}; pid ${server.pid}`,
  );
  out(`- webhooks: bench/receiver.ts on ${receiver.base}; every process on 127.0.0.1`);
  connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });

  const bareBundlePath = join(work, 'bare-workflow-bundle.js');
  if (variants.includes('bare')) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(ROOT, 'bench', 'engine', 'bare-workflow.ts'),
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(bareBundlePath, code);
  }
  const delays = { openDelayMs: options.sizes.openDelayMs, bigDelayMs: options.sizes.bigDelayMs };
  const configFiles: Partial<Record<VariantName, string>> = {};
  for (const variant of ['before', 'after'] as const) {
    if (!builds[variant]) continue;
    const file = join(work, `${variant}-escalation.yaml`);
    writeFileSync(file, `${JSON.stringify(productConfig(receiver.base, variant, delays), null, 2)}\n`);
    configFiles[variant] = file;
  }
  out(
    `- product processes per section: \`node <build>/dist/client/cli/run.js worker\` and \`… api --port 0 --json\`, LOG_LEVEL=info, a fresh task queue each; builds cached under ${cacheRoot()}`,
  );
  return {
    target: { address: server.address, namespace: server.namespace },
    serverPid: server.pid,
    client,
    receiver,
    logDir: work,
    apiToken: randomBytes(24).toString('hex'),
    delays,
    sizes: options.sizes,
    configFiles,
    builds,
    bareBundlePath,
    runId,
    profileDir,
  };
}

async function sections(world: World): Promise<SectionResult[]> {
  const results: SectionResult[] = [];
  const show = (result: SectionResult) => {
    results.push(result);
    out(sectionTable(result, variants));
    out(`\n(load average now ${loadAverage().join(' ')})`);
  };
  const note = cacheSizeNote(world.builds, variants.includes('bare'));
  out(`- worker cache: ${note}`);
  for (const section of options.sections) {
    log(`section ${section}`);
    if (section === 'cpu') for (const r of await cpuSection(world, variants, log)) show(r);
    else if (section === 'latency') show(await latencySection(world, variants, log));
    else if (section === 'throughput') show(await throughputSection(world, variants, facts.cpus, log));
    else if (section === 'storm') show(await stormSection(world, variants, log));
    else if (section === 'memory') show(await memorySection(world, variants, false, note, log));
    else show(await memorySection(world, variants, true, note, log));
  }
  return results;
}

let failed = false;
try {
  const world = await prepare();
  const results = await sections(world);
  json.sections = Object.assign({}, ...results.map((r) => r.json));
  out(targetsTable(json.sections, variants));
} catch (error) {
  failed = true;
  process.stderr.write(`bench:engine failed: ${(error as Error).stack ?? String(error)}\n`);
} finally {
  await stopEverything();
}
// The workers have exited (gracefully: SIGTERM), so every thread has written its profile.
if (profileDir) out(`${profileReport(profileDir)}\n\n(profiles kept in ${profileDir})`);
const elapsed = Math.round((Date.now() - began) / 1000);
json.loadAverageAtEnd = loadAverage();
json.elapsedSeconds = elapsed;
out(`\n- finished in ${Math.floor(elapsed / 60)} min ${elapsed % 60} s; load average at the end: ${loadAverage().join(' ')}`);
out(`\nBENCH_ENGINE_JSON ${JSON.stringify(json)}`);
process.exit(failed ? 1 : 0);
