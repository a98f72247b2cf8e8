import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** Routes kafkajs' own log lines into the exporter's pino logger (kafkajs never logs SASL secrets). */
export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = { component: 'kafkajs', ...extra };
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
