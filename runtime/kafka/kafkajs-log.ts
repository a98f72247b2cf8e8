import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** Routes kafkajs' own log lines into the exporter's pino logger (kafkajs never logs SASL secrets). */
export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      // kafkajs names itself in `logger: "kafkajs"`; a `component` here would repeat the logger's own.
      const { message, ...child } = log;
      switch (level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          logger.error(child, message);
          break;
        case logLevel.WARN:
          logger.warn(child, message);
          break;
        case logLevel.INFO:
          logger.info(child, message);
          break;
        default:
          logger.debug(child, message);
      }
    };
}

/** kafkajs' level for a pino level: info-level chatter only when the exporter itself logs debug. */
export function kafkaJsLevel(logger: Logger): logLevel {
  return logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN;
}
