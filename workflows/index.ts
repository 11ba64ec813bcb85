export { incidentEscalation } from './incident-escalation.js';
