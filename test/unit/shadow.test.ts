import { describe, expect, it } from 'vitest';
import { Config } from '../../domain/config.js';
import type { NotificationRecord } from '../../domain/incident.js';
import { newRecord } from '../../domain/record.js';
import { explainRoutes, pagingMode, selectPolicy } from '../../domain/routing.js';
import { wouldPages } from '../../domain/shadow.js';
import { explainPolicy, formatExplanation } from '../../client/cli/policy-commands.js';
import { IncidentInput } from '../../domain/incident.js';

const config = (gates: Record<string, unknown>, routes: Record<string, unknown>[]) =>
  Config.parse({
    gates,
    routes,
    policies: [
      { name: 'db', levels: [{ targets: [{ type: 'log', id: 'db' }] }] },
      { name: 'rest', levels: [{ targets: [{ type: 'log', id: 'rest' }] }] },
    ],
  });

describe('paging mode', () => {
  const cases: { title: string; gates: Record<string, unknown>; dbRoute: Record<string, unknown>; service: string; mode: string }[] = [
    { title: 'is live when nothing says otherwise', gates: {}, dbRoute: {}, service: 'db', mode: 'live' },
    { title: 'follows gates.mode on a route without its own', gates: { mode: 'shadow' }, dbRoute: {}, service: 'web', mode: 'shadow' },
    {
      title: "lets a route's live beat gates.mode shadow",
      gates: { mode: 'shadow' },
      dbRoute: { mode: 'live' },
      service: 'db',
      mode: 'live',
    },
    {
      title: "lets a route's shadow beat a live gate",
      gates: { mode: 'live' },
      dbRoute: { mode: 'shadow' },
      service: 'db',
      mode: 'shadow',
    },
    { title: 'leaves the other routes live', gates: {}, dbRoute: { mode: 'shadow' }, service: 'web', mode: 'live' },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const cfg = config(c.gates, [{ match: { service: 'db' }, policy: 'db', ...c.dbRoute }, { policy: 'rest' }]);
      const choice = explainRoutes(cfg, { labels: {}, severity: 'critical', service: c.service }).choice;
      if (!choice.ok) throw new Error(choice.reason);
      expect(pagingMode(cfg.gates, choice)).toBe(c.mode);
    });
  }

  it('takes gates.mode for a policy named in the request', () => {
    const cfg = config({ mode: 'shadow' }, [{ match: { service: 'db' }, policy: 'db', mode: 'live' }, { policy: 'rest' }]);
    const choice = selectPolicy(cfg, IncidentInput.parse({ summary: 'x', severity: 'critical', service: 'db', policy: 'db' }));
    if (!choice.ok) throw new Error(choice.reason);
    expect(pagingMode(cfg.gates, choice)).toBe('shadow');
  });

  it('refuses a mode that does not exist, naming the field', () => {
    const parsed = Config.safeParse({
      gates: { mode: 'dry-run' },
      policies: [{ name: 'p', levels: [{ targets: [{ type: 'log', id: 'x' }] }] }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['gates', 'mode']);
  });
});

describe('would-be pages of a shadow incident', () => {
  const note = (over: Partial<NotificationRecord>): NotificationRecord => ({
    idempotencyKey: 'k',
    kind: 'page',
    level: 1,
    repeat: 0,
    cycle: 0,
    target: 'user:alice',
    channel: 'email',
    address: 'alice@example.com',
    attempt: 1,
    status: 'skipped',
    at: '2026-01-01T00:00:00.000Z',
    ...over,
  });

  it('lists the shadow pages in the order they would have gone out, without floors, updates or live pages', () => {
    const record = {
      notifications: [
        note({
          level: 2,
          at: '2026-01-01T00:05:00.000Z',
          reason: 'would page team:sre → bob via sms (shadow mode)',
          target: 'team:sre',
          recipient: 'bob',
        }),
        note({ settledAt: '2026-01-01T00:00:02.000Z', reason: 'would page user:alice (alice@example.com) via email (shadow mode)' }),
        note({ reason: 'not sent: incident-x is warning and sms pages error and above (shadow mode)', channel: 'sms' }),
        note({ kind: 'update', reason: 'would send acknowledged to user:alice via email (shadow mode)' }),
        note({ status: 'delivered' }),
        note({ reason: 'not sent: incident-x was ACKNOWLEDGED before this page went out' }),
      ],
    };
    expect(wouldPages(record).map((p) => [p.at, p.recordedAt, p.level, p.target, p.recipient])).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.000Z', 1, 'user:alice', undefined],
      ['2026-01-01T00:05:00.000Z', undefined, 2, 'team:sre', 'bob'],
    ]);
  });

  it('starts the record in shadow mode only when the input says so', () => {
    const spec = { key: 'k', summary: 's', severity: 'critical' as const, labels: {}, links: [] };
    expect(newRecord({ ...spec, shadow: true }, 'p', 'incident-k', '2026-01-01T00:00:00.000Z').shadow).toBe(true);
    expect('shadow' in newRecord(spec, 'p', 'incident-k', '2026-01-01T00:00:00.000Z')).toBe(false);
  });
});

describe('escalate policy test in shadow mode', () => {
  it('says the alert would escalate without sending anything', () => {
    const cfg = config({ mode: 'shadow' }, [{ match: { service: 'db' }, policy: 'db', mode: 'live' }, { policy: 'rest' }]);
    const shadowed = explainPolicy(cfg, { labels: {}, severity: 'critical', service: 'web' });
    expect(shadowed.mode).toBe('shadow');
    expect(formatExplanation(shadowed)).toContain(
      'shadow mode: it would escalate and record each page as "would page ...", sending nothing',
    );
    const live = explainPolicy(cfg, { labels: {}, severity: 'critical', service: 'db' });
    expect(live.mode).toBe('live');
    expect(formatExplanation(live)).not.toContain('shadow mode');
  });
});
