// The SDK logs every worker state change and every expected provider failure, and its native core
// warns about the time-skipping server's version; tests only want to hear about errors.
// TEST_LOG_LEVEL=DEBUG (or INFO, WARN) brings the rest back when debugging a test.
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';

const level = (process.env.TEST_LOG_LEVEL ?? 'ERROR').toUpperCase() as LogLevel;
try {
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level, other: level }) } },
  });
} catch {
  // Already installed in this process (a file re-run in watch mode).
}
