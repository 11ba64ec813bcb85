import { Command, CommanderError } from 'commander';
import type { Config } from '../../domain/config.js';
import { explainRoutes, evaluateGates, type RouteExplanation } from '../../domain/routing.js';
import { normalizeSeverity, type Severity } from '../../domain/severity.js';
import { loadConfigFile } from '../../worker/config-file.js';

/**
 * `escalate policy test`, registered on the `policy` command. It uses the same pure functions as
 * the client library, so what it prints is what an alert would get.
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
      const explanation = explainPolicy(config, {
        labels: rest,
        severity,
        ...(service !== undefined && { service }),
        ...(source !== undefined && { source }),
      });
      process.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : `${formatExplanation(explanation)}\n`);
    });
}

export interface PolicyExplanation extends RouteExplanation {
  severity: Severity;
  gate: ReturnType<typeof evaluateGates>;
}

export function explainPolicy(
  config: Config,
  alert: { labels: Record<string, string>; severity: Severity; service?: string; source?: string },
): PolicyExplanation {
  return { severity: alert.severity, gate: evaluateGates(config.gates, alert.severity), ...explainRoutes(config, alert) };
}

export function formatExplanation(explanation: PolicyExplanation): string {
  const labels = Object.entries(explanation.labels).map(([name, value]) => `${name}=${value}`);
  const lines = [`alert ${labels.join(' ')}`];
  lines.push(explanation.gate.escalate ? 'gates: pass' : `gates: would NOT escalate: ${explanation.gate.reason}`);
  for (const route of explanation.routes) {
    const conditions = route.isDefault
      ? 'default route (no conditions)'
      : route.conditions
          .map(
            (c) => `${c.matcher} ${c.matched ? '✓' : `✗ (${c.actual === undefined ? 'label absent' : `is ${JSON.stringify(c.actual)}`})`}`,
          )
          .join(', ');
    const verdict = route.taken
      ? 'TAKEN'
      : route.skipped
        ? `matched, passed over: ${route.skipped}`
        : route.matched
          ? 'matched (an earlier route won)'
          : 'no match';
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
  if (!severity)
    throw new CommanderError(
      INVALID,
      'escalate.label',
      `--severity ${value}: not a severity; use debug, info, warning, error or critical (or an alias)`,
    );
  return severity;
}
