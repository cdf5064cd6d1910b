import { DEFAULT_MAX_JSON_DEPTH, jsonNestsDeeperThan } from './json-depth';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('jsonNestsDeeperThan', () => {
  test('depth exactly at the limit passes, one more fails: arrays, objects and both mixed', () => {
    for (const limit of [1, 2, 16, DEFAULT_MAX_JSON_DEPTH]) {
      expect(jsonNestsDeeperThan(bytes(arrays(limit)), limit)).toBe(false);
      expect(jsonNestsDeeperThan(bytes(arrays(limit + 1)), limit)).toBe(true);
      expect(jsonNestsDeeperThan(bytes(objects(limit)), limit)).toBe(false);
      expect(jsonNestsDeeperThan(bytes(objects(limit + 1)), limit)).toBe(true);
    }
    expect(jsonNestsDeeperThan(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('{"a":[{"b":[[1]]}]}'), 4)).toBe(true);
  });

  test('depth is the deepest point, not the number of containers', () => {
    const siblings = `[${Array.from({ length: 1000 }, () => '[1,{"a":[]}]').join(',')}]`;
    expect(jsonNestsDeeperThan(bytes(siblings), 4)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(siblings), 3)).toBe(true);
    expect(jsonNestsDeeperThan(bytes('1'), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('"[[[["'), 1)).toBe(false);
  });

  test('brackets inside strings do not count, short or long', () => {
    for (const text of ['[[[[[[', '{{{{{{{{', 'x'.repeat(100) + '[[[[[[' + 'y'.repeat(100)]) {
      expect(jsonNestsDeeperThan(bytes(JSON.stringify({ content: text })), 1)).toBe(false);
      expect(jsonNestsDeeperThan(bytes(JSON.stringify([{ content: text }])), 1)).toBe(true);
    }
  });

  test('escaped quotes and backslashes: \\" stays inside the string, \\\\" closes it', () => {
    // Every string length around the 32-byte switch from the byte loop to indexOf.
    for (let pad = 0; pad < 70; pad++) {
      const before = 'p'.repeat(pad);
      // "…\"[[[" is one string: its brackets do not count.
      expect(jsonNestsDeeperThan(bytes(`["${before}\\"[[[", 1]`), 1)).toBe(false);
      // "…\\" closes after the escaped backslash: the brackets after it count.
      expect(jsonNestsDeeperThan(bytes(`["${before}\\\\", [[1]]]`), 2)).toBe(true);
      expect(jsonNestsDeeperThan(bytes(`["${before}\\\\", [[1]]]`), 3)).toBe(false);
      // Three backslashes then a quote: an escaped backslash, then an escaped quote.
      expect(jsonNestsDeeperThan(bytes(`["${before}\\\\\\"[[", 1]`), 1)).toBe(false);
      expect(jsonNestsDeeperThan(bytes(`["${before}\\\\\\\\", [1]]`), 1)).toBe(true);
    }
  });

  test('agrees with the depth of parsed JSON on generated documents', () => {
    let state = 11;
    const random = (below: number): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % below;
    };
    const strings = ['', 'x', '[', ']', '{', '}', '\\', '"', '\\"', 'é', '👋', 'long '.repeat(10) + '[{"'];
    const generate = (level: number): unknown => {
      const kind = level > 8 ? 0 : random(4);
      if (kind === 0) return random(2) ? strings[random(strings.length)] + strings[random(strings.length)] : random(100);
      if (kind === 1) return Array.from({ length: random(4) }, () => generate(level + 1));
      return Object.fromEntries(Array.from({ length: random(4) }, () => [strings[random(strings.length)] + random(9), generate(level + 1)]));
    };
    const depthOf = (value: unknown): number =>
      typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
    for (let round = 0; round < 2000; round++) {
      const value = generate(0);
      const text = bytes(JSON.stringify(value));
      const depth = depthOf(value);
      expect(jsonNestsDeeperThan(text, depth)).toBe(false);
      if (depth > 0) expect(jsonNestsDeeperThan(text, depth - 1)).toBe(true);
    }
  });

  test('100,000 levels are refused at once, without a RangeError', () => {
    const deep = bytes(arrays(100_000));
    const start = process.hrtime.bigint();
    expect(jsonNestsDeeperThan(deep, DEFAULT_MAX_JSON_DEPTH)).toBe(true);
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(50);
  });

  test('unterminated strings and unbalanced brackets are left to JSON.parse', () => {
    expect(jsonNestsDeeperThan(bytes('["abc'), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(']]]]'), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('["' + 'a'.repeat(100) + '\\"'), 1)).toBe(false);
  });
});
