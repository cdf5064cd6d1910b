import { withoutProgressToken } from './mcp-methods';
import { mergeCapabilities } from './mcp-sessions';

describe('relayed params', () => {
  test('the client\'s progress token stays at the gateway; other _meta goes upstream', () => {
    expect(withoutProgressToken({ name: 't', arguments: { a: 1 }, _meta: { progressToken: 7 } })).toEqual({ name: 't', arguments: { a: 1 } });
    expect(withoutProgressToken({ name: 't', _meta: { progressToken: 'p', trace: 'x' } })).toEqual({ name: 't', _meta: { trace: 'x' } });
    expect(withoutProgressToken({ name: 't' })).toEqual({ name: 't' });
  });
});

describe('merged capabilities', () => {
  test('tools always; prompts and resources when a reached server has them; no listChanged or subscribe', () => {
    expect(mergeCapabilities([])).toEqual({ tools: {} });
    expect(mergeCapabilities([{ tools: { listChanged: true } }, { prompts: {}, resources: { subscribe: true }, logging: {} }])).toEqual({ tools: {}, prompts: {}, resources: {} });
  });
});
