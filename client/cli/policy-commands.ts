import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { Config } from '../../domain/config.js';
import { explainRoutes, evaluateGates, type RouteExplanation } from '../../domain/routing.js';
import { normalizeSeverity, type Severity } from '../../domain/severity.js';
import { loadConfigFile } from '../../worker/config-file.js';

/**
 * `escalate policy test` and `escalate policy reload`, registered on the `policy` command. Both use
 * the same pure functions as the client library, so what they print is what an alert would get.
 */
const DEFAULT_CONFIG = 'examples/escalation.yaml';
/** Exit code for bad options, as client/cli/main.ts reports `escalate.label` errors. */
const INVALID = 2;

export function registerPolicyCommands(policy: Command): void {
  policy
    .command('test')
    .description('show which route and policy an alert with these labels would take, and why')
    .requiredOption('--labels <name=value...>', 'the alert labels (service, source and severity match those fields)')
    .option('--severity <severity>', 'the alert severity (default: the severity label, else warning)')
    .option('--json', 'print the explanation as JSON')
    .action(function (this: Command, options: { labels: string[]; severity?: string; json?: boolean }) {
      const config = loadConfigFile(configFile(this));
      const labels = parseLabels(options.labels);
      const severity = parseSeverity(options.severity ?? labels['severity'] ?? 'warning');
      const { severity: _ignored, service, source, ...rest } = labels;
      const explanation = explainPolicy(config, { labels: rest, severity, ...(service !== undefined && { service }), ...(source !== undefined && { source }) });
      process.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : `${formatExplanation(explanation)}\n`);
    });

  policy
    .command('reload')
    .description('check the config file, then tell a running worker to re-read it (SIGHUP); running incidents keep their policy snapshot')
    .option('--pid <pid>', 'process id of the worker (default: the one in --pid-file)')
    .option('--pid-file <file>', 'file the worker wrote its process id to (env ESCALATION_WORKER_PID_FILE)', process.env['ESCALATION_WORKER_PID_FILE'])
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, options: { pid?: string; pidFile?: string; json?: boolean }) {
      const file = configFile(this);
      // Refuse a broken file here: a worker that got it would keep its old config and only log why.
      const config = loadConfigFile(file);
      const pid = Number(options.pid ?? (options.pidFile ? readFileSync(options.pidFile, 'utf8').trim() : NaN));
      if (!Number.isInteger(pid) || pid <= 0) {
        throw new CommanderError(INVALID, 'escalate.label', 'policy reload needs the worker: pass --pid <pid> or --pid-file <file> (the worker writes it with --pid-file)');
      }
      process.kill(pid, 'SIGHUP');
      const result = { reloaded: true, pid, file, policies: config.policies.map((p) => p.name) };
      process.stdout.write(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `sent SIGHUP to worker ${pid}: it re-reads ${file} (${result.policies.join(', ')}); new incidents use it, running ones keep their policy\n`,
      );
    });
}

export interface PolicyExplanation extends RouteExplanation {
  severity: Severity;
  gate: ReturnType<typeof evaluateGates>;
}

export function explainPolicy(config: Config, alert: { labels: Record<string, string>; severity: Severity; service?: string; source?: string }): PolicyExplanation {
  return { severity: alert.severity, gate: evaluateGates(config.gates, alert.severity), ...explainRoutes(config, alert) };
}

export function formatExplanation(explanation: PolicyExplanation): string {
  const labels = Object.entries(explanation.labels).map(([name, value]) => `${name}=${value}`);
  const lines = [`alert ${labels.join(' ')}`];
  lines.push(explanation.gate.escalate ? 'gates: pass' : `gates: would NOT escalate: ${explanation.gate.reason}`);
  for (const route of explanation.routes) {
    const conditions = route.isDefault
      ? 'default route (no conditions)'
      : route.conditions.map((c) => `${c.matcher} ${c.matched ? '✓' : `✗ (${c.actual === undefined ? 'label absent' : `is ${JSON.stringify(c.actual)}`})`}`).join(', ');
    const verdict = route.taken ? 'TAKEN' : route.skipped ? `matched, passed over: ${route.skipped}` : route.matched ? 'matched (an earlier route won)' : 'no match';
    lines.push(`routes[${route.index}] → ${route.policy}: ${verdict}\n    ${conditions}`);
  }
  const choice = explanation.choice;
  lines.push(choice.ok ? `policy ${choice.policy.name} at severity ${choice.severity} (${choice.how})` : `no policy: ${choice.reason}`);
  return lines.join('\n');
}

function configFile(command: Command): string {
  const globals = command.optsWithGlobals<{ config?: string }>();
  return globals.config ?? process.env['ESCALATION_CONFIG'] ?? DEFAULT_CONFIG;
}

function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CommanderError(INVALID, 'escalate.label', `--labels ${pair}: write labels as name=value`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

function parseSeverity(value: string): Severity {
  const severity = normalizeSeverity(value);
  if (!severity) throw new CommanderError(INVALID, 'escalate.label', `--severity ${value}: not a severity; use debug, info, warning, error or critical (or an alias)`);
  return severity;
}
