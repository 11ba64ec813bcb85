import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEscalate } from '../helpers/cli.js';
import { Config, Schedule } from '../../domain/config.js';
import { parseConfigText } from '../../domain/config-text.js';
import { nextOnCallAt, onCallAt, shiftIndex, shiftStart } from '../../domain/oncall.js';
import {
  EMPTY_ROTATION,
  pickNext,
  RECENT_PICKS,
  rotationMembers,
  type RotationCandidate,
  type RotationState,
} from '../../domain/rotation.js';
import { rotateTargets, type RotationPicker } from '../../activities/rotation.js';

/** Round robin as pure maths: whose turn, who is skipped, what a retried pick answers; and `next: true` on schedules. */

const people = (...ids: string[]): RotationCandidate[] => ids.map((id) => ({ id }));

/** Picks in a row, each with its own id, from `state`: the members paged in order. */
function walk(
  state: RotationState,
  candidates: RotationCandidate[],
  count: number,
): { paged: (string | undefined)[]; state: RotationState } {
  const paged: (string | undefined)[] = [];
  let current = state;
  for (let i = 0; i < count; i += 1) {
    const next = pickNext(current, candidates, `pick-${i}-${current.turns}`);
    paged.push(next.pick.member);
    current = next.state;
  }
  return { paged, state: current };
}

describe('pickNext', () => {
  it.each<[string, RotationState, RotationCandidate[], number, (string | undefined)[]]>([
    ['a new rotation starts at the first person and wraps around', EMPTY_ROTATION, people('al', 'bo', 'cy'), 4, ['al', 'bo', 'cy', 'al']],
    ['it goes on after whoever was paged last', { turns: 7, last: 'bo', recent: [] }, people('al', 'bo', 'cy'), 2, ['cy', 'al']],
    [
      'a person added after the last one paged is next',
      { turns: 2, last: 'bo', recent: [] },
      people('al', 'bo', 'dee', 'cy'),
      2,
      ['dee', 'cy'],
    ],
    [
      'the last person paged left the list: the turn count places the next pick',
      { turns: 4, last: 'gone', recent: [] },
      people('al', 'bo', 'cy'),
      2,
      ['bo', 'cy'],
    ],
    [
      'an unreachable person is skipped to the next',
      EMPTY_ROTATION,
      [{ id: 'al' }, { id: 'bo', unreachable: 'no contact' }, { id: 'cy' }],
      3,
      ['al', 'cy', 'al'],
    ],
    ['one person is paged every time', EMPTY_ROTATION, people('solo'), 3, ['solo', 'solo', 'solo']],
    ['nobody reachable pages nobody', EMPTY_ROTATION, [{ id: 'al', unreachable: 'x' }], 2, [undefined, undefined]],
    ['an empty rotation pages nobody', EMPTY_ROTATION, [], 1, [undefined]],
  ])('%s', (_name, state, candidates, count, expected) => {
    expect(walk(state, candidates, count).paged).toEqual(expected);
  });

  it('records who was skipped and why, and counts only the pages that went out', () => {
    const candidates = [{ id: 'al', unreachable: 'no sms contact' }, { id: 'bo' }];
    const first = pickNext(EMPTY_ROTATION, candidates, 'a');
    expect(first.pick).toEqual({ member: 'bo', skipped: [{ id: 'al', reason: 'no sms contact' }], turn: 0 });
    expect(first.state).toMatchObject({ turns: 1, last: 'bo' });
    const nobody = pickNext(first.state, [{ id: 'al', unreachable: 'no sms contact' }], 'b');
    expect(nobody.pick.member).toBeUndefined();
    expect(nobody.state.turns).toBe(1);
    expect(nobody.state.last).toBe('bo');
  });

  it('answers the same pick id with the same person and does not move the rotation', () => {
    const candidates = people('al', 'bo', 'cy');
    const first = pickNext(EMPTY_ROTATION, candidates, 'incident-x/run/3');
    const again = pickNext(first.state, candidates, 'incident-x/run/3');
    expect(again.pick).toEqual(first.pick);
    expect(again.state).toBe(first.state);
    expect(pickNext(again.state, candidates, 'incident-y/run/3').pick.member).toBe('bo');
  });

  it(`keeps the latest ${RECENT_PICKS} picks for retries, not more`, () => {
    const { state } = walk(EMPTY_ROTATION, people('al', 'bo'), RECENT_PICKS + 10);
    expect(state.recent).toHaveLength(RECENT_PICKS);
    expect(state.turns).toBe(RECENT_PICKS + 10);
  });
});

describe('rotationMembers', () => {
  const directory = { teams: [{ id: 'sre', members: ['bo', 'cy'], notify: 'all' as const }] };
  it('lists user targets and team members in order, each once, and leaves other targets out', () => {
    expect(
      rotationMembers(
        [
          { type: 'user', id: 'al' },
          { type: 'channel', id: '#ops', provider: 'slack' },
          { type: 'team', id: 'sre' },
          { type: 'user', id: 'bo' },
        ],
        directory,
      ),
    ).toEqual(['al', 'bo', 'cy']);
  });
});

describe('rotateTargets (the resolve activity’s half)', () => {
  const directory = Config.parse({
    directory: {
      users: [
        { id: 'al', contacts: [{ channel: 'log', address: 'al' }] },
        { id: 'bo', contacts: [{ channel: 'log', address: 'bo' }], rules: [{ after: 0, channels: ['sms'] }] },
        { id: 'cy', contacts: [{ channel: 'log', address: 'cy' }] },
      ],
      teams: [{ id: 'ops', members: ['al', 'bo', 'cy'], notify: 'round-robin' }],
    },
    policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }],
  }).directory;
  const request = {
    workflowId: 'incident-rotate-unit',
    level: 0,
    at: 0,
    targets: [
      { type: 'user', id: 'al' },
      { type: 'user', id: 'bo' },
      { type: 'user', id: 'cy' },
      { type: 'channel', id: '#ops', provider: 'slack' },
    ] as Config['policies'][number]['levels'][number]['targets'],
    rotation: { policy: 'p', notify: 'round-robin' as const },
  };
  /** The rotation's own maths kept in memory: the entity workflow's handler without Temporal (the workflow test runs the real one). */
  function inMemory(): RotationPicker & { asked: string[] } {
    const states = new Map<string, RotationState>();
    const asked: string[] = [];
    return {
      asked,
      pick(rotationId, ask) {
        asked.push(rotationId);
        const next = pickNext(states.get(rotationId) ?? EMPTY_ROTATION, ask.candidates, ask.pickId);
        states.set(rotationId, next.state);
        return Promise.resolve(next.pick);
      },
    };
  }

  it('replaces the level’s people with the one picked, skipping who cannot be reached, and keeps the other targets', async () => {
    const picker = inMemory();
    const first = await rotateTargets(directory, request, picker, 'a');
    expect(first.targets).toEqual([
      { type: 'channel', id: '#ops', provider: 'slack' },
      { type: 'user', id: 'al' },
    ]);
    const second = await rotateTargets(directory, request, picker, 'b');
    expect(second.targets.at(-1)).toEqual({ type: 'user', id: 'cy' });
    expect(second.notes[0]).toMatch(/^round robin rotation-p-1 skipped bo: .*rules use sms but their contacts are log/);
    expect(second.notes[1]).toBe("round robin rotation-p-1: cy's turn (page 2 of this rotation)");
    expect(picker.asked).toEqual(['rotation-p-1', 'rotation-p-1']);
  });

  it('skips a person whose every contact is for more severe incidents than this one, by the contact’s or the channel’s floor', async () => {
    const floors = Config.parse({
      directory: {
        users: [
          { id: 'al', contacts: [{ channel: 'log', address: 'al', minSeverity: 'critical' }] },
          { id: 'bo', contacts: [{ channel: 'sms', address: '+15550000001' }] },
          { id: 'cy', contacts: [{ channel: 'sms', address: '+15550000002', minSeverity: 'warning' }] },
        ],
      },
      policies: [{ name: 'p', levels: [{ targets: [{ type: 'log' }] }] }],
    }).directory;
    const ask = {
      ...request,
      targets: ['al', 'bo', 'cy'].map((id) => ({ type: 'user' as const, id })),
      rotation: { policy: 'p', notify: 'round-robin' as const, severity: 'warning' as const },
    };
    const result = await rotateTargets(floors, ask, inMemory(), 'a', (channel) => (channel === 'sms' ? 'error' : undefined));
    expect(result.targets).toEqual([{ type: 'user', id: 'cy' }]);
    expect(result.notes.slice(0, 2)).toEqual([
      'round robin rotation-p-1 skipped al: every contact of "al" is for more severe incidents (log for critical and above) and this one is warning',
      'round robin rotation-p-1 skipped bo: every contact of "bo" is for more severe incidents (sms for error and above) and this one is warning',
    ]);
  });

  it('falls back to a hash pick of a reachable person, and says so, when the rotation cannot be asked', async () => {
    const failing: RotationPicker = { pick: () => Promise.reject(new Error('deadline exceeded')) };
    const result = await rotateTargets(directory, request, failing, 'a');
    const picked = result.targets.at(-1);
    expect(picked?.type).toBe('user');
    expect(['al', 'cy']).toContain(picked?.type === 'user' ? picked.id : undefined);
    expect(result.notes[0]).toMatch(
      /^round robin rotation-p-1 could not be asked \(deadline exceeded\); paged (al|cy), picked from a hash/,
    );
  });

  it('rotates a round-robin team on its own on a level that pages everyone', async () => {
    const picker = inMemory();
    const teamLevel = { ...request, targets: [{ type: 'team' as const, id: 'ops' }], rotation: { policy: 'p' } };
    const picks = [];
    for (const id of ['a', 'b', 'c']) picks.push((await rotateTargets(directory, teamLevel, picker, id)).targets);
    expect(picks).toEqual([[{ type: 'user', id: 'al' }], [{ type: 'user', id: 'cy' }], [{ type: 'user', id: 'al' }]]);
    expect(picker.asked[0]).toBe('rotation-p-1-team-ops');
  });

  it('changes nothing without a rotation context (fallback, breach and reminder pages; incidents started before rotations)', async () => {
    const { rotation: _none, ...plain } = request;
    expect(await rotateTargets(directory, plain, inMemory(), 'a')).toEqual({ targets: request.targets, unresolved: [], notes: [] });
  });
});

describe('a schedule target with next: true', () => {
  const weekly = Schedule.parse({
    id: 'primary',
    timezone: 'Europe/Berlin',
    rotation: { members: ['al', 'bo', 'cy'], shift: '7d', handoff: '09:00', start: '2026-01-05' },
    overrides: [{ user: 'dee', from: '2026-01-19T08:00:00Z', to: '2026-01-26T08:00:00Z' }],
  });
  const at = (iso: string) => Date.parse(iso);

  it.each([
    ['2026-01-06T12:00:00Z', 'al', 'bo', '2026-01-12T08:00:00.000Z'],
    ['2026-01-12T07:59:59Z', 'al', 'bo', '2026-01-12T08:00:00.000Z'],
    ['2026-01-12T08:00:00Z', 'bo', 'dee', '2026-01-19T08:00:00.000Z'],
    // dee overrides cy's week: the person after dee is al, next week.
    ['2026-01-20T08:00:00Z', 'dee', 'al', '2026-01-26T08:00:00.000Z'],
  ])('at %s the on-call is %s and next is %s from %s', (iso, now, next, from) => {
    expect(onCallAt(weekly, at(iso)).user).toBe(now);
    const answer = nextOnCallAt(weekly, at(iso));
    expect(answer.user).toBe(next);
    expect(new Date(answer.from).toISOString()).toBe(from);
  });

  it.each([
    ['24h', '2026-03-05', 'America/New_York'],
    ['12h', '2026-10-30', 'America/New_York'],
    ['8h', '2026-03-27', 'Europe/Berlin'],
    ['10h', '2026-01-05', 'UTC'],
  ])('shiftStart is shiftIndex’s inverse for %s shifts from %s in %s (daylight-saving changes included)', (shift, start, timezone) => {
    const schedule = Schedule.parse({ id: 's', timezone, rotation: { members: ['al', 'bo'], shift, handoff: '08:00', start } });
    for (let index = -3; index < 60; index += 1) {
      const from = shiftStart(schedule, index);
      expect(shiftIndex(schedule, from)).toBe(index);
      expect(shiftIndex(schedule, from - 1)).toBe(index - 1);
    }
  });

  it('answers the one person of a one-person rotation', () => {
    const solo = Schedule.parse({
      id: 's',
      timezone: 'UTC',
      rotation: { members: ['al'], shift: '1d', handoff: '00:00', start: '2026-01-01' },
    });
    expect(nextOnCallAt(solo, at('2026-02-01T12:00:00Z')).user).toBe('al');
  });
});

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
