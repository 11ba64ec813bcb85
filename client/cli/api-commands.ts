import { Command } from 'commander';
import { Client, type Connection } from '@temporalio/client';
import type { z } from 'zod';
import { fieldErrors, type FieldError } from '../../domain/errors.js';
import { ConfigFileError, loadConfigFile } from '../../runtime/config-file.js';
import { reloadOnSighup } from '../../runtime/config-reload.js';
import type { Env } from '../../runtime/env.js';
import { createLogger } from '../../runtime/logger.js';
import { startApi } from '../api/app.js';
import { IncidentClient } from '../incidents.js';
import { analyticsCsv } from '../../domain/analytics.js';
import { oncallLoadCsv } from '../../domain/oncall-load.js';
import { analytics, AnalyticsQuery, oncallLoadReport, OncallLoadQuery } from '../analytics.js';
import { incidentStats, StatsQuery } from '../stats.js';
import { formatAnalytics, formatOncallLoad } from './format-analytics.js';
import { listIncidents, ListOptions } from '../visibility.js';
import { formatShadowReport, shadowReport, ShadowReportQuery } from '../shadow.js';
import { setupSearchAttributes } from './setup.js';
import { HeartbeatClient, type HeartbeatSyncResult } from '../heartbeats.js';
import { connectTemporal, temporalTarget } from '../../runtime/temporal.js';
import { responderRuntime } from '../../runtime/responder.js';

/** Options that do not parse (a state that does not exist, a window that is not a duration). */
export class CliUsageError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `--${e.path}: ${e.message}`).join('\n'));
    this.name = 'CliUsageError';
  }
}

export interface CommandContext {
  env: Env;
  globals: () => { address?: string; namespace?: string; taskQueue?: string; config?: string };
  defaultConfig: string;
  print(json: boolean | undefined, value: unknown, text: string): void;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliUsageError(fieldErrors(parsed.error));
  return parsed.data;
}

/** The config file and a Temporal client as the global options and the environment name them. */
export async function openTemporal(ctx: CommandContext) {
  const g = ctx.globals();
  const configFile = g.config ?? ctx.defaultConfig;
  const config = loadConfigFile(configFile);
  const target = temporalTarget(process.env, { address: g.address, namespace: g.namespace });
  const connection = await connectTemporal(target);
  const client = new Client({ connection, namespace: target.namespace });
  return { config, configFile, connection, client, taskQueue: g.taskQueue ?? ctx.env.ESCALATION_TASK_QUEUE };
}

/** `api`, `list`, `stats`, `setup`: the commands beside start/ack/resolve that read visibility or serve HTTP. */
export function registerApiCommands(cli: Command, ctx: CommandContext): void {
  const open = async () => {
    const { config, configFile, connection, client, taskQueue } = await openTemporal(ctx);
    const incidents = new IncidentClient({
      client,
      config,
      taskQueue,
      ...(ctx.env.TEMPORAL_UI_URL && { uiUrl: ctx.env.TEMPORAL_UI_URL }),
    });
    return { config, configFile, connection, client, incidents };
  };

  cli
    .command('api')
    .description('serve the HTTP API (incidents, webhooks, Slack) against a Temporal server; runs until Ctrl-C')
    .option('--port <port>', 'port to listen on, 0 for a free one (env PORT)', (v) => Number(v), ctx.env.PORT)
    .option('--host <host>', 'address to bind (env API_HOST)', ctx.env.API_HOST)
    .option('--json', 'print the listening address as JSON')
    .action(async (options: { port: number; host: string; json?: boolean }) => {
      // Links on without a secret: refuse before connecting to anything.
      responderRuntime(loadConfigFile(ctx.globals().config ?? ctx.defaultConfig), ctx.env, '');
      const { config, configFile, connection, incidents } = await open();
      const logger = createLogger(ctx.env.LOG_LEVEL);
      const api = await startApi({
        incidents,
        configFile,
        logger,
        port: options.port,
        host: options.host,
        ...(ctx.env.ESCALATION_API_TOKEN && { apiToken: ctx.env.ESCALATION_API_TOKEN }),
        ...(ctx.env.SLACK_SIGNING_SECRET && { slackSigningSecret: ctx.env.SLACK_SIGNING_SECRET }),
        responderEnv: ctx.env,
      });
      if (config.api.tokens.length === 0 && !ctx.env.ESCALATION_API_TOKEN) {
        logger.warn('no API token is configured: write endpoints answer 401; set ESCALATION_API_TOKEN or api.tokens in the config');
      }
      ctx.print(
        options.json,
        { url: api.url, openapi: `${api.url}/openapi.json` },
        `API listening on ${api.url} (OpenAPI at ${api.url}/openapi.json)`,
      );
      // The same reload as POST /v1/admin/reload, for operators with a shell rather than a token.
      const stopReloading = reloadOnSighup(incidents.configHolder, configFile, logger);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      stopReloading();
      await api.close();
      await connection.close();
    });

  cli
    .command('list')
    .description('list incidents from Temporal visibility, newest first (a change shows a moment after it happened)')
    .option('--state <state>', 'PENDING, ACTIVE, ESCALATING, ACKNOWLEDGED, RESOLVED, CANCELLED, TIMED_OUT, FAILED')
    .option('--severity <level>', 'debug, info, warning, error, critical (or an alias)')
    .option('--service <name>', 'the affected service')
    .option('--policy <name>', 'the escalation policy')
    .option('--level <n>', 'the current escalation level')
    .option('--limit <n>', 'at most this many (1..200)', '50')
    .option('--cursor <cursor>', 'the next page, as the previous page printed it')
    .option('--json', 'print the page as JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const { json, ...filters } = options;
      const query = parse(ListOptions, Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)));
      const { connection, incidents } = await open();
      try {
        const page = await listIncidents({ client: incidents.temporal, taskQueue: incidents.taskQueue }, query);
        const rows = page.incidents.map(
          (i) =>
            `${i.key.padEnd(30)} ${(i.state ?? '?').padEnd(12)} ${(i.severity ?? '').padEnd(8)} L${i.level ?? 0}  ${(i.service ?? '-').padEnd(14)} ${i.policy ?? ''}  ${i.startedAt ?? ''}`,
        );
        const text = [
          rows.length ? rows.join('\n') : 'no incidents match',
          ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
        ].join('\n');
        ctx.print(json === true, page, text);
      } finally {
        await connection.close();
      }
    });

  cli
    .command('stats')
    .description(
      'incident counts, MTTA and MTTR over a window; with --by, analytics by service, policy or responder; with --oncall-load, pages per person per week',
    )
    .option('--window <duration>', 'how far back: 24h, 7d, PT1H (default 24h; 30d with --by or --oncall-load)')
    .option('--by <grouping>', 'service, policy or responder: MTTA/MTTR p50 and p90, escalations, breaches per group')
    .option('--oncall-load', 'pages per person per week, in business hours, off hours and at night')
    .option('--timezone <zone>', 'with --oncall-load: the zone of people without one in the directory', 'UTC')
    .option('--limit <n>', 'with --by or --oncall-load: read at most this many incident records', '500')
    .option('--csv', 'with --by or --oncall-load: print CSV')
    .option('--json', 'print the figures as JSON')
    .action(
      async (options: {
        window?: string;
        by?: string;
        oncallLoad?: boolean;
        timezone: string;
        limit: string;
        csv?: boolean;
        json?: boolean;
      }) => {
        const window = options.window !== undefined && { window: options.window };
        if (options.by !== undefined || options.oncallLoad) {
          const format = options.csv ? 'csv' : 'json';
          const base = { ...window, format, limit: options.limit };
          const load = options.oncallLoad ? parse(OncallLoadQuery, { ...base, timezone: options.timezone }) : undefined;
          const grouped = load ? undefined : parse(AnalyticsQuery, { ...base, by: options.by });
          const { connection, incidents, config } = await open();
          try {
            const scope = { client: incidents.temporal, taskQueue: incidents.taskQueue };
            if (load) {
              const answer = await oncallLoadReport(scope, incidents, config, load);
              ctx.print(options.json, answer, options.csv ? oncallLoadCsv(answer).trimEnd() : formatOncallLoad(answer));
            } else if (grouped) {
              const answer = await analytics(scope, incidents, grouped);
              ctx.print(options.json, answer, options.csv ? analyticsCsv(answer).trimEnd() : formatAnalytics(answer));
            }
          } finally {
            await connection.close();
          }
          return;
        }
        const query = parse(StatsQuery, { ...window });
        const { connection, incidents } = await open();
        try {
          const stats = await incidentStats({ client: incidents.temporal, taskQueue: incidents.taskQueue }, incidents, query);
          const counts = (record: Record<string, number>) =>
            Object.entries(record)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'none';
          const timing = (t: { count: number; meanSeconds?: number; medianSeconds?: number }) =>
            t.count ? `mean ${t.meanSeconds}s, median ${t.medianSeconds}s over ${t.count}` : 'no data';
          ctx.print(
            options.json,
            stats,
            [
              `incidents since ${stats.since} (${stats.window}): ${stats.total}; open now: ${stats.open}`,
              `by state: ${counts(stats.byState)}`,
              `by severity: ${counts(stats.bySeverity)}`,
              `MTTA: ${timing(stats.mtta)}`,
              `MTTR: ${timing(stats.mttr)}`,
            ].join('\n'),
          );
        } finally {
          await connection.close();
        }
      },
    );

  cli
    .command('shadow')
    .description('shadow mode (gates.mode or routes[].mode: shadow): incidents escalate, nothing is sent')
    .command('report')
    .description('per shadow-mode incident, who would have been paged and when (read from the incident records)')
    .option('--since <duration>', 'how far back: 24h, 7d, PT1H (at most 90d)', '7d')
    .option('--json', 'print the report as JSON')
    .action(async (options: { since: string; json?: boolean }) => {
      const query = parse(ShadowReportQuery, { since: options.since });
      const { connection, incidents } = await open();
      try {
        const report = await shadowReport({ client: incidents.temporal, taskQueue: incidents.taskQueue }, incidents, query);
        ctx.print(options.json, report, formatShadowReport(report));
      } finally {
        await connection.close();
      }
    });

  cli
    .command('setup')
    .description('register the incident search attributes on the namespace (idempotent; any Temporal server)')
    .option('--json', 'print what was added as JSON')
    .action(async (options: { json?: boolean }) => {
      const g = ctx.globals();
      const target = temporalTarget(process.env, { address: g.address, namespace: g.namespace });
      const connection = await connectTemporal(target);
      try {
        const result = await setupSearchAttributes(connection, target.namespace);
        // The heartbeat watches of the config too (idempotent); a worker start does the same.
        const heartbeats = await syncHeartbeats(
          connection,
          target.namespace,
          g.config ?? ctx.defaultConfig,
          g.taskQueue ?? ctx.env.ESCALATION_TASK_QUEUE,
        );
        ctx.print(
          options.json,
          { ...result, heartbeats },
          `namespace ${result.namespace}: ${result.added.length ? `added ${result.added.join(', ')}` : 'nothing to add'}${result.present.length ? `; already there: ${result.present.join(', ')}` : ''}` +
            `\nheartbeats: ${'skipped' in heartbeats ? `not started (${heartbeats.skipped})` : `started ${heartbeats.started.join(', ') || 'none'}; updated ${heartbeats.updated.join(', ') || 'none'}; ended ${heartbeats.stopped.join(', ') || 'none'}`}`,
        );
      } finally {
        await connection.close();
      }
    });
}

/** Starts the config's heartbeat watches; a config that does not load skips them (the worker starts them too). */
async function syncHeartbeats(
  connection: Connection,
  namespace: string,
  configFile: string,
  taskQueue: string,
): Promise<HeartbeatSyncResult | { skipped: string }> {
  let config;
  try {
    config = loadConfigFile(configFile);
  } catch (error) {
    if (error instanceof ConfigFileError) return { skipped: `${configFile} did not load: ${error.message.split('\n')[0]}` };
    throw error;
  }
  return new HeartbeatClient({ client: new Client({ connection, namespace }), config, taskQueue }).sync('setup');
}
