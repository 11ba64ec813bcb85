import { userInfo } from 'node:os';
import { Command, CommanderError } from 'commander';
import { Client } from '@temporalio/client';
import { fieldErrors, formatFieldErrors } from '../../domain/errors.js';
import { loadConfigFile, readConfigFile, ConfigFileError } from '../../runtime/config-file.js';
import { WORKING_STATUSES } from '../../domain/working-status.js';
import { WorkingStatusBody } from '../../domain/working-status-schema.js';
import { readEnv } from '../../runtime/env.js';
import { connectTemporal, temporalTarget, TemporalSettingsError } from '../../runtime/temporal.js';
import { IncidentClient, IncidentMoveRefusedError, IncidentNotFoundError, InvalidIncidentRequestError } from '../incidents.js';
import { CliUsageError, registerApiCommands } from './api-commands.js';
import { formatRecord, formatStartResult } from './format.js';
import { SearchAttributeConflictError } from './setup.js';
import { runDev } from './dev.js';
import { runWorkerCommand, WorkerCannotConnectError } from './worker.js';
import { registerPolicyCommands, registerReloadCommand } from './policy-commands.js';
import { registerImportCommand } from './import-command.js';
import { registerReplayCommand } from './replay.js';
import { ResponderSettingsError } from '../../runtime/responder.js';
import { registerResponderCommands } from './responder-commands.js';
import { registerRotationCommand } from './rotation-command.js';
import { RotationNotFoundError } from '../rotations.js';
import { registerHeartbeatCommands } from './heartbeat-commands.js';
import { HeartbeatNotFoundError } from '../heartbeats.js';
import { registerMaintenanceCommands } from './maintenance-commands.js';
import { MaintenanceConflictError, MaintenanceNotFoundError } from '../maintenance.js';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, invalid: 2, notFound: 3, refused: 4 } as const;

const DEFAULT_CONFIG = 'examples/escalation.yaml';

interface GlobalOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  config?: string;
}

function program(): Command {
  const env = readEnv();
  const cli = new Command('escalate')
    .description('Durable incident escalation on Temporal')
    // No defaults here: the SDK's environment configuration (TEMPORAL_ADDRESS, a TOML profile) fills them in.
    .option('--address <host:port>', 'Temporal server address (env TEMPORAL_ADDRESS, default localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default default)')
    .option('--task-queue <name>', 'task queue of the escalation workers (env ESCALATION_TASK_QUEUE)', env.ESCALATION_TASK_QUEUE)
    .option('--config <file>', 'escalation config file (env ESCALATION_CONFIG)', env.ESCALATION_CONFIG ?? DEFAULT_CONFIG)
    .showHelpAfterError()
    .exitOverride();

  cli
    .command('dev')
    .description(
      'run everything locally: Temporal dev server with Web UI, the worker, and a demo incident (ESCALATION_ENV defaults to development)',
    )
    .option('--no-demo', 'do not start the demo incident')
    .option('--port <port>', 'Temporal gRPC port', (v) => Number(v), 7233)
    .option('--ui-port <port>', 'Temporal Web UI port', (v) => Number(v), 8233)
    .option('--db <file>', 'SQLite file that keeps incidents across restarts', '.data/temporal-dev.sqlite')
    .action(async (options: { demo: boolean; port: number; uiPort: number; db: string }) => {
      const globals = cli.opts<GlobalOptions>();
      await runDev({
        ...options,
        configFile: globals.config ?? DEFAULT_CONFIG,
        namespace: globals.namespace ?? env.TEMPORAL_NAMESPACE,
        taskQueue: globals.taskQueue ?? 'escalation',
      });
    });

  cli
    .command('worker')
    .description('run an escalation worker against a Temporal server (stateless; run as many as you like)')
    .action(async () => {
      const globals = cli.opts<GlobalOptions>();
      await runWorkerCommand({
        target: targetOf(globals),
        taskQueue: globals.taskQueue ?? env.ESCALATION_TASK_QUEUE,
        configFile: globals.config ?? DEFAULT_CONFIG,
        env,
        ...(env.METRICS_PORT !== undefined && { metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST } }),
      });
    });

  cli
    .command('start')
    .description('open an incident (or count an occurrence on the open one with the same key)')
    .requiredOption('--summary <text>', 'what is wrong, at most 500 characters')
    .requiredOption('--severity <level>', 'debug, info, warning, error, critical (or high, low, P1..P5, L1..L3)')
    .option('--service <name>', 'the affected service')
    .option('--source <name>', 'who raised it', 'cli')
    .option('--key <key>', 'dedup key (default: a hash of source, service and summary)')
    .option('--policy <name>', 'escalation policy (default: the routes decide)')
    .option('--label <k=v>', 'a label, repeatable', collectLabel, {} as Record<string, string>)
    .option('--json', 'print the result as JSON')
    .option('--wait [seconds]', 'wait for the first page (default up to 60 s) and print it', (v) => Number(v))
    .action(
      async (options: {
        wait?: number | true;
        summary: string;
        severity: string;
        service?: string;
        source: string;
        key?: string;
        policy?: string;
        label: Record<string, string>;
        json?: boolean;
      }) => {
        const incidents = await connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL);
        const result = await incidents.startIncident({
          summary: options.summary,
          severity: options.severity,
          source: options.source,
          ...(options.service !== undefined && { service: options.service }),
          ...(options.key !== undefined && { key: options.key }),
          ...(options.policy !== undefined && { policy: options.policy }),
          ...(Object.keys(options.label).length > 0 && { labels: options.label }),
        });
        print(options.json && options.wait === undefined, result, formatStartResult(result));
        if (options.wait === undefined || !result.escalated) return;
        const seconds = options.wait === true || !Number.isFinite(options.wait) ? 60 : options.wait;
        const { record, paged } = await incidents.waitForFirstPage(result.incidentId, seconds * 1000);
        if (options.json) print(true, { ...result, paged, ...(record && { record }) }, '');
        else if (record) print(false, record, formatRecord(record, { timeline: true }));
        if (!paged) {
          throw new FirstPageTimeoutError(
            `${result.incidentId} is accepted, but no page went out within ${seconds} s: is an escalation worker running on task queue ${cli.opts<GlobalOptions>().taskQueue ?? env.ESCALATION_TASK_QUEUE}?`,
          );
        }
      },
    );

  const answers: [string, string, 'acknowledge' | 'resolve' | 'cancel' | 'escalate', string][] = [
    ['ack', 'acknowledge an incident: escalation stops', 'acknowledge', 'note'],
    ['resolve', 'resolve an incident: it closes', 'resolve', 'note'],
    ['cancel', 'cancel an incident (false alarm): it closes', 'cancel', 'reason'],
    ['escalate', 'escalate an incident to its next level now', 'escalate', 'reason'],
  ];
  for (const [name, description, operation, textOption] of answers) {
    const command = cli
      .command(`${name} <incident>`)
      .description(`${description}; <incident> is <key> or incident-<key>`)
      .option('--by <who>', 'who is doing it', defaultActor())
      .option(`--${textOption} <text>`, textOption === 'note' ? 'a note for the timeline' : 'why')
      .option('--json', 'print the incident record as JSON');
    if (operation === 'escalate')
      command.option(
        '--to-level <n>',
        'page this level now (1-based) instead of the next; an acknowledged incident becomes ACTIVE',
        toNumber,
      );
    command.action(async (id: string, options: { by: string; note?: string; reason?: string; toLevel?: number; json?: boolean }) => {
      const incidents = await connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL);
      const text = options.note ?? options.reason;
      const record =
        operation === 'escalate'
          ? await incidents.escalate(id, options.by, text, options.toLevel !== undefined ? { toLevel: options.toLevel } : {})
          : await incidents[operation](id, options.by, text);
      print(options.json, record, formatRecord(record, { timeline: false }));
    });
  }

  registerResponderCommands(cli, {
    connect: () => connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL),
    defaultActor: defaultActor(),
    print,
  });

  registerMaintenanceCommands(cli, {
    connect: () => connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL),
    defaultActor: defaultActor(),
    print,
  });

  cli
    .command('annotate <incident>')
    .description("add a note to an incident's timeline; <incident> is <key> or incident-<key>")
    .requiredOption('--note <text>', 'the note')
    .option('--by <who>', 'who writes it', defaultActor())
    .option('--json', 'print the incident record as JSON')
    .action(async (id: string, options: { note: string; by: string; json?: boolean }) => {
      const incidents = await connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL);
      const record = await incidents.annotate(id, options.by, options.note);
      print(options.json, record, formatRecord(record, { timeline: true }));
    });

  cli
    .command('status <incident> <status>')
    .description(`set the working status of an acknowledged incident: ${WORKING_STATUSES.join(', ')}`)
    .option('-m, --note <text>', 'what the responders know or do now')
    .option('--by <who>', 'who says so', defaultActor())
    .option('--json', 'print the incident record as JSON')
    .action(async (id: string, status: string, options: { note?: string; by: string; json?: boolean }) => {
      const body = WorkingStatusBody.safeParse({ status, by: options.by, ...(options.note !== undefined && { note: options.note }) });
      if (!body.success) throw new CliUsageError(fieldErrors(body.error));
      const incidents = await connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL);
      const record = await incidents.setWorkingStatus(id, options.by, body.data.status, body.data.note);
      print(options.json, record, formatRecord(record, { timeline: true }));
    });

  registerApiCommands(cli, { env, globals: () => cli.opts<GlobalOptions>(), defaultConfig: DEFAULT_CONFIG, print });
  registerHeartbeatCommands(cli, { env, globals: () => cli.opts<GlobalOptions>(), defaultConfig: DEFAULT_CONFIG, print });

  cli
    .command('show <incident>')
    .description('show an incident: state, level, notifications and timeline')
    .option('--json', 'print the incident record as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const incidents = await connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL);
      const record = await incidents.getIncident(id);
      print(options.json, record, formatRecord(record, { timeline: true }));
    });

  registerRotationCommand(cli, () => connect(cli.opts<GlobalOptions>(), env.TEMPORAL_UI_URL), print);
  registerImportCommand(cli);

  const policy = cli.command('policy').description('work with escalation config files');
  registerPolicyCommands(policy);
  registerReloadCommand(policy);
  registerReplayCommand(policy);
  policy
    .command('validate <file>')
    .description('check a config file without starting anything; lists every problem with its line')
    .option('--json', 'print the result as JSON')
    .option('--strict', 'also warn about levels that can reach nobody at some time of the coming week (a gap in who is reachable)')
    .action((file: string, options: { json?: boolean; strict?: boolean }) => {
      const { config, warnings } = readConfigFile(file, process.env, options.strict ? { strictAt: Date.now() } : {});
      // Warnings do not fail the command: the config works, but some page may reach nobody.
      if (warnings.length > 0 && !options.json) {
        process.stderr.write(
          `${formatFieldErrors(
            warnings.map((w) => ({ ...w, message: `warning: ${w.message}` })),
            file,
          )}\n`,
        );
      }
      const summary = {
        valid: true,
        file,
        ...((options.strict || warnings.length > 0) && {
          warnings: warnings.map(({ path, message, line, column }) => ({ path, message, line, column })),
        }),
        policies: config.policies.map((p) => ({ name: p.name, levels: p.levels.length })),
        routes: config.routes.length,
        users: config.directory.users.length,
        teams: config.directory.teams.length,
        schedules: config.directory.schedules.length,
      };
      print(
        options.json,
        summary,
        `${file} is valid: ${summary.policies.map((p) => `${p.name} (${p.levels} levels)`).join(', ')}; ${summary.routes} route(s), ` +
          `${summary.users} user(s), ${summary.teams} team(s), ${summary.schedules} schedule(s)` +
          (options.strict || warnings.length > 0 ? `; ${warnings.length} warning(s)` : ''),
      );
    });

  return cli;
}

/** Where Temporal is: the SDK's environment configuration, with --address and --namespace winning. */
export function targetOf(options: GlobalOptions) {
  return temporalTarget(process.env, { address: options.address, namespace: options.namespace });
}

async function connect(options: GlobalOptions, uiUrl: string | undefined): Promise<IncidentClient> {
  const config = loadConfigFile(options.config ?? DEFAULT_CONFIG);
  const target = targetOf(options);
  const connection = await connectTemporal(target);
  const client = new Client({ connection, namespace: target.namespace });
  return new IncidentClient({
    client,
    config,
    ...(options.taskQueue !== undefined && { taskQueue: options.taskQueue }),
    ...(uiUrl !== undefined && { uiUrl }),
  });
}

/** `start --wait` saw no page in time: the alert is accepted and safe, but nobody was paged yet. */
class FirstPageTimeoutError extends Error {}

function collectLabel(value: string, labels: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new CommanderError(EXIT.invalid, 'escalate.label', `--label ${value}: write labels as name=value`);
  return { ...labels, [value.slice(0, at)]: value.slice(at + 1) };
}

/** A number option as written; the schema behind the call says whether it is a good one. */
function toNumber(value: string): number {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
}

function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
    if (error.code === 'escalate.reload' || error.code === 'escalate.import') {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    if (error.code !== 'escalate.label') return EXIT.invalid;
    process.stderr.write(`${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof CliUsageError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof SearchAttributeConflictError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.failure;
  }
  if (error instanceof FirstPageTimeoutError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.failure;
  }
  if (error instanceof TemporalSettingsError || error instanceof WorkerCannotConnectError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof ConfigFileError || error instanceof ResponderSettingsError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof InvalidIncidentRequestError) {
    // The client library checks a start's body and an answer's options (escalate --to-level) alike.
    process.stderr.write(`the request is not valid; nothing was started or changed:\n${formatFieldErrors(error.errors)}\n`);
    return EXIT.invalid;
  }
  if (error instanceof RotationNotFoundError || error instanceof HeartbeatNotFoundError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.notFound;
  }
  if (error instanceof IncidentNotFoundError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.notFound;
  }
  if (error instanceof MaintenanceNotFoundError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT.notFound;
  }
  if (error instanceof IncidentMoveRefusedError || error instanceof MaintenanceConflictError) {
    process.stderr.write(`refused: ${error.message}\n`);
    return EXIT.refused;
  }
  process.stderr.write(`escalate: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failure;
}
