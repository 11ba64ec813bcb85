import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEscalate } from '../helpers/cli.js';

/** `escalate policy validate` on maintenance windows: the real bin, a real file, each mistake with its line. */

const dir = mkdtempSync(join(tmpdir(), 'escalate-maintenance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = ['policies:', '  - name: default', '    levels: [{ targets: [{ type: log }] }]'];

describe('escalate policy validate with maintenance windows', () => {
  it('refuses a window ending before it starts, an unknown match key and a duplicate name, each with its line, field and fix', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        ...POLICY,
        'maintenance:',
        '  - { name: db-upgrade, match: { service: db }, from: "2026-12-06T02:00:00Z", to: "2026-12-05T22:00:00Z" }',
        '  - { name: api-deploy, match: { servce: api }, from: "2026-12-05T22:00:00Z", to: "2026-12-06T02:00:00Z" }',
        '  - { name: db-upgrade, match: { service: db }, from: "2026-12-07T22:00:00Z", to: "2026-12-08T02:00:00Z" }',
        '',
      ].join('\n'),
    );
    const { code, stderr } = await runEscalate(['policy', 'validate', file], { ESCALATION_ENV: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/:5:\d+ maintenance\[0]\.to: must be after from \(2026-12-06T02:00:00Z\).*swap them or fix the date/);
    expect(stderr).toMatch(/:6:\d+ maintenance\[1]\.match(\.servce)?: .*servce/);
    expect(stderr).toMatch(
      /:7:\d+ maintenance\[2]\.name: window "db-upgrade" is defined twice \(also maintenance\[0]\); give each window its own name/,
    );
  });

  it('accepts the issue`s example', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      [
        ...POLICY,
        'maintenance:',
        '  - { name: db-upgrade, match: { service: db }, from: "2026-12-05T22:00:00Z", to: "2026-12-06T02:00:00Z" }',
        '',
      ].join('\n'),
    );
    const { code, stderr } = await runEscalate(['policy', 'validate', file], { ESCALATION_ENV: '' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
