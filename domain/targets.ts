import type { Delivery } from './delivery.js';
import type { Target } from './policy.js';

/** A stable, readable name for a target: used in idempotency keys, logs and the record. */
export function targetLabel(target: Target): string {
  switch (target.type) {
    case 'user':
    case 'team':
      return `${target.type}:${target.id}`;
    case 'schedule':
      // `next: true` pages someone else than the plain schedule target: its own name, its own idempotency key.
      return target.next === true ? `schedule:${target.id}:next` : `schedule:${target.id}`;
    case 'channel':
      return `channel:${target.provider}:${target.id}`;
    case 'email':
    case 'phone':
      return `${target.type}:${target.address}`;
    case 'webhook':
      return `webhook:${target.url}`;
    case 'pagerduty':
      return `pagerduty:${target.routingKey ? 'custom-key' : 'default'}`;
    case 'opsgenie':
      return `opsgenie:${(target.responders ?? []).map((r) => `${r.type}=${r.name}`).join(',') || 'default'}`;
    case 'log':
      return `log:${target.id ?? 'default'}`;
    default: {
      const unknownTarget: never = target;
      return String(unknownTarget);
    }
  }
}

/**
 * Targets that name their own address (channel, email, phone, webhook, pagerduty, opsgenie, log)
 * resolve without the directory or the clock: pure, so the workflow can do it itself and page one
 * activity round trip sooner. `user`, `team` and `schedule` answer undefined: they need the
 * directory (activities/resolve-targets.ts).
 */
export function staticDeliveries(target: Target): Delivery[] | undefined {
  const label = targetLabel(target);
  switch (target.type) {
    case 'user':
    case 'team':
    case 'schedule':
      return undefined;
    case 'channel':
      return [{ target: label, channel: target.provider, address: target.id }];
    case 'email':
      return [{ target: label, channel: 'email', address: target.address }];
    case 'phone':
      return [
        {
          target: label,
          channel: 'sms',
          address: target.address,
          ...(target.minSeverity !== undefined && { minSeverity: target.minSeverity }),
        },
      ];
    case 'webhook':
      return [{ target: label, channel: 'webhook', address: target.url }];
    case 'pagerduty':
      return [{ target: label, channel: 'pagerduty', address: target.routingKey ?? 'default' }];
    case 'opsgenie':
      return [{ target: label, channel: 'opsgenie', address: target.responders?.length ? JSON.stringify(target.responders) : 'default' }];
    case 'log':
      return [{ target: label, channel: 'log', address: target.id ?? 'default' }];
    default: {
      const unknownTarget: never = target;
      throw new Error(`unknown target ${JSON.stringify(unknownTarget)}`);
    }
  }
}

/**
 * One (channel, address) is notified once per level: a person in two teams gets one page. The first
 * target to reach an address names it; the earliest `afterMs` among its duplicates wins, so merging
 * never delays a page.
 */
export function mergeDeliveries(deliveries: Iterable<Delivery>): Delivery[] {
  const resolved: Delivery[] = [];
  const byAddress = new Map<string, Delivery>();
  for (const delivery of deliveries) {
    const key = `${delivery.channel}\u0000${delivery.address}`;
    const first = byAddress.get(key);
    if (!first) {
      const copy = { ...delivery };
      byAddress.set(key, copy);
      resolved.push(copy);
    } else if ((delivery.afterMs ?? 0) < (first.afterMs ?? 0)) {
      if (delivery.afterMs) first.afterMs = delivery.afterMs;
      else delete first.afterMs;
    }
  }
  return resolved;
}
