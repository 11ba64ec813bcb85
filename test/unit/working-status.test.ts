import { describe, expect, it } from 'vitest';
import { slackActionWorkingStatus, SLACK_STATUS_ACTION_IDS } from '../../domain/chat-actions.js';
import { INCIDENT_STATES } from '../../domain/incident.js';
import { currentDetails } from '../../domain/record.js';
import { workingStatusReason, workingStatusRefusal } from '../../domain/working-status.js';
import { record } from '../fixtures/analytics/records.js';

describe('working status', () => {
  it.each(INCIDENT_STATES.filter((state) => state !== 'ACKNOWLEDGED'))('is refused while %s', (state) => {
    expect(workingStatusRefusal('incident-x', state, 'investigating')).toBe(
      `incident-x is ${state}: a working status is set while the incident is acknowledged; acknowledge it first`,
    );
  });

  it('is accepted while acknowledged, for the four statuses only', () => {
    for (const status of ['investigating', 'identified', 'monitoring', 'mitigated'])
      expect(workingStatusRefusal('incident-x', 'ACKNOWLEDGED', status)).toBeUndefined();
    expect(workingStatusRefusal('incident-x', 'ACKNOWLEDGED', 'fixed')).toContain('must be one of investigating, identified');
  });

  it('reads on the timeline with its note', () => {
    expect(workingStatusReason('monitoring', 'rolled back 4411')).toBe('status monitoring: rolled back 4411');
    expect(workingStatusReason('identified', undefined)).toBe('status identified');
  });

  it('shows in the current details while acknowledged, and not once re-opened', () => {
    const base = record({
      key: 'ws',
      policy: 'p',
      createdAt: '2026-12-01T10:00:00Z',
      state: 'ACKNOWLEDGED',
      escalationCount: 0,
      ackAfter: 60,
    });
    const working = {
      ...base,
      workingStatus: { status: 'identified' as const, by: 'dana', at: '2026-12-01T10:05:00Z', note: 'bad deploy' },
    };
    expect(currentDetails(working, 2)).toContain('- **Working status** identified (dana, 2026-12-01T10:05:00Z): bad deploy');
    expect(currentDetails({ ...working, state: 'ACTIVE' }, 2)).not.toContain('Working status');
  });

  it('maps each Slack status button back to its status', () => {
    expect(SLACK_STATUS_ACTION_IDS.mitigated).toBe('incident_status_mitigated');
    expect(slackActionWorkingStatus('incident_status_mitigated')).toBe('mitigated');
    expect(slackActionWorkingStatus('incident_acknowledge')).toBeUndefined();
  });
});
