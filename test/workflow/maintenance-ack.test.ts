import { describe, expect, it } from 'vitest';
import { acknowledgeSignal, maintenanceSignal } from '../../workflows/messages.js';
import { minutes, useTimeSkipping, type TimeSkippingStack } from '../helpers/time-skipping.js';

// An incident acknowledged under a maintenance window, on a time-skipping server of its own: at
// the window's end nobody is paged. (Run after the skips of test/workflow/maintenance.test.ts on
// the same server, the skip below never returned: a file of its own keeps the server's clock clean.)
const policy = {
  name: 'held',
  levels: [
    { delay: '0s', targets: [{ type: 'log', id: 'team-lead' }] },
    { delay: '15m', targets: [{ type: 'log', id: 'primary-oncall' }] },
  ],
};

const timeSkipping = useTimeSkipping();
let stack: TimeSkippingStack | undefined;
const iso = (ms: number) => new Date(ms).toISOString();

describe('an acknowledged incident under a maintenance window', () => {
  it('takes an acknowledgement during the window, and pages nobody when it ends', async () => {
    // Auto-resolve after a day: a timer past the window for the server to skip towards.
    stack = await timeSkipping.start({ policies: [{ ...policy, autoResolve: '1d' }] });
    const handle = await stack.startIncident('mw-flow-ack');
    const opened = await stack.waitForRecord(handle, (r) => r.state === 'ACTIVE' && r.notificationCount === 1);
    const t0 = Date.parse(opened.createdAt);
    await handle.signal(maintenanceSignal, { name: 'acked', until: iso(t0 + minutes(60)) });
    await stack.waitForRecord(handle, (r) => r.maintenance !== undefined);
    await handle.signal(acknowledgeSignal, { by: 'dana' });
    await stack.waitForRecord(handle, (r) => r.state === 'ACKNOWLEDGED');
    await stack.skipUntil(t0 + minutes(90));
    const after = await stack.record(handle);
    expect({ state: after.state, level: after.level, notificationCount: after.notificationCount }).toEqual({
      state: 'ACKNOWLEDGED',
      level: 1,
      notificationCount: 1,
    });
  });
});
