import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import { describeGroup, groupKey } from '../../domain/grouping.js';
import { routeLabels } from '../../domain/routing.js';

const route = { index: 0, groupBy: ['alertname', 'service'] };

describe('group keys', () => {
  it('gives alerts sharing the group labels one key, whatever else differs', () => {
    const first = groupKey(route, { alertname: 'DiskFull', service: 'db', instance: 'db-1', severity: 'warning' });
    const second = groupKey(route, { alertname: 'DiskFull', service: 'db', instance: 'db-2', severity: 'critical' });
    expect(first).toBe(second);
    expect(first).toMatch(/^group-r0-[0-9a-f]{16}$/);
  });

  it('gives another value of a group label another key', () => {
    expect(groupKey(route, { alertname: 'DiskFull', service: 'db' })).not.toBe(groupKey(route, { alertname: 'DiskFull', service: 'web' }));
  });

  it('does not depend on the order or repetition of the group labels', () => {
    const labels = { alertname: 'DiskFull', service: 'db' };
    expect(groupKey({ index: 0, groupBy: ['service', 'alertname', 'service'] }, labels)).toBe(groupKey(route, labels));
  });

  it('groups an absent label as the empty value, as Alertmanager does', () => {
    expect(groupKey(route, { alertname: 'DiskFull' })).toBe(groupKey(route, { alertname: 'DiskFull', service: '' }));
  });

  it('keeps the groups of different routes apart', () => {
    const labels = { alertname: 'DiskFull', service: 'db' };
    expect(groupKey({ ...route, index: 1 }, labels)).toMatch(/^group-r1-/);
    expect(groupKey({ ...route, index: 1 }, labels)).not.toBe(groupKey(route, labels));
  });

  it('gives no key to a route without groupBy', () => {
    expect(groupKey({ index: 0 }, { alertname: 'DiskFull' })).toBeUndefined();
    expect(groupKey({ index: 0, groupBy: [] }, { alertname: 'DiskFull' })).toBeUndefined();
  });

  it('sees service and source as labels, as the route matchers do', () => {
    const labels = routeLabels({ labels: { alertname: 'DiskFull' }, severity: 'warning', service: 'db' });
    expect(groupKey(route, labels)).toBe(groupKey(route, { alertname: 'DiskFull', service: 'db' }));
    expect(describeGroup(route.groupBy, labels)).toBe('alertname=DiskFull, service=db');
  });
});

describe('grouping config', () => {
  it('refuses a groupWait without groupBy, naming the field', () => {
    const parsed = Config.safeParse({
      policies: [{ name: 'default', levels: [{ targets: [{ type: 'log' }] }] }],
      routes: [{ policy: 'default', groupWait: '30s' }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['routes', 0, 'groupWait'], message: expect.stringMatching(/groupBy/) }),
    ]);
  });
});
