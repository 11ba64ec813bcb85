import { ActivityCancellationType, patched, proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { DeliverySettings } from '../domain/config.js';
import { DELIVERY_FAILURE, deliveryHeartbeatTimeoutMs, type NotificationActivities } from '../domain/delivery.js';

/**
 * The delivery activity as the config's delivery settings shape it: one attempt per provider
 * request, retried by Temporal, never retried when the provider refused for good. The heartbeat
 * timeout is domain/delivery.ts's decision; incidents recorded before the patch keep the old one.
 */
export function deliveryActivity(delivery: DeliverySettings): ActivityInterfaceFor<NotificationActivities>['deliver'] {
  return proxyActivities<NotificationActivities>({
    startToCloseTimeout: delivery.attemptTimeout,
    heartbeatTimeout: deliveryHeartbeatTimeoutMs(delivery.attemptTimeout, patched('delivery-heartbeat-timeout')),
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: delivery.initialInterval,
      backoffCoefficient: delivery.backoff,
      maximumInterval: delivery.maximumInterval,
      maximumAttempts: delivery.maximumAttempts,
      nonRetryableErrorTypes: [DELIVERY_FAILURE.rejected, DELIVERY_FAILURE.notConfigured],
    },
  }).deliver;
}
