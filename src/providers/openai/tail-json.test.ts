import { topLevelTailObject } from './tail-json';

const filler = 'x'.repeat(70 * 1024);

function body(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('topLevelTailObject', () => {
  test('reads the last top-level member of a large body, scalar members after it allowed', () => {
    const answer = { id: 'a', choices: [{ message: { content: filler } }], usage: { prompt_tokens: 3, completion_tokens: 7 }, system_fingerprint: 'fp', service_tier: null };
    expect(topLevelTailObject(body(answer), 'usage')).toEqual({ prompt_tokens: 3, completion_tokens: 7 });
    const embeddings = { object: 'list', data: [{ embedding: Array.from({ length: 20000 }, () => 0.125) }], model: 'e', usage: { prompt_tokens: 12, total_tokens: 12 } };
    expect(topLevelTailObject(body(embeddings), 'usage')).toEqual({ prompt_tokens: 12, total_tokens: 12 });
  });

  test('small bodies, and members not found at the top level that way, are left to a whole parse', () => {
    expect(topLevelTailObject(body({ usage: { prompt_tokens: 1 } }), 'usage')).toBeUndefined();
    // Nested: after it comes more than scalar members.
    expect(topLevelTailObject(body({ choices: [{ usage: { prompt_tokens: 1 }, text: filler }] }), 'usage')).toBeUndefined();
    expect(topLevelTailObject(body({ text: filler, wrapper: { usage: { prompt_tokens: 1 } } }), 'usage')).toBeUndefined();
    // In a string: what follows is not JSON members.
    expect(topLevelTailObject(Buffer.from(`{"text":"${filler} \\"usage\\":{\\"prompt_tokens\\":9}","x":1}`), 'usage')).toBeUndefined();
    // Not an object, or not there.
    expect(topLevelTailObject(body({ text: filler, usage: null }), 'usage')).toBeUndefined();
    expect(topLevelTailObject(body({ text: filler }), 'usage')).toBeUndefined();
    // An array member after it.
    expect(topLevelTailObject(body({ text: filler, usage: { a: 1 }, list: [1] }), 'usage')).toBeUndefined();
  });

  test('braces and escaped quotes inside the object strings do not end it early', () => {
    const answer = { text: filler, usage: { note: 'a } \\" { b', prompt_tokens: 2 } };
    expect(topLevelTailObject(body(answer), 'usage')).toEqual({ note: 'a } \\" { b', prompt_tokens: 2 });
  });
});
