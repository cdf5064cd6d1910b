import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

/**
 * A credential value that cannot leak by accident: it prints as `[secret]` through
 * String(), JSON.stringify() and util.inspect(), so a log line or error that carries
 * the object never carries the value. Read it only with `reveal()` where it is sent.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself; call only where it is put on the wire. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

/** Reads one secret from env or file; undefined with a problem (naming the source, never the value). */
export function readSecret(source: { env?: string; file?: string }, env: NodeJS.ProcessEnv): { secret?: Secret; problem?: string } {
  if (source.env !== undefined) {
    const value = env[source.env];
    return value ? { secret: new Secret(value) } : { problem: `environment variable ${source.env} is not set` };
  }
  try {
    const value = readFileSync(source.file ?? '', 'utf8').trim();
    return value ? { secret: new Secret(value) } : { problem: `credential file ${source.file} is empty` };
  } catch {
    return { problem: `credential file ${source.file} cannot be read` };
  }
}
