// `npm run chaos`: failure runs that check "nothing is lost" (issue 9, DESIGN.md section 9).
//   npm run chaos                                   every scenario, 200 alerts each, on the dev server and on PostgreSQL
//   npm run chaos -- --topology dev                 the dev server only (or postgres)
//   npm run chaos -- --scenario worker-kill,no-worker --count 50 --kills 5
//   npm run chaos -- --source                       processes run the source through tsx, not `npm run build`'s dist/
//   npm run chaos -- --seed 7                        the same kill moments and answer plans as seed 7
//   npm run chaos -- --logs                         keep every process's output in .artifacts/chaos/logs/<topology>/<scenario>/
// Everything runs on 127.0.0.1 and stops by itself (a hard limit ends a stuck run); the figures go to
// stdout, to RELIABILITY.md (the topology's section, on a full run) and to .artifacts/chaos/<topology>.json.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineFacts } from '../report.js';
import { buildProduction, bundleWorkflowsOnce } from './bundle.js';
import { seededRandom, type ScenarioContext } from './alerts.js';
import { checkScenario } from './check.js';
import { explainAfterAnswer, latenessPhases, workflowTaskFailures } from './history.js';
import { CHAOS_DELIVERY, CHAOS_PLAN, WEBHOOK_TIMEOUT } from './policy.js';
import { goalLines, reliabilitySection, scenarioTables, violations, writeReliability, type Checked, type RunFacts } from './report.js';
import { SCENARIOS, type ScenarioSizes } from './scenarios.js';
import { startDevChaosServer, startPostgresChaosServer, type ChaosServer } from './server.js';
import { startChaosStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HARD_LIMIT_MS = 90 * 60_000;
const RESTART_DELAY_MS = 1_000;

/** The Temporal topologies a run can use. */
const TOPOLOGIES: Record<string, (log: (line: string) => void) => Promise<ChaosServer>> = {
  dev: startDevChaosServer,
  postgres: startPostgresChaosServer,
};

const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

/** A fresh directory for one scenario's process logs (`--logs`): one file per process, every life in it. */
function processLogDir(topology: string, scenario: string): string {
  const dir = join(ROOT, '.artifacts', 'chaos', 'logs', topology, scenario);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      count: { type: 'string', default: '200' },
      kills: { type: 'string', default: '20' },
      bounces: { type: 'string', default: '2' },
      topology: { type: 'string', default: 'all' },
      seed: { type: 'string' },
      source: { type: 'boolean', default: false },
      logs: { type: 'boolean', default: false },
    },
  });
  const names = values.scenario?.split(',') ?? SCENARIOS.map((s) => s.name);
  const scenarios = names.map((name) => {
    const found = SCENARIOS.find((s) => s.name === name);
    if (!found) throw new Error(`no scenario ${name}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return found;
  });
  const topologies = values.topology === 'all' ? Object.keys(TOPOLOGIES) : [values.topology];
  const count = Number(values.count);
  const sizes: ScenarioSizes = {
    workerKills: Number(values.kills),
    serverBounces: Number(values.bounces),
    serverDownMs: 3_000,
    settleMs: 120_000,
  };
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 1_000_000);
  const full = values.scenario === undefined && count >= 200 && sizes.workerKills >= 20;
  const command = `npm run chaos${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  let failed = 0;
  // Production's processes by default (compiled, prebuilt bundle); `--source` runs them through tsx.
  const build = values.source
    ? { entry: undefined, ...(await bundleWorkflowsOnce().then(({ path, ms }) => ({ bundle: path, ms }))) }
    : buildProduction();
  log(
    `${values.source ? 'workflows bundled' : 'npm run build'} in ${build.ms} ms; processes run ${build.entry ?? 'bin/escalate.mjs'}, workers load ${build.bundle}`,
  );

  for (const topology of topologies) {
    const startServer = TOPOLOGIES[topology];
    if (!startServer) throw new Error(`no topology ${topology}; choose from ${Object.keys(TOPOLOGIES).join(', ')} or all`);
    const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
    const startedAt = new Date().toISOString();
    const random = seededRandom(seed);
    const checked: Checked[] = [];
    let serverDescription = '';
    let topologyName = topology;
    for (const scenario of scenarios) {
      log(`${topology}: ${scenario.name}: starting the stack (${scenario.workers} worker(s))`);
      const server = await startServer(log);
      serverDescription = server.description;
      topologyName = server.topology;
      const stack = await startChaosStack({
        server,
        workers: scenario.workers,
        restartDelayMs: RESTART_DELAY_MS,
        workflowBundle: build.bundle,
        ...(build.entry !== undefined && { entry: build.entry }),
        ...(values.logs && { processLogs: processLogDir(topology, scenario.name) }),
        log,
      }).catch(async (error: unknown) => {
        await server.stop();
        throw error;
      });
      try {
        const ctx: ScenarioContext = { stack, count, runId: `${seed}${Date.now().toString(36).slice(-4)}`, random, log };
        log(`${topology}: ${scenario.name}: ${count} alerts`);
        const run = await scenario.run(ctx, sizes);
        const figures = checkScenario(run);
        figures.afterAnswerTraced = await explainAfterAnswer(server, figures.afterAnswer, 60);
        figures.historyPhases = await latenessPhases(server, run, 20);
        figures.taskFailures = await workflowTaskFailures(
          server,
          run.alerts.map((a) => a.id),
        );
        const one = { run, figures };
        checked.push(one);
        out(scenarioTables(one));
        failed += violations(figures);
      } finally {
        await stack.stop();
        await server.stop();
      }
    }
    const facts: RunFacts = {
      topology: topologyName,
      serverDescription,
      command,
      date: startedAt,
      cores: cpus().length,
      cpuModel: machineFacts().cpuModel,
      loadAtStart,
      loadAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      node: process.version,
      seed,
      count,
      policy: describePlan(),
      delivery: `${JSON.stringify(CHAOS_DELIVERY)}, webhook timeout ${WEBHOOK_TIMEOUT}`,
    };
    out(`\n${facts.topology}\n${goalLines(checked).join('\n')}`);
    const artifacts = join(ROOT, '.artifacts', 'chaos');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(
      join(artifacts, `${topology}.json`),
      JSON.stringify({ facts, scenarios: checked.map(({ run, figures }) => ({ ...run, figures })) }, null, 1),
    );
    if (full) {
      await writeReliability(join(ROOT, 'RELIABILITY.md'), facts.topology, reliabilitySection(facts, checked));
      log(`RELIABILITY.md: section "${facts.topology}" written`);
    } else {
      log('a partial run (fewer scenarios, alerts or kills): RELIABILITY.md left as it is');
    }
  }
  log(failed === 0 ? 'every invariant held' : `${failed} invariant violation(s): see the problems above`);
  return failed === 0 ? 0 : 1;
}

function describePlan(): string {
  const levels = CHAOS_PLAN.levels.map(
    (l, i) =>
      `L${i + 1} after ${l.delayMs} ms → ${l.paths.length} webhook(s)${l.repeat ? `, repeated ${l.repeat.count}× every ${l.repeat.intervalMs} ms` : ''}`,
  );
  return `${levels.join('; ')}; finalWait ${CHAOS_PLAN.finalWaitMs} ms, repeatPolicy 0`;
}

const limit = setTimeout(() => {
  log(`hard limit of ${HARD_LIMIT_MS / 60_000} minutes reached: stopping everything`);
  process.exit(2);
}, HARD_LIMIT_MS);
limit.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
