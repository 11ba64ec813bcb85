import type { Command } from 'commander';
import type { LevelRotations } from '../../domain/rotation-schema.js';
import type { IncidentClient } from '../incidents.js';
import { levelRotations } from '../rotations.js';
import { CliUsageError } from './api-commands.js';

/**
 * `escalate rotation <policy> <level>`: whose turn it is on a round-robin level, read from the
 * rotation's workflow over the CLI's own Temporal connection (as `show` reads an incident).
 */
export function registerRotationCommand(
  cli: Command,
  connect: () => Promise<IncidentClient>,
  print: (json: boolean | undefined, value: unknown, text: string) => void,
): void {
  cli
    .command('rotation <policy> <level>')
    .description("show a round-robin level's rotation: its people, how many were paged, who went last and who is next")
    .option('--json', 'print the rotation as JSON')
    .action(async (policy: string, levelText: string, options: { json?: boolean }) => {
      const level = Number(levelText);
      if (!/^\d+$/.test(levelText) || level < 1) {
        throw new CliUsageError([{ path: 'level', message: `${levelText} is not a level number; levels count from 1` }]);
      }
      const incidents = await connect();
      const answer = await levelRotations(incidents.temporal, incidents.config, policy, level);
      print(options.json, answer, formatRotations(answer));
    });
}

export function formatRotations(answer: LevelRotations): string {
  return answer.rotations
    .map((r) => {
      const who = r.team !== undefined ? `team ${r.team}` : `policy ${answer.policy} level ${answer.level}`;
      const turns = r.turns === 0 ? 'nobody paged yet' : `${r.turns} paged, last ${r.last ?? 'unknown'}`;
      const lines = [`${r.id} (${who}): ${r.members.join(' → ')}`, `  ${turns}; next ${r.next ?? 'nobody'}`];
      if (r.error !== undefined) lines.push(`  warning: ${r.error}`);
      return lines.join('\n');
    })
    .join('\n');
}
