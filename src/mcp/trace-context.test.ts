import { currentTraceContext, traceContextOf, traceIdOf, withTraceContext } from './trace-context';

describe('trace context', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  test('a valid traceparent gives its trace id; anything else none', () => {
    expect(traceIdOf(valid)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(traceIdOf('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });

  test('only valid headers are relayed', () => {
    expect(traceContextOf(new Map([['traceparent', valid], ['tracestate', 'vendor=1']]))).toEqual({ traceparent: valid, tracestate: 'vendor=1' });
    expect(traceContextOf(new Map([['traceparent', 'junk'], ['tracestate', 'vendor=1']]))).toEqual({});
  });

  test('the context follows async work started inside it', async () => {
    const seen = await withTraceContext({ traceparent: valid }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentTraceContext().traceparent;
    });
    expect(seen).toBe(valid);
    expect(currentTraceContext()).toEqual({});
  });
});
