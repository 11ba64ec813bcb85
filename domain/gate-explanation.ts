import type { Gates } from './config.js';
import { DEFAULT_ENABLED_ENVIRONMENTS } from './routing.js';
import { isAtLeast, type Severity } from './severity.js';

/**
 * Each gate's decision for an alert, as `escalate policy test` prints it: which gate held it back,
 * or why each let it through. The verdict itself is evaluateGates (domain/routing.ts); this says why.
 */
export interface GateCheck {
  gate: 'enabled' | 'environment' | 'severity';
  passed: boolean;
  detail: string;
}

export function explainGates(gates: Gates, severity: Severity): GateCheck[] {
  const enabled: GateCheck = gates.enabled
    ? { gate: 'enabled', passed: true, detail: 'gates.enabled is true' }
    : { gate: 'enabled', passed: false, detail: 'gates.enabled is false: nothing escalates' };
  return [enabled, environmentCheck(gates), severityCheck(gates, severity)];
}

function environmentCheck(gates: Gates): GateCheck {
  const { environment, enabledEnvironments } = gates;
  if (environment === undefined) {
    return {
      gate: 'environment',
      passed: true,
      detail: 'no environment gate: neither gates.environment nor ESCALATION_ENV is set, and gates.enabledEnvironments is not set',
    };
  }
  const list = enabledEnvironments ?? DEFAULT_ENABLED_ENVIRONMENTS;
  const which = `gates.enabledEnvironments (${list.join(', ')}${enabledEnvironments ? '' : ', the default'})`;
  return list.includes(environment)
    ? { gate: 'environment', passed: true, detail: `"${environment}" is in ${which}` }
    : { gate: 'environment', passed: false, detail: `"${environment}" is not in ${which}` };
}

function severityCheck(gates: Gates, severity: Severity): GateCheck {
  return isAtLeast(severity, gates.minSeverity)
    ? { gate: 'severity', passed: true, detail: `${severity} is at least gates.minSeverity (${gates.minSeverity})` }
    : { gate: 'severity', passed: false, detail: `${severity} is below gates.minSeverity (${gates.minSeverity})` };
}
