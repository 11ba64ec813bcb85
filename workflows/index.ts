export { incidentEscalation } from './incident-escalation.js';
export { maintenanceWindow } from './maintenance.js';
