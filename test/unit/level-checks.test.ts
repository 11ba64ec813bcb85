import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../domain/config-text.js';

/**
 * `urgency` and a level's `when`, refused at load when they are wrong or can never do anything:
 * each case is a config text, the field the error names, the line holding it, and what the
 * message must say (the problem and its fix). Schema mistakes (a bad range, zone or severity)
 * and the checks of domain/level-checks.ts alike.
 */

const HOURS = '    businessHours: { days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00", timezone: UTC }';

function config(parts: { policy?: string[]; levels?: string[]; routes?: string[] }): string {
  return [
    ...(parts.routes ? ['routes:', ...parts.routes] : []),
    'policies:',
    '  - name: office',
    ...(parts.policy ?? []),
    '    levels:',
    ...(parts.levels ?? ['      - targets: [{ type: log }]']),
    '',
  ].join('\n');
}

const level2 = (when: string) => ['      - targets: [{ type: log }]', `      - { delay: 10m, targets: [{ type: log }], when: ${when} }`];

const refusals: { name: string; text: string; path: string; lineHolding: string; message: RegExp }[] = [
  {
    name: 'a between that is not a time range',
    text: config({ levels: level2('{ between: "8-9" }') }),
    path: 'policies[0].levels[1].when.between',
    lineHolding: '8-9',
    message: /"8-9" is not a time range; write "HH:MM-HH:MM" in 24-hour time/,
  },
  {
    name: 'a between that starts and ends at the same time',
    text: config({ levels: level2('{ between: "08:00-08:00" }') }),
    path: 'policies[0].levels[1].when.between',
    lineHolding: '08:00-08:00',
    message: /leave between out to mean the whole day/,
  },
  {
    name: 'an unknown time zone in a condition',
    text: config({ levels: level2('{ days: [sat], timezone: Europe/Berln }') }),
    path: 'policies[0].levels[1].when.timezone',
    lineHolding: 'Berln',
    message: /"Europe\/Berln" is not an IANA time zone; did you mean Europe\/Berlin\?/,
  },
  {
    name: 'an unknown severity in a condition',
    text: config({ levels: level2('{ minSeverity: sev2 }') }),
    path: 'policies[0].levels[1].when.minSeverity',
    lineHolding: 'sev2',
    message: /"sev2" is not a severity/,
  },
  {
    name: 'an unknown severity in an urgency map',
    text: config({ policy: [HOURS, '    urgency: { critical: high, warnig: low }'] }),
    path: 'policies[0].urgency.warnig',
    lineHolding: 'warnig',
    message: /"warnig" is not a severity; urgency keys are debug, info, warning, error, critical/,
  },
  {
    name: 'an urgency that is neither high nor low',
    text: config({ policy: [HOURS, '    urgency: { warning: medium }'] }),
    path: 'policies[0].urgency.warning',
    lineHolding: 'medium',
    message: /must be high \(pages at any hour\) or low/,
  },
  {
    name: 'low urgency on a policy with no business hours',
    text: config({ policy: ['    urgency: { warning: low, info: low }'] }),
    path: 'policies[0].urgency',
    lineHolding: 'urgency:',
    message:
      /policy office gives info, warning low urgency, which waits for business hours, but policy office has no businessHours.*or make them high/,
  },
  {
    name: 'low urgency on a route whose policy has no business hours',
    text: config({ routes: ['  - { policy: office, urgency: { warning: low } }'] }),
    path: 'routes[0].urgency',
    lineHolding: 'urgency:',
    message: /routes\[0] \(policy office\) gives warning low urgency.*add businessHours to policy office/,
  },
  {
    name: 'a severity both bypassing the hours and low',
    text: config({
      policy: [
        '    businessHours: { days: [mon], start: "09:00", end: "18:00", timezone: UTC, bypassSeverities: [critical, warning] }',
        '    urgency: { warning: low }',
      ],
    }),
    path: 'policies[0].businessHours.bypassSeverities[1]',
    lineHolding: 'bypassSeverities',
    message: /lists warning in businessHours.bypassSeverities \(page at any hour\) and gives it low urgency.*keep one/,
  },
  {
    name: 'a minSeverity above every severity the policy takes',
    text: config({ policy: ['    severities: [info, warning]'], levels: level2('{ minSeverity: error }') }),
    path: 'policies[0].levels[1].when.minSeverity',
    lineHolding: 'minSeverity',
    message: /policy office level 2 asks for at least error, but the policy only takes info, warning, so the level would always be skipped/,
  },
  {
    name: 'level 1 asking for repeats it can never have seen (delay 0)',
    text: config({ levels: ['      - { targets: [{ type: log }], when: { minOccurrences: 3 } }'] }),
    path: 'policies[0].levels[0].when.minOccurrences',
    lineHolding: 'minOccurrences',
    message: /policy office level 1 comes due the moment the first alert arrives \(delay 0\).*give level 1 a delay/,
  },
  {
    name: 'a time zone with nothing to read it for',
    text: config({ levels: level2('{ timezone: Europe/Berlin, minSeverity: error }') }),
    path: 'policies[0].levels[1].when.timezone',
    lineHolding: 'Europe/Berlin',
    message: /when.timezone only says where days and between are read, and it has neither/,
  },
];

describe('urgency and level conditions refused at load', () => {
  it.each(refusals)('refuses $name, naming the field, its line and the fix', ({ text, path, lineHolding, message }) => {
    const result = parseConfigText(text, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = text.split('\n');
    const expectedLine = lines.findIndex((line) => line.includes(lineHolding)) + 1;
    expect(result.errors).toEqual([expect.objectContaining({ path, line: expectedLine, message: expect.stringMatching(message) })]);
  });
});

describe('urgency and level conditions accepted at load', () => {
  it.each([
    ['urgency per severity with business hours', config({ policy: [HOURS, '    urgency: { critical: high, error: high, warning: low }'] })],
    ['a route urgency over the policy', config({ policy: [HOURS], routes: ['  - { policy: office, urgency: { p3: low } }'] })],
    [
      'every when key on a later level',
      config({
        levels: level2('{ days: [sat, sun], between: "22:00-08:00", timezone: Europe/Berlin, minSeverity: error, minOccurrences: 3 }'),
      }),
    ],
    [
      'minOccurrences on level 1 given a delay',
      config({ levels: ['      - { delay: 5m, targets: [{ type: log }], when: { minOccurrences: 2 } }'] }),
    ],
    [
      'bypassSeverities beside an urgency map that agrees',
      config({ policy: [`${HOURS.slice(0, -2)}, bypassSeverities: [critical] }`, '    urgency: { warning: low }'] }),
    ],
  ])('accepts %s', (_name, text) => {
    const result = parseConfigText(text, {});
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
