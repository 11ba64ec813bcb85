import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../domain/config-text.js';
import { runEscalate } from '../helpers/cli.js';

/** What `policy validate` says about round robin and `next: true`: refusals and warnings with their lines. */

describe('policy checks for round robin', () => {
  const directory = [
    'directory:',
    '  users:',
    '    - { id: al, contacts: [{ channel: log, address: al }] }',
    '    - { id: bo, contacts: [{ channel: log, address: bo }] }',
  ];
  const parse = (lines: string[]) =>
    parseConfigText([...directory, 'policies:', '  - name: p', '    levels:', ...lines, ''].join('\n'), {});
  const lineOf = (lines: string[], holding: string) => directory.length + 3 + lines.findIndex((l) => l.includes(holding)) + 1;

  it('refuses next on a target that is not a schedule, naming the field, its line and the fix', () => {
    const lines = ['      - targets: [{ type: log }]', '      - targets:', '          - { type: user, id: al, next: true }'];
    const parsed = parse(lines);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatchObject({ path: 'policies[0].levels[1].targets[0]', line: lineOf(lines, 'next: true') });
    expect(parsed.errors[0]?.message).toMatch(/only a schedule target takes it; remove `next`, or target the schedule/);
  });

  it('refuses a round-robin level without a user or team to take turns', () => {
    const lines = ['      - notify: round-robin', '        targets: [{ type: log }]'];
    const parsed = parse(lines);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors[0]).toMatchObject({ path: 'policies[0].levels[0].notify', line: lineOf(lines, 'round-robin') });
    expect(parsed.errors[0]?.message).toMatch(/has no user or team target to take turns; list the people as targets/);
  });

  it('warns, and still loads, a round robin over one person', () => {
    const lines = ['      - notify: round-robin', '        targets: [{ type: user, id: al }, { type: log }]'];
    const parsed = parse(lines);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.warnings).toEqual([
      expect.objectContaining({
        path: 'policies[0].levels[0].notify',
        line: lineOf(lines, 'round-robin'),
        message: expect.stringMatching(/round-robin over one person \(al\), who is paged every time; add the others/) as unknown,
      }),
    ]);
  });

  it('accepts a round robin over two people without a word', () => {
    const parsed = parse(['      - notify: round-robin', '        targets: [{ type: user, id: al }, { type: user, id: bo }]']);
    expect(parsed).toMatchObject({ ok: true, warnings: [] });
  });
});

describe('escalate policy validate on round robin', () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'escalate-rr-')), 'escalation.yaml');
    writeFileSync(path, text);
    return path;
  };
  const head = [
    'directory:',
    '  users: [{ id: al, contacts: [{ channel: log, address: al }] }]',
    'policies:',
    '  - name: p',
    '    levels:',
  ];

  it('prints the one-person warning with file:line and the field, and exits 0', async () => {
    const path = file([...head, '      - notify: round-robin', '        targets: [{ type: user, id: al }]', ''].join('\n'));
    const { code, stdout, stderr } = await runEscalate(['policy', 'validate', path], { ESCALATION_ENV: '' });
    expect(code).toBe(0);
    expect(stderr).toMatch(
      new RegExp(`${path}:6:\\d+ policies\\[0]\\.levels\\[0]\\.notify: warning: policy p level 1 is round-robin over one person \\(al\\)`),
    );
    expect(stdout).toMatch(/is valid: .*; 1 warning\(s\)$/m);
  });

  it('refuses next on a user target with file:line, the field and the fix, and exits 2', async () => {
    const path = file([...head, '      - targets: [{ type: user, id: al, next: true }]', ''].join('\n'));
    const { code, stderr } = await runEscalate(['policy', 'validate', path], { ESCALATION_ENV: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `${path}:6:\\d+ policies\\[0]\\.levels\\[0]\\.targets\\[0]: \`next\` pages the person on call after the current one and only a schedule target takes it; remove \`next\``,
      ),
    );
  });
});
