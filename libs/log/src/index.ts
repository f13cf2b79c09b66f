import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** Options for {@link createLogger}. */
export interface LogOptions {
  /** Minimum level written. @default process env FLOTILLA_LOG_LEVEL's value passed by main, else "info" */
  level?: string;
  /** Where lines go; tests pass a stream to capture them. @default stdout */
  destination?: NodeJS.WritableStream;
}

/**
 * One structured logger per actor: every line carries `actor` so the output of a
 * whole master (several actors in one process) can be filtered per actor.
 */
export function createLogger(actor: string, options: LogOptions = {}): Logger {
  const opts: LoggerOptions = { level: options.level ?? "info", base: { actor } };
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}
