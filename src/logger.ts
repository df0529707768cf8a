import pino, { type Logger } from 'pino';

// Paths that could hold credentials are censored wherever they appear in a log record.
const REDACT_PATHS = [
  'secrets',
  '*.secrets',
  '*.*.secrets',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'encryptionKey',
  '*.encryptionKey',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const pinoLevel = level === 'all' ? 'trace' : level === 'off' ? 'silent' : level;
  return pino({ level: pinoLevel, base: { name: 'plugboard' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, destination);
}
