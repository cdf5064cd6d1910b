import { SseDecoder } from '../src/providers/sse';
import { EventStreamDecoder } from '../src/providers/bedrock/eventstream-decoder';
import { checkStream, parsedRequest, STREAM_CASES } from '../perf/translate-cases';
import { measureStream } from '../perf/translate-measure';
import { renderTranslateText } from '../perf/translate-report';
import type { TranslateReport } from '../perf/translate-report';
import { anthropicMessagesRequest, openAIChatRequest, prose } from '../perf/translate-requests';
import { anthropicStream, bedrockStream, deltaTexts, expandEvents, geminiStream, openAIStream, splitSse, sseData, withSseData } from '../perf/translate-streams';

describe('benchmark requests', () => {
  test('prose is deterministic per seed, with capitalised sentences ending in a full stop', () => {
    expect(prose(12, 7)).toBe(prose(12, 7));
    expect(prose(12, 7)).not.toBe(prose(12, 8));
    expect(prose(12, 7).split(' ')).toHaveLength(12);
    expect(prose(12, 7)).toMatch(/^[A-Z].*\.$/);
  });

  test('both request shapes are about 10 KB and carry the system prompt, history and two tools', () => {
    const openai = openAIChatRequest('m', true);
    const anthropic = anthropicMessagesRequest('m', false);
    expect(JSON.stringify(openai).length).toBeGreaterThan(9500);
    expect(JSON.stringify(openai).length).toBeLessThan(11500);
    expect(JSON.stringify(anthropic).length).toBeGreaterThan(9500);
    expect(JSON.stringify(anthropic).length).toBeLessThan(11500);
    expect((openai.messages as unknown[]).length).toBe(12);
    expect((anthropic.messages as unknown[]).length).toBe(11);
    expect((openai.tools as unknown[]).length).toBe(2);
    expect(openai.stream).toBe(true);
    expect(anthropic.stream).toBeUndefined();
  });
});

describe('benchmark streams', () => {
  test('delta texts: two words each, a leading space after the first', () => {
    const texts = deltaTexts(3, 1);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/^\S+ \S+$/);
    expect(texts[1]).toMatch(/^ \S+ \S+$/);
  });

  test('SSE helpers split events and replace the data line only', () => {
    expect(splitSse('event: a\ndata: {"x":1}\n\n\ndata: [DONE]\n\n')).toEqual(['event: a\ndata: {"x":1}', 'data: [DONE]']);
    expect(sseData('event: a\ndata: {"x":1}')).toEqual({ x: 1 });
    expect(sseData('data: [DONE]')).toBeUndefined();
    expect(withSseData('event: a\ndata: {"x":1}', { x: 2 })).toBe('event: a\ndata: {"x":2}');
  });

  test('expandEvents keeps the head and tail around clones of the first delta', () => {
    const events = ['head', 'd1', 'mid', 'd2', 'tail'];
    const expanded = expandEvents(events, (event) => event.startsWith('d'), (template, text) => `${template}:${text.trim()}`, 3);
    expect(expanded).toHaveLength(5);
    expect(expanded[0]).toBe('head');
    expect(expanded.slice(1, 4).every((event) => event.startsWith('d1:'))).toBe(true);
    expect(expanded[4]).toBe('tail');
    expect(() => expandEvents(['a'], () => false, (t) => t, 1)).toThrow('no text delta');
  });

  test.each([
    ['anthropic', anthropicStream(5), 11],
    ['openai', openAIStream(5), 9],
    ['gemini', geminiStream(5), 6],
  ])('%s: every buffer is exactly one SSE event', (_, events, count) => {
    expect(events).toHaveLength(count);
    for (const event of events) {
      const decoder = new SseDecoder();
      expect(decoder.push(event)).toHaveLength(1);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  test('gemini keeps the fixture CRLF line endings', () => {
    expect(geminiStream(1)[0].toString('utf8').endsWith('}\r\n\r\n')).toBe(true);
  });

  test('bedrock: every buffer is exactly one eventstream frame with the new text', () => {
    const frames = bedrockStream(4);
    expect(frames).toHaveLength(4 + 4);
    const decoded = frames.map((frame) => {
      const decoder = new EventStreamDecoder();
      const out = decoder.push(frame);
      expect(decoder.pendingBytes()).toBe(0);
      return out;
    });
    expect(decoded.every((out) => out.length === 1)).toBe(true);
    expect(decoded[1][0].headers[':event-type']).toBe('contentBlockDelta');
    expect(JSON.parse(Buffer.from(decoded[1][0].payload).toString('utf8')).delta.text).toBe(deltaTexts(4)[0]);
  });
});

describe('benchmark cases', () => {
  test.each(STREAM_CASES.map((item) => [item.name, item] as const))('%s: the whole stream translates cleanly', (_, item) => {
    expect(checkStream(item, parsedRequest(item.pair, true), item.events(20), 20)).toBeUndefined();
  });

  test('a stream cut before its end is reported, not timed', () => {
    const item = STREAM_CASES[1];
    const events = item.events(20);
    expect(checkStream(item, parsedRequest(item.pair, true), events.slice(0, -3), 20)).toMatch(/carries an error|ends with/);
  });

  test('measureStream calls the sink once per event per pass, ending each pass with endOfStream', () => {
    const calls: Array<[number, boolean]> = [];
    const events = [Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')];
    const result = measureStream(() => (chunk, end) => calls.push([chunk.length, end]), events, 2, 1);
    // 1 warm-up pass + 2 CPU passes + 2 timed passes.
    expect(calls).toHaveLength(5 * 3);
    expect(calls.slice(0, 3)).toEqual([[1, false], [2, false], [3, true]]);
    expect(result.operations).toBe(6);
    expect(result.wallMicros.count).toBe(6);
  });
});

test('the report table marks a stream over the target', () => {
  const wall = { count: 1, min: 1, mean: 30, p50: 30, p90: 30, p99: 30, max: 30 };
  const report: TranslateReport = {
    timestamp: 't',
    machine: { cpus: 2, cpuModel: 'cpu', node: 'v20', loadAverage1m: 1 },
    parameters: { quick: true },
    notes: [],
    requests: [{ name: 'req', bytesIn: 10, bytesOut: 0, operations: 1, cpuMicros: 5, wallMicros: wall }],
    responses: [],
    streams: [
      { name: 'slow stream', eventsPerStream: 3, meanEventBytes: 100, operations: 3, cpuMicros: 25, wallMicros: wall, meetsTarget: false },
      { name: 'fast stream', eventsPerStream: 3, meanEventBytes: 100, operations: 3, cpuMicros: 5, wallMicros: wall, meetsTarget: true },
    ],
  };
  const text = renderTranslateText(report);
  expect(text).toMatch(/slow stream +3 +100 +25\.00 .* MISSED/);
  expect(text).toMatch(/fast stream +3 +100 +5\.00 .* met/);
  expect(text).toMatch(/req +10 +- +5\.0/);
});
