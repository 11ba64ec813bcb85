import type { Command } from 'commander';
import type { MaintenanceWindowSpec } from '../../domain/maintenance.js';
import type { ListedWindow } from '../maintenance.js';
import type { ResponderContext } from './responder-commands.js';

const repeatable = (value: string, all: string[]) => [...all, value];

/** `escalate maintenance start | list | end`: maintenance windows at run time (issue 12, item 8). */
export function registerMaintenanceCommands(cli: Command, ctx: ResponderContext): void {
  const maintenance = cli
    .command('maintenance')
    .description('maintenance windows: alerts they match open no incident, open incidents stop paging');

  maintenance
    .command('start')
    .description('open a maintenance window now: --for 2h or --until 2026-12-06T02:00:00Z, matching --service, --label, ...')
    .option('--name <name>', 'the window`s name (default: made from what it matches and when)')
    .option('--service <service>', 'alerts of this service')
    .option('--source <source>', 'alerts from this source')
    .option('--severity <severity>', 'alerts of exactly this severity')
    .option('--label <name=value>', 'alerts carrying this label value, repeatable', repeatable, [] as string[])
    .option('--matcher <matcher>', 'an Alertmanager matcher (team=~db|storage), repeatable', repeatable, [] as string[])
    .option('--for <duration>', 'how long: 30m, 2h, PT1H (at most 30d)')
    .option('--until <time>', 'until when: 2026-12-06T02:00:00Z')
    .option('--by <who>', 'who opens it', ctx.defaultActor)
    .option('--reason <text>', 'why (shown in every answer the window gives)')
    .option('--json', 'print the window as JSON')
    .action(
      async (options: {
        name?: string;
        service?: string;
        source?: string;
        severity?: string;
        label: string[];
        matcher: string[];
        for?: string;
        until?: string;
        by: string;
        reason?: string;
        json?: boolean;
      }) => {
        const labels = Object.fromEntries(
          options.label.map((pair) => {
            const at = pair.indexOf('=');
            return at > 0 ? [pair.slice(0, at), pair.slice(at + 1)] : [pair, ''];
          }),
        );
        const match = {
          ...(options.service !== undefined && { service: options.service }),
          ...(options.source !== undefined && { source: options.source }),
          ...(options.severity !== undefined && { severity: options.severity }),
          ...(options.label.length > 0 && { labels }),
          ...(options.matcher.length > 0 && { matchers: options.matcher }),
        };
        const incidents = await ctx.connect();
        const window = await incidents.maintenance.start({
          match,
          by: options.by,
          ...(options.name !== undefined && { name: options.name }),
          ...(options.for !== undefined && { for: options.for }),
          ...(options.until !== undefined && { until: options.until }),
          ...(options.reason !== undefined && { reason: options.reason }),
        });
        ctx.print(options.json, window, `maintenance window ${window.name} open until ${window.to}: ${describe(window)}`);
      },
    );

  maintenance
    .command('list')
    .description('maintenance windows open or scheduled: the config file`s and the ones opened at run time')
    .option('--json', 'print the windows as JSON')
    .action(async (options: { json?: boolean }) => {
      const incidents = await ctx.connect();
      const windows = await incidents.maintenance.list();
      ctx.print(
        options.json,
        { windows },
        windows.length === 0 ? 'no maintenance windows open or scheduled' : windows.map(line).join('\n'),
      );
    });

  maintenance
    .command('end <name>')
    .description('end a run-time maintenance window now; incidents it held page again at the level they reached')
    .option('--by <who>', 'who ends it', ctx.defaultActor)
    .option('--reason <text>', 'why')
    .option('--json', 'print the window as JSON')
    .action(async (name: string, options: { by: string; reason?: string; json?: boolean }) => {
      const incidents = await ctx.connect();
      const window = await incidents.maintenance.end(name, options.by, options.reason);
      ctx.print(options.json, window, `maintenance window ${window.name} ended by ${options.by}`);
    });
}

function describe(window: MaintenanceWindowSpec): string {
  const { service, source, severity, labels, matchers } = window.match;
  return [
    ...(service !== undefined ? [`service=${service}`] : []),
    ...(source !== undefined ? [`source=${source}`] : []),
    ...(severity !== undefined ? [`severity=${severity}`] : []),
    ...Object.entries(labels ?? {}).map(([name, value]) => `${name}=${value}`),
    ...(matchers ?? []),
  ].join(', ');
}

function line(window: ListedWindow): string {
  const who = window.origin === 'config' ? 'config' : window.by;
  return `${window.name.padEnd(24)} ${window.state.padEnd(9)} ${window.from} → ${window.to}  ${describe(window)}  (${who}; ${window.suppressed} suppressed)${window.reason ? `  ${window.reason}` : ''}`;
}
