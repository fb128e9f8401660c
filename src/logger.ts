import { pino, type Logger } from 'pino';

/**
 * The service's logger. Redaction is a second line of defence: the HTTP layer already logs no headers
 * or bodies, but a stray object with one of these keys is censored rather than written.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['authorization', '*.authorization', 'token', '*.token', 'privateKey', '*.privateKey', 'kek', '*.kek', 'body', '*.body'],
      censor: '[redacted]',
    },
  });
}
