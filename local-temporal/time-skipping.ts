// Temporal's time-skipping test server, started from the binary the project installed
// (scripts/install-temporal.mjs; never a download at run time): `escalate policy replay` runs a
// month of alerts through the real workflow in seconds on it, and the long-policy tests use it too.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTestServer } from '../worker/temporal-binary.js';
import { INCIDENT_SEARCH_ATTRIBUTES, INDEXED_VALUE_TYPE } from '../workflows/search-attributes.js';

/**
 * Starts the server and registers our search attributes: it refuses a workflow task that upserts an
 * unregistered one ("search attribute IncidentState is not defined") and retries it forever. It
 * implements AddSearchAttributes but not ListSearchAttributes, so there is nothing to check first;
 * each server starts empty.
 */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer().path } },
  });
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(INCIDENT_SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
