import { parseBenchArgs, parseTranslateArgs, UsageError } from '../perf/args';

describe('npm run bench arguments', () => {
  test('defaults, and --quick shortens the duration only', () => {
    expect(parseBenchArgs([])).toEqual({ rate: 1000, duration: 10, connections: 64, quick: false, noWrk: false, keep: false });
    expect(parseBenchArgs(['--quick'])).toEqual({ rate: 1000, duration: 2, connections: 64, quick: true, noWrk: false, keep: false });
  });

  test('values and flags', () => {
    expect(parseBenchArgs(['--rate', '500', '--duration', '3', '--connections', '7.6', '--no-wrk', '--keep'])).toEqual({
      rate: 500,
      duration: 3,
      connections: 8,
      quick: false,
      noWrk: true,
      keep: true,
    });
  });

  test.each([
    [['--rate', '0'], '--rate needs a positive number'],
    [['--rate', 'x'], '--rate needs a positive number'],
    [['--fast'], 'unknown option --fast'],
    [['--quick', '5'], 'unexpected argument 5'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(new UsageError(message));
  });
});

describe('npm run bench:translate arguments', () => {
  test('defaults, --quick, values and --only', () => {
    expect(parseTranslateArgs([])).toEqual({ quick: false, deltas: 2000, passes: 20, iterations: 3000 });
    expect(parseTranslateArgs(['--quick'])).toEqual({ quick: true, deltas: 2000, passes: 3, iterations: 300 });
    expect(parseTranslateArgs(['--deltas', '50', '--passes', '2', '--iterations', '10', '--only', 'Gemini'])).toEqual({
      quick: false,
      deltas: 50,
      passes: 2,
      iterations: 10,
      only: 'Gemini',
    });
  });

  test.each([
    [['--only'], '--only needs a text'],
    [['--only', '--quick'], '--only needs a text'],
    [['--deltas', '-1'], '--deltas needs a positive number'],
    [['--rate', '5'], 'unknown option --rate'],
    [['gemini'], 'unexpected argument gemini'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseTranslateArgs(argv)).toThrow(new UsageError(message));
  });
});
