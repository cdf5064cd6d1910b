import { ResourceReader, formatNote } from './resource';
import type { ImportNote } from './resource';
import { durationMs, importRoutes } from './routes';

function route(name: string, rules: unknown[], notes: ImportNote[]): ResourceReader {
  return new ResourceReader({ apiVersion: 'aigateway.envoyproxy.io/v1beta1', kind: 'AIGatewayRoute', metadata: { name, namespace: 'ns' }, spec: { rules } }, notes);
}

const model = (value: string, extra: Record<string, string> = {}): unknown => ({
  headers: [{ name: 'x-ai-eg-model', value }, ...Object.entries(extra).map(([name, headerValue]) => ({ name, value: headerValue }))],
});

describe('durationMs', () => {
  test.each([
    ['10s', 10_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m1s1ms', 61_001],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => expect(durationMs(text)).toBe(ms));

  test.each(['', '10', '1.5s', '10 s', '-1s', '1d'])('"%s" is not a Gateway API duration', (text) => expect(durationMs(text)).toBeUndefined());
});

describe('importRoutes', () => {
  const backends = (key: string): string | undefined => ({ 'ns/a': 'a', 'ns/b': 'b', 'other/c': 'c' })[key];

  test('the match with more header conditions comes first among routing rules (Gateway API precedence)', () => {
    const notes: ImportNote[] = [];
    const result = importRoutes(
      [
        route(
          'r',
          [
            { name: 'one', matches: [model('m', { 'x-a': '1' })], backendRefs: [{ name: 'a' }] },
            { name: 'two', matches: [model('m', { 'x-a': '1', 'x-b': '2' })], backendRefs: [{ name: 'b' }] },
            { name: 'plain', matches: [model('m')], backendRefs: [{ name: 'c', namespace: 'other' }] },
          ],
          notes,
        ),
      ],
      backends,
    );
    expect(result.routing).toEqual([
      { name: 'r.two', match: { model: 'm', headers: { 'x-a': '1', 'x-b': '2' } }, to: 'm@r.two' },
      { name: 'r.one', match: { model: 'm', headers: { 'x-a': '1' } }, to: 'm@r.one' },
    ]);
    expect(result.models.map((entry) => [entry.name, entry.backends])).toEqual([
      ['m', [{ backend: 'c', priority: 0 }]],
      ['m@r.two', [{ backend: 'b', priority: 0, model: 'm' }]],
      ['m@r.one', [{ backend: 'a', priority: 0, model: 'm' }]],
    ]);
    expect(notes.map(formatNote)).toEqual([]);
  });

  test('a model only matched with extra headers is also served plainly (aigw needs it to exist), with a note', () => {
    const notes: ImportNote[] = [];
    const result = importRoutes([route('r', [{ matches: [model('m', { 'x-a': '1' })], backendRefs: [{ name: 'a', modelNameOverride: 'up' }] }], notes)], backends);
    expect(result.models.map((entry) => [entry.name, entry.backends])).toEqual([
      ['m', [{ backend: 'a', priority: 0, model: 'up' }]],
      ['m@r.rule-0', [{ backend: 'a', priority: 0, model: 'up' }]],
    ]);
    expect(notes.map(formatNote)).toEqual([
      'AIGatewayRoute ns/r spec.rules[0].matches[0]: model "m" has no rule without header conditions, so aigw serves it from this rule\'s backends whatever the headers (aigw needs the model to exist for a routing rule)',
    ]);
  });

  test('the first rule for a model wins; a later one is named; priorities above 100 are capped; header names are case-insensitive', () => {
    const notes: ImportNote[] = [];
    const result = importRoutes(
      [
        route('first', [{ matches: [{ headers: [{ name: 'X-AI-EG-Model', value: 'm' }] }], backendRefs: [{ name: 'a', priority: 500 }, { name: 'b', priority: 7, weight: 2 }] }], notes),
        route('second', [{ matches: [model('m')], backendRefs: [{ name: 'b' }] }], notes),
      ],
      backends,
    );
    expect(result.models).toEqual([
      {
        name: 'm',
        backends: [
          { backend: 'a', priority: 100 },
          { backend: 'b', priority: 7, weight: 2 },
        ],
      },
    ]);
    expect(notes.map(formatNote)).toEqual([
      'AIGatewayRoute ns/first spec.rules[0].backendRefs[0].priority: aigw priorities go up to 100: 500 is written as 100',
      'AIGatewayRoute ns/second spec.rules[0].matches[0]: not carried over: model "m" is already served by an earlier rule (the first one wins)',
    ]);
    expect(result.requestTimeoutSeconds).toBe(60);
  });
});
