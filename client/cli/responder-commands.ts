import type { Command } from 'commander';
import type { IncidentRecord } from '../../domain/incident.js';
import { targetFromText } from '../../domain/responder-requests.js';
import type { IncidentClient } from '../incidents.js';
import { formatRecord } from './format.js';

export interface ResponderContext {
  connect(): Promise<IncidentClient>;
  defaultActor: string;
  print(json: boolean | undefined, value: unknown, text: string): void;
}

/** `unack`, `reassign`, `snooze`: what a responder asks beyond ack and resolve (issue 12). */
export function registerResponderCommands(cli: Command, ctx: ResponderContext): void {
  const show = (json: boolean | undefined, record: IncidentRecord) => ctx.print(json, record, formatRecord(record, { timeline: false }));

  cli
    .command('unack <incident>')
    .description('un-acknowledge: ACTIVE again, the level it is at paged again now; <incident> is <key> or incident-<key>')
    .option('--by <who>', 'who is doing it', ctx.defaultActor)
    .option('--reason <text>', 'why')
    .option('--json', 'print the incident record as JSON')
    .action(async (id: string, options: { by: string; reason?: string; json?: boolean }) => {
      const incidents = await ctx.connect();
      show(options.json, await incidents.unacknowledge(id, options.by, options.reason));
    });

  cli
    .command('reassign <incident>')
    .description('page these targets now instead of the level it is at: ACTIVE, the walk goes on from there')
    .requiredOption(
      '--target <type:id>',
      'whom to page, repeatable: user:ID, team:ID, schedule:ID, email:ADDRESS, phone:+E164, webhook:URL, channel:PROVIDER:ID',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--by <who>', 'who is doing it', ctx.defaultActor)
    .option('--reason <text>', 'why')
    .option('--json', 'print the incident record as JSON')
    .action(async (id: string, options: { target: string[]; by: string; reason?: string; json?: boolean }) => {
      const incidents = await ctx.connect();
      show(options.json, await incidents.reassign(id, options.by, options.target.map(targetFromText), options.reason));
    });

  cli
    .command('snooze <incident>')
    .description('ACKNOWLEDGED for a while, then ACTIVE at the level it is at and paged')
    .requiredOption('--for <duration>', 'how long: 30m, 2h, PT1H (at most 7d)')
    .option('--by <who>', 'who is doing it', ctx.defaultActor)
    .option('--reason <text>', 'why')
    .option('--json', 'print the incident record as JSON')
    .action(async (id: string, options: { for: string; by: string; reason?: string; json?: boolean }) => {
      const incidents = await ctx.connect();
      show(options.json, await incidents.snooze(id, options.by, options.for, options.reason));
    });
}
