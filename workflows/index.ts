export { incidentEscalation } from './incident-escalation.js';
export { heartbeatWatch } from './heartbeat-watch.js';
