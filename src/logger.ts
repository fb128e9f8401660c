import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export interface LoggerOptions {
  /** Readable lines for a person at a terminal; JSON lines (one object each) for a log collector. Default: whether stdout is a terminal. */
  pretty?: boolean;
  /** Where the lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * The service's logger. Redaction is a second line of defence: the HTTP layer already logs no headers
 * or bodies, but a stray object with one of these keys is censored rather than written. Redaction happens
 * before formatting, so it holds for the pretty lines too.
 */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const options = {
    level,
    redact: {
      paths: ['authorization', '*.authorization', 'token', '*.token', 'privateKey', '*.privateKey', 'kek', '*.kek', 'body', '*.body'],
      censor: '[redacted]',
    },
  };
  if (!pretty) return opts.destination ? pino(options, opts.destination) : pino(options);
  // In this thread and synchronous (not a worker transport), so the last lines before an exit are not lost.
  const stream = PinoPretty({
    colorize: opts.destination ? false : true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(opts.destination ? { destination: opts.destination } : {}),
  });
  return pino(options, stream);
}
