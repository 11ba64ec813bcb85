import { Command, CommanderError } from 'commander';
import type { Config, PagingMode } from '../../domain/config.js';
import { explainGates, type GateCheck } from '../../domain/gate-explanation.js';
import { previewWalk, urgencyLabel, type PreviewStep } from '../../domain/level-preview.js';
import { explainRoutes, evaluateGates, pagingMode, type RouteExplanation } from '../../domain/routing.js';
import { normalizeSeverity, type Severity } from '../../domain/severity.js';
import { loadConfigFile } from '../../runtime/config-file.js';

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
    .option('--at <time>', 'when the alert is raised, for the walk preview (ISO 8601, default now)')
    .option('--occurrences <n>', 'alerts counted by then, for level conditions (default 1)')
    .option('--json', 'print the explanation as JSON')
    .action(function (this: Command, options: { labels: string[]; severity?: string; at?: string; occurrences?: string; json?: boolean }) {
      const config = loadConfigFile(configFile(this));
      const labels = parseLabels(options.labels);
      const severity = parseSeverity(options.severity ?? labels['severity'] ?? 'warning');
      const { severity: _ignored, service, source, ...rest } = labels;
      const explanation = explainPolicy(
        config,
        {
          labels: rest,
          severity,
          ...(service !== undefined && { service }),
          ...(source !== undefined && { source }),
        },
        { at: parseAt(options.at), occurrences: parseOccurrences(options.occurrences) },
      );
      process.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : `${formatExplanation(explanation)}\n`);
    });
}

/**
 * `escalate policy reload`: asks a running API to re-read its config file (POST /v1/admin/reload,
 * admin scope). Only that API process reloads: workers re-read their file on SIGHUP
 * (`kill -HUP <pid>`), each its own. Exits 0 when the new config is in force, 2 when the file was
 * refused (one line per field; the previous config stays), 1 when the API could not be asked.
 */
export function registerReloadCommand(policy: Command): void {
  policy
    .command('reload')
    .description(
      'make a running API re-read its config file (new incidents use it; running ones keep their snapshot). ' +
        'Workers reload on SIGHUP: kill -HUP <pid>',
    )
    .option('--url <url>', 'the API (env ESCALATION_API_URL)', process.env['ESCALATION_API_URL'] ?? 'http://127.0.0.1:8080')
    .option('--token <token>', 'a token with the admin scope (env ESCALATION_API_TOKEN)', process.env['ESCALATION_API_TOKEN'])
    .option('--json', 'print the answer as JSON')
    .action(async (options: { url: string; token?: string; json?: boolean }) => {
      const answer = await reloadThroughApi(options.url, options.token);
      if (options.json) process.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
      if (answer.ok) {
        if (!options.json) {
          const body = answer.body as { file: string; generation: number; policies: { name: string; version: string }[] };
          const policies = body.policies.map((p) => `${p.name}@${p.version}`).join(', ');
          process.stdout.write(`reloaded ${body.file} (load #${body.generation}): ${policies}\n`);
        }
        return;
      }
      throw new CommanderError(answer.status === 422 ? INVALID : 1, 'escalate.reload', answer.message);
    });
}

/** One POST to the admin endpoint, answered as ok, or with a message that says what to do. */
export async function reloadThroughApi(
  url: string,
  token: string | undefined,
): Promise<{ ok: boolean; status: number; body: unknown; message: string }> {
  const endpoint = `${url.replace(/\/$/, '')}/v1/admin/reload`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return { ok: false, status: 0, body: undefined, message: `cannot reach the API at ${endpoint} (${reason}); check --url` };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: shown as text below
  }
  if (response.ok) return { ok: true, status: response.status, body, message: 'reloaded' };
  const error = body as { error?: string; details?: { path: string; message: string }[] };
  const details = (error.details ?? []).map((d) => `  ${d.path || '(file)'}: ${d.message}`).join('\n');
  const hint = response.status === 401 || response.status === 403 ? ' (pass --token with an admin-scope token)' : '';
  return {
    ok: false,
    status: response.status,
    body,
    message: `reload refused (${response.status}): ${error.error ?? text}${hint}${details ? `\n${details}` : ''}`,
  };
}

export interface PolicyExplanation extends RouteExplanation {
  severity: Severity;
  gate: ReturnType<typeof evaluateGates>;
  /** Each gate's decision, in the order they are applied. */
  gates: GateCheck[];
  /** `shadow`: the incident would escalate but send nothing (gates.mode, or the route's own mode). */
  mode?: PagingMode;
  /** The urgency the incident runs at, and where it comes from (route, policy, default, the older rule). */
  urgency?: string;
  /** The walk if nobody answers, raised at `raisedAt`: each page, hold and skip, and the end. */
  walk?: { raisedAt: string; occurrences: number; steps: PreviewStep[] };
}

export function explainPolicy(
  config: Config,
  alert: { labels: Record<string, string>; severity: Severity; service?: string; source?: string },
  preview: { at?: number; occurrences?: number } = {},
): PolicyExplanation {
  const routes = explainRoutes(config, alert);
  const choice = routes.choice;
  const at = preview.at ?? Date.now();
  const occurrences = preview.occurrences ?? 1;
  return {
    severity: alert.severity,
    gate: evaluateGates(config.gates, alert.severity),
    gates: explainGates(config.gates, alert.severity),
    ...routes,
    ...(choice.ok && {
      mode: pagingMode(config.gates, choice),
      urgency: urgencyLabel(choice.policy, choice.severity, choice.route?.urgency),
      walk: {
        raisedAt: new Date(at).toISOString(),
        occurrences,
        steps: previewWalk(choice.policy, {
          triggeredAt: at,
          severity: choice.severity,
          occurrences,
          ...(choice.route?.urgency && { routeUrgency: choice.route.urgency }),
          ...(choice.route?.groupWait !== undefined && { groupWait: choice.route.groupWait }),
        }),
      },
    }),
  };
}

/** One line per step of the walk preview: `2026-12-07T09:00:00.000Z  level 2 paged (held: …)`. */
function formatWalk(walk: NonNullable<PolicyExplanation['walk']>): string[] {
  const lines = [`if nobody answers (raised ${walk.raisedAt}, ${walk.occurrences} occurrence(s)):`];
  for (const step of walk.steps) {
    const loop = step.walk > 1 ? ` (walk ${step.walk})` : '';
    const what =
      step.kind === 'timeout'
        ? `TIMED_OUT: ${step.reason ?? ''}`
        : step.kind === 'skip'
          ? `level ${step.level}${loop} skipped: ${step.reason ?? ''}`
          : `level ${step.level}${step.kind === 'repeat' ? ` repeat ${step.repeat}` : ''}${loop} paged${step.reason ? ` (held: ${step.reason})` : ''}`;
    lines.push(`    ${new Date(step.at).toISOString()}  ${what}`);
  }
  return lines;
}

export function formatExplanation(explanation: PolicyExplanation): string {
  const labels = Object.entries(explanation.labels).map(([name, value]) => `${name}=${value}`);
  const lines = [`alert ${labels.join(' ')}`];
  lines.push(explanation.gate.escalate ? 'gates: pass' : `gates: would NOT escalate: ${explanation.gate.reason}`);
  for (const check of explanation.gates) lines.push(`    ${check.gate} ${check.passed ? '✓' : '✗'} ${check.detail}`);
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
  if (explanation.mode === 'shadow') lines.push('shadow mode: it would escalate and record each page as "would page ...", sending nothing');
  if (explanation.urgency !== undefined) lines.push(`urgency: ${explanation.urgency}`);
  if (explanation.walk) lines.push(...formatWalk(explanation.walk));
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

function parseAt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new CommanderError(INVALID, 'escalate.label', `--at ${value}: not a time; write ISO 8601 such as 2026-12-04T17:50:00Z`);
  return at;
}

function parseOccurrences(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CommanderError(INVALID, 'escalate.label', `--occurrences ${value}: write a whole number of alerts, 1 or more`);
  return n;
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
