import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Command, CommanderError } from 'commander';
import { stringify } from 'yaml';
import { parseConfigText } from '../../domain/config-text.js';
import { formatFieldErrors } from '../../domain/errors.js';
import { IMPORTERS, formatImportReport, isVendor, type ExportFiles, type Vendor } from '../../domain/importers/index.js';

/** Exit code for bad input, as client/cli/main.ts reports it. */
const INVALID = 2;

/**
 * `escalate import <vendor> --from DIR [--out FILE] [--report FILE]`: reads the vendor's saved API
 * answers, writes our config (stdout without --out) and the report (stderr without --report). The
 * config is checked as `policy validate` would before anything is written.
 */
export function registerImportCommand(cli: Command): void {
  cli
    .command('import <vendor>')
    .description(`turn another tool's exported setup into an escalation config: ${Object.keys(IMPORTERS).join(', ')}`)
    .requiredOption('--from <dir>', 'directory holding the JSON answers of the vendor API list endpoints (users.json, schedules.json, ...)')
    .option('--out <file>', 'write the config here (default: stdout)')
    .option('--report <file>', 'write the report here (default: stderr)')
    .action((vendor: string, options: { from: string; out?: string; report?: string }) => {
      if (!isVendor(vendor)) {
        throw new CommanderError(INVALID, 'escalate.import', `unknown vendor "${vendor}"; use one of ${Object.keys(IMPORTERS).join(', ')}`);
      }
      const { config, report } = importDirectory(vendor, options.from);
      if (options.out) writeFileSync(options.out, config);
      else process.stdout.write(config);
      if (options.report) writeFileSync(options.report, `${report}\n`);
      else process.stderr.write(`${report}\n`);
    });
}

/** The config text and report for one export directory; a CommanderError (exit 2) names each bad file and field. */
export function importDirectory(vendor: Vendor, dir: string): { config: string; report: string } {
  const files = readExport(dir);
  const result = IMPORTERS[vendor].run(files);
  if (!result.ok) {
    throw new CommanderError(
      INVALID,
      'escalate.import',
      `${dir} is not a usable ${IMPORTERS[vendor].title} export:\n${formatFieldErrors(result.errors)}\n` +
        `expected ${IMPORTERS[vendor].files.join(', ')}`,
    );
  }
  const text =
    `# Imported from ${IMPORTERS[vendor].title} by \`escalate import ${vendor}\`; see the import report for what changed.\n` +
    `# Add providers (slack, email, twilio, ...) for the contacts' channels before paging anyone.\n` +
    stringify(result.config, { lineWidth: 0 });
  // The schema only: the draft has no providers yet, which `policy validate` then asks for.
  const check = parseConfigText(text, {}, 'yaml', { loadTimeChecks: false });
  if (!check.ok) {
    throw new CommanderError(
      1,
      'escalate.import',
      `the imported config does not validate (a bug in the importer):\n${formatFieldErrors(check.errors, 'imported config')}`,
    );
  }
  return { config: text, report: formatImportReport(vendor, result.report) };
}

/** Every .json file under the directory, by its path relative to it with forward slashes. */
function readExport(dir: string): ExportFiles {
  const files: Record<string, unknown> = {};
  const walk = (folder: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CommanderError(INVALID, 'escalate.import', `cannot read the export directory ${folder} (${reason})`);
    }
    for (const entry of entries) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) {
        const name = relative(dir, path).split(sep).join('/');
        try {
          files[name] = JSON.parse(readFileSync(path, 'utf8'));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new CommanderError(INVALID, 'escalate.import', `${path} is not JSON (${reason}); save the API answer as it came`);
        }
      }
    }
  };
  walk(dir);
  return files;
}
