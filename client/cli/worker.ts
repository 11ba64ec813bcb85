import { NativeConnection } from '@temporalio/worker';
import { loadConfigFile } from '../../worker/config-file.js';
import { createLogger, installRuntimeLogger } from '../../worker/logger.js';
import { runEscalationWorker } from '../../worker/worker.js';

/**
 * `escalate worker`: one stateless worker; stops gracefully on SIGINT/SIGTERM and re-reads its
 * config file on SIGHUP (a bad file is refused and logged; the config in force stays).
 */
export async function runWorkerCommand(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  configFile: string;
}): Promise<void> {
  const logger = createLogger();
  installRuntimeLogger(logger);
  const config = loadConfigFile(options.configFile);
  logger.info({ config: options.configFile, policies: config.policies.map((p) => p.name) }, 'config loaded');
  const connection = await NativeConnection.connect({ address: options.address });
  const running = await runEscalationWorker({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    config,
    configFile: options.configFile,
    logger,
    handleSignals: true,
  });
  logger.info({ pid: process.pid }, `reload the config with: kill -HUP ${process.pid}`);
  await running.done;
  await connection.close();
  logger.info('escalation worker stopped');
}
