export { incidentEscalation } from './incident-escalation.js';
export { rotation } from './rotation.js';
export { heartbeatWatch } from './heartbeat-watch.js';
export { maintenanceWindow } from './maintenance.js';
