import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { IMPORTERS, type ImportReport, type Vendor } from '../../domain/importers/index.js';
import { onCallAt } from '../../domain/oncall.js';
import { runEscalate } from '../helpers/cli.js';

const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));

function exportOf(vendor: Vendor): Record<string, unknown> {
  const dir = join(fixtures, vendor);
  const files: Record<string, unknown> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path).split(sep).join('/')] = JSON.parse(readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

function importFixtures(vendor: Vendor): { config: Config; report: ImportReport } {
  const result = IMPORTERS[vendor].run(exportOf(vendor));
  if (!result.ok) throw new Error(`${vendor} fixtures refused: ${JSON.stringify(result.errors)}`);
  const parsed = Config.safeParse(result.config);
  if (!parsed.success) throw new Error(`${vendor} import does not validate: ${JSON.stringify(parsed.error.issues)}`);
  return { config: parsed.data, report: result.report };
}

const VENDORS = Object.keys(IMPORTERS) as Vendor[];
const m = (n: number) => n * 60_000;

describe('importers', () => {
  it.each(VENDORS)('%s: the fixtures import to a config our schema accepts', (vendor) => {
    const { config, report } = importFixtures(vendor);
    expect(config.policies.length).toBeGreaterThan(0);
    expect(config.directory.users.length).toBeGreaterThan(0);
    expect(report.exact.length).toBeGreaterThan(0);
  });

  it.each([
    // PagerDuty counts each rule's delay to the next rule: ours sit on the next level.
    ['pagerduty', 'payments-critical', [0, m(15), m(10)], 2, m(30)],
    // Opsgenie counts from the alert (0, 5, 5, 20 minutes): same-time rules share a level.
    ['opsgenie', 'storage_escalation', [0, m(5), m(15)], 3, m(10)],
    // Grafana OnCall waits between steps; a trailing wait before "repeat" is the final wait.
    ['grafana-oncall', 'checkout-critical', [0, m(10), m(15)], 5, m(20)],
  ] as const)('%s: policy %s has level delays %j, repeatPolicy %i, finalWait %i ms', (vendor, name, delays, repeats, finalWait) => {
    const policy = importFixtures(vendor).config.policies.find((p) => p.name === name);
    expect(policy?.levels.map((l) => l.delay)).toEqual(delays);
    expect(policy?.repeatPolicy).toBe(repeats);
    expect(policy?.finalWait).toBe(finalWait);
  });

  it.each([
    // Daily 08:00 Europe/London handoff, the night the clocks go forward (29 March 2026, 01:00 UTC).
    ['pagerduty', 'platform-daytime', '2026-03-29T06:30:00Z', 'bao'],
    ['pagerduty', 'platform-daytime', '2026-03-29T07:30:00Z', 'chioma'],
    // Daily 08:00 Europe/Berlin from 23 March: 29 March is CEST, the handoff at 06:00 UTC.
    ['opsgenie', 'storage-on-call-primary', '2026-03-29T05:30:00Z', 'jonas'],
    ['opsgenie', 'storage-on-call-primary', '2026-03-29T06:00:00Z', 'ines'],
    // Weekly Monday 09:00 New York; the override gives Christmas to dev.
    ['pagerduty', 'payments-primary', '2026-01-12T13:59:00Z', 'alice'],
    ['pagerduty', 'payments-primary', '2026-01-12T14:00:00Z', 'bao'],
    ['pagerduty', 'payments-primary', '2026-12-25T12:00:00Z', 'dev'],
    // Grafana OnCall rolling users from index 2 (maya), daily 09:00 Madrid; override shifts win.
    ['grafana-oncall', 'checkout-primary', '2026-03-27T08:00:00Z', 'maya'],
    ['grafana-oncall', 'checkout-primary', '2026-03-28T08:00:00Z', 'noor'],
    ['grafana-oncall', 'checkout-primary', '2026-12-18T21:00:00Z', 'oscar'],
    ['opsgenie', 'storage-on-call-backup', '2026-12-31T18:00:00Z', 'kemal'],
  ] as const)('%s: schedule %s has %s on call at %s', (vendor, schedule, at, user) => {
    const found = importFixtures(vendor).config.directory.schedules.find((s) => s.id === schedule);
    if (!found) throw new Error(`no schedule ${schedule}`);
    expect(onCallAt(found, Date.parse(at)).user).toBe(user);
  });

  it.each([
    ['pagerduty', 'approximate', /round robin → team payments-critical-rule-2/],
    [
      'pagerduty',
      'approximate',
      /restricted it to mon 09:00 for 9h.*businessHours: \{ days: \[mon, tue, wed, thu, fri], start: "09:00", end: "18:00"/,
    ],
    ['pagerduty', 'none', /layer Weekday days: layers/],
    ['pagerduty', 'none', /push_notification_contact_method/],
    ['opsgenie', 'exact', /2 rotations on call together/],
    ['opsgenie', 'none', /notifyType next/],
    ['opsgenie', 'none', /participant none/],
    ['opsgenie', 'approximate', /if-not-closed → escalates until acknowledged/],
    ['grafana-oncall', 'approximate', /repeatPolicy 5/],
    ['grafana-oncall', 'none', /iCal schedule/],
    ['grafana-oncall', 'none', /trigger_webhook/],
    ['grafana-oncall', 'none', /Weekday business day \(level 1\): layered rotations/],
  ] as const)('%s reports as %s: %s', (vendor, section, line) => {
    expect(importFixtures(vendor).report[section].some((l) => line.test(l))).toBe(true);
  });

  it('names the missing file and each bad field, and imports nothing', () => {
    const files = exportOf('pagerduty');
    const { ['services.json']: _gone, ...rest } = files;
    const broken = { ...rest, 'users.json': { users: [{ id: 'PX', name: 'No Email' }] } };
    const result = IMPORTERS.pagerduty.run(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['users.json: users[0].email', 'services.json']);
    expect(result.errors[1]?.message).toContain('is missing from the export directory');
  });
});

describe('escalate import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'escalate-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a config whose only gaps policy validate names are the providers to add, and the report', async () => {
    const out = join(dir, 'opsgenie.yaml');
    const imported = await runEscalate(['import', 'opsgenie', '--from', join(fixtures, 'opsgenie'), '--out', out]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/^Imported from Opsgenie\.\n\nMapped exactly \(\d+\)/);
    expect(imported.stderr).toContain('No equivalent (left out)');
    // The draft has no providers: validate refuses it (a page would fail), naming each channel to set up, and nothing else.
    const validated = await runEscalate(['policy', 'validate', out], { ESCALATION_ENV: '' });
    expect(validated.code).toBe(2);
    const problems = validated.stderr.trim().split('\n').slice(1);
    expect(problems.length).toBeGreaterThan(0);
    for (const line of problems) {
      expect(line).toMatch(/opsgenie\.yaml:\d+:\d+ directory\.users\[\d+]\.contacts\[\d+]\.channel: .* uses the (email|sms|voice) channel/);
    }
  });

  it('refuses an unknown tool and a directory that is not an export, with exit code 2', async () => {
    expect(await runEscalate(['import', 'victorops', '--from', dir])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown vendor "victorops"') as unknown,
    });
    const empty = await runEscalate(['import', 'grafana-oncall', '--from', dir]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('users.json: is missing from the export directory');
  });
});
