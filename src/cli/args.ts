import { parseArgs } from 'node:util';

/**
 * Command-line parsing for every `aigw` command: Node's `util.parseArgs` in strict mode, so an
 * unknown flag, a flag without its value or a stray argument is a usage error (exit 2), and
 * `--help`/`-h` prints the command's own usage.
 */

/** A usage problem: the message and the usage of the command it concerns (exit 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

export interface CommandSpec {
  /** `aigw <name>`; a subcommand is `audit verify`. */
  readonly name: string;
  /** Its usage text (first line: the synopsis). */
  readonly usage: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** How many plain arguments it takes. */
  readonly positionals?: { readonly min: number; readonly max: number; readonly names: string };
}

export type Parsed = { help: true } | { help: false; values: Record<string, string | boolean | undefined>; positionals: string[] };

/** Parses `args` for `spec`; throws a UsageError naming what is wrong. */
export function parseCommand(spec: CommandSpec, args: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`aigw ${spec.name}: ${plainMessage(error as Error)}`, spec.usage);
  }
  if (parsed.values.help === true) return { help: true };
  const { min, max, names } = spec.positionals ?? { min: 0, max: 0, names: '' };
  if (parsed.positionals.length < min) throw new UsageError(`aigw ${spec.name}: missing ${names}`, spec.usage);
  if (parsed.positionals.length > max) {
    throw new UsageError(`aigw ${spec.name}: unexpected argument '${parsed.positionals[max]}'`, spec.usage);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return { help: false, values, positionals: parsed.positionals };
}

/** parseArgs' messages end with advice for script authors ("To specify a positional…"): the first sentence is the problem. */
export function plainMessage(error: Error): string {
  const message = error.message.split('. To ')[0];
  return message.replace(/^Unknown option/, 'unknown option').replace(/^Option/, 'option');
}

/** A string option's value ('' is refused like a missing one). */
export function stringValue(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
