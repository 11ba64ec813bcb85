import { describe, expect, it } from 'vitest';
import { fillJson, fillTemplate } from '../../domain/template.js';

const incident = {
  workflowId: 'incident-db-down',
  key: 'db-down',
  summary: 'db down',
  severity: 'critical',
  service: 'db',
  level: 2,
  labels: { region: 'eu-west-1' },
};

describe('action templates', () => {
  it.each([
    ['https://runbooks/restart?service={{ incident.service }}', 'https://runbooks/restart?service=db'],
    ['{{incident.id}}', 'incident-db-down'],
    ['level {{ incident.level }} of {{ incident.key }}', 'level 2 of db-down'],
    ['{{ incident.labels.region }}', 'eu-west-1'],
    ['{{ incident.labels.missing }}|{{ incident.source }}|{{ incident.nothing }}', '||'],
    ['{{ service }} and {{ env.SECRET }} stay as written', '{{ service }} and {{ env.SECRET }} stay as written'],
  ])('fills %s as %s', (text, expected) => {
    expect(fillTemplate(text, incident)).toBe(expected);
  });

  it('fills every string of a JSON body and leaves its keys and other values alone', () => {
    expect(
      fillJson(
        { service: '{{ incident.service }}', '{{ incident.key }}': 1, tags: ['{{ incident.severity }}', true, null], n: 3 },
        incident,
      ),
    ).toEqual({
      service: 'db',
      '{{ incident.key }}': 1,
      tags: ['critical', true, null],
      n: 3,
    });
  });
});
