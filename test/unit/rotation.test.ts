import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import {
  EMPTY_ROTATION,
  pickNext,
  RECENT_PICKS,
  rotationMembers,
  type RotationCandidate,
  type RotationState,
} from '../../domain/rotation.js';
import { rotateTargets, type RotationPicker } from '../../activities/rotation.js';

/** Round robin as pure maths: whose turn, who is skipped, what a retried pick answers; and the resolve activity's half. */

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
