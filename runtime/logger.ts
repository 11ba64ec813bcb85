import { pino, type Logger as PinoLogger } from 'pino';
import { Runtime, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';

/** One structured logger for the process; workflow and activity logs carry the incident's ids. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): PinoLogger {
  return pino({ level, base: { service: 'escalation' } });
}

/** Adapts pino to the SDK's Logger so workflow, activity and core logs come out as one stream. */
export class PinoSdkLogger implements Logger {
  constructor(private readonly logger: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method =
      level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
    this.logger[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed = false;

/** Routes the SDK's logs through pino. The SDK's Runtime can be installed once per process. */
export function installRuntimeLogger(logger: PinoLogger): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new PinoSdkLogger(logger) });
}
