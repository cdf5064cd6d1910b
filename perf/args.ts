/**
 * Command lines of the benchmark scripts, parsed apart from the scripts themselves (which
 * run on import) so they can be unit-tested.
 */

/** A bad command line. */
export class UsageError extends Error {}

/** `npm run bench` options. */
export interface BenchArgs {
  rate: number;
  duration: number;
  connections: number;
  quick: boolean;
  noWrk: boolean;
  /** Keep the temp directory (configs, process logs) and print its path. */
  keep: boolean;
}

/** Checks that every `--x` is known and every bare word follows an option that takes a value. */
function checkWords(argv: readonly string[], flags: readonly string[], valued: readonly string[]): void {
  const known = new Set([...flags, ...valued]);
  argv.forEach((arg, index) => {
    if (arg.startsWith('--') && !known.has(arg)) throw new UsageError(`unknown option ${arg}`);
    if (!arg.startsWith('--') && !valued.includes(argv[index - 1] ?? '')) throw new UsageError(`unexpected argument ${arg}`);
  });
}

/** A positive number after `name`, or `fallback` when the option is absent. */
function positive(argv: readonly string[], name: string, fallback: number): number {
  const index = argv.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${name} needs a positive number`);
  return value;
}

/** Parses `--rate N --duration S --connections C --quick --no-wrk --keep`. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  checkWords(argv, ['--quick', '--no-wrk', '--keep'], ['--rate', '--duration', '--connections']);
  const quick = argv.includes('--quick');
  return {
    rate: positive(argv, '--rate', 1000),
    duration: positive(argv, '--duration', quick ? 2 : 10),
    connections: Math.round(positive(argv, '--connections', 64)),
    quick,
    noWrk: argv.includes('--no-wrk'),
    keep: argv.includes('--keep'),
  };
}

/** `npm run bench:translate` options. */
export interface TranslateArgs {
  quick: boolean;
  /** Text deltas in each measured stream. */
  deltas: number;
  /** Timed passes over each stream (plus as many again for the CPU loop). */
  passes: number;
  /** Timed runs of each request and response translation (plus as many again for the CPU loop). */
  iterations: number;
  /** Only cases whose name contains this text (case-insensitive), e.g. for `node --cpu-prof`. */
  only?: string;
}

/** Parses `--quick --deltas N --passes N --iterations N --only TEXT`. */
export function parseTranslateArgs(argv: readonly string[]): TranslateArgs {
  checkWords(argv, ['--quick'], ['--deltas', '--passes', '--iterations', '--only']);
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? undefined : argv[onlyIndex + 1];
  if (onlyIndex !== -1 && (only === undefined || only.startsWith('--'))) throw new UsageError('--only needs a text');
  return {
    quick,
    deltas: Math.round(positive(argv, '--deltas', 2000)),
    passes: Math.round(positive(argv, '--passes', quick ? 3 : 20)),
    iterations: Math.round(positive(argv, '--iterations', quick ? 300 : 3000)),
    ...(only !== undefined ? { only } : {}),
  };
}
