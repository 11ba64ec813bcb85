import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { HeartbeatStatus } from '../../domain/heartbeat.js';
import { HeartbeatClient } from '../heartbeats.js';
import { openTemporal, type CommandContext } from './api-commands.js';

/** `escalate heartbeat ping NAME` and `escalate heartbeat list`: straight to Temporal, no API needed. */
export function registerHeartbeatCommands(cli: Command, ctx: CommandContext): void {
  const open = async () => {
    const { config, connection, client, taskQueue } = await openTemporal(ctx);
    return { connection, heartbeats: new HeartbeatClient({ client, config, taskQueue }) };
  };

  const heartbeat = cli.command('heartbeat').description("dead-man's switches: ping one, or list them with their state");

  heartbeat
    .command('ping <name>')
    .description('record a ping of a heartbeat of the config (taken by the server even while no worker runs)')
    .option('--by <who>', 'who pings (recorded with the ping)', `cli:${userInfo().username}`)
    .option('--note <text>', 'a note kept with the ping (which run, which host)')
    .option('--json', 'print the answer as JSON')
    .action(async (name: string, options: { by: string; note?: string; json?: boolean }) => {
      const { connection, heartbeats } = await open();
      try {
        const answer = await heartbeats.ping(name, options.by, options.note);
        ctx.print(options.json, answer, `pinged ${answer.name} at ${answer.receivedAt}`);
      } finally {
        await connection.close();
      }
    });

  heartbeat
    .command('list')
    .description('every heartbeat with its last ping, next deadline and state (healthy, late, missing, never-pinged)')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }) => {
      const { connection, heartbeats } = await open();
      try {
        const list = await heartbeats.list();
        ctx.print(options.json, { heartbeats: list }, list.map(formatHeartbeat).join('\n'));
      } finally {
        await connection.close();
      }
    });
}

export function formatHeartbeat(h: HeartbeatStatus): string {
  const last = h.lastPing ? `last ping ${h.lastPing.at} by ${h.lastPing.by}` : 'never pinged';
  const deadline = h.nextDeadline ? `, deadline ${h.nextDeadline}` : '';
  const extra = [
    h.incidentId && `incident ${h.incidentId}`,
    h.problem,
    h.urlError && `external ping failing: ${h.urlError}`,
    !h.watching && 'not watched yet (start a worker or run `escalate setup`)',
  ].filter(Boolean);
  return `${h.name.padEnd(24)} ${h.state.padEnd(12)} every ${h.every}${h.grace !== '0s' ? ` +${h.grace}` : ''}  ${last}${deadline}${extra.length ? `  (${extra.join('; ')})` : ''}`;
}
