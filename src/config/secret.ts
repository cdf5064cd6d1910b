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
