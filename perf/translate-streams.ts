/**
 * Long provider streams for the translation benchmark, built from the recorded stream
 * fixtures in `src/providers/` (each provider's own event shapes): the fixture's events
 * before its first text delta, then `count` text deltas cloned from the fixture's first one
 * with new text, then the fixture's events after its last delta. Each returned Buffer is one
 * whole event (an SSE event or an AWS eventstream frame), fed to one responseBody() call.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeEventStreamFrame } from '../src/providers/bedrock/eventstream-decoder';
import { prose } from './translate-requests';

/** `src/providers` in the source tree (fixtures are not copied to dist/). */
export function providersDir(): string {
  // dist/perf/ when built, perf/ under ts-jest: walk up to the directory that holds src/.
  const root = __dirname.includes(`${join('dist', 'perf')}`) ? resolve(__dirname, '..', '..') : resolve(__dirname, '..');
  return join(root, 'src', 'providers');
}

/** A fixture file under src/providers. */
export function providerFixture(path: string): Buffer {
  return readFileSync(join(providersDir(), path));
}

/** The text of `count` deltas: two words each, the first without its leading space. */
export function deltaTexts(count: number, seed = 42): string[] {
  const words = prose(count * 2, seed).split(' ');
  return Array.from({ length: count }, (_, index) => `${index === 0 ? '' : ' '}${words[2 * index]} ${words[2 * index + 1]}`);
}

/** Splits an SSE fixture (LF line endings, events separated by a blank line) into events without their blank line. */
export function splitSse(text: string): string[] {
  return text
    .split('\n\n')
    .map((event) => event.replace(/^\n+/, ''))
    .filter((event) => event.length > 0);
}

/** The JSON of an SSE event's single `data:` line; undefined when there is none or it is not JSON ([DONE]). */
export function sseData(event: string): unknown {
  const line = event.split('\n').find((candidate) => candidate.startsWith('data:'));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line.slice(5).trim()) as unknown;
  } catch {
    return undefined;
  }
}

/** The event with its `data:` line replaced by `data` as JSON. */
export function withSseData(event: string, data: unknown): string {
  return event
    .split('\n')
    .map((line) => (line.startsWith('data:') ? `data: ${JSON.stringify(data)}` : line))
    .join('\n');
}

/** head + `count` clones of the first delta (text set by `setText`) + tail; throws when the fixture has no delta. */
export function expandEvents<T>(events: readonly T[], isDelta: (event: T) => boolean, clone: (template: T, text: string) => T, count: number): T[] {
  const first = events.findIndex(isDelta);
  if (first === -1) throw new Error('the fixture has no text delta to clone');
  let last = first;
  events.forEach((event, index) => {
    if (isDelta(event)) last = index;
  });
  const deltas = deltaTexts(count).map((text) => clone(events[first], text));
  return [...events.slice(0, first), ...deltas, ...events.slice(last + 1)];
}

type Json = Record<string, unknown>;
const json = (value: unknown): Json => value as Json;

function sseStream(path: string, isDelta: (data: unknown) => boolean, setText: (data: Json, text: string) => void, count: number): Buffer[] {
  const text = providerFixture(path).toString('utf8');
  // Gemini's fixture (like Gemini) ends lines with CRLF: work in LF, send what the fixture uses.
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const events = splitSse(text.replace(/\r\n/g, '\n'));
  const clone = (template: string, text: string): string => {
    const data = structuredClone(sseData(template)) as Json;
    setText(data, text);
    return withSseData(template, data);
  };
  return expandEvents(events, (event) => isDelta(sseData(event)), clone, count).map((event) => Buffer.from(`${event}\n\n`.replace(/\n/g, newline)));
}

/** Anthropic Messages SSE (text_delta events), from anthropic/__fixtures__/stream-text.anthropic.sse.txt. */
export function anthropicStream(count: number): Buffer[] {
  return sseStream(
    'anthropic/__fixtures__/stream-text.anthropic.sse.txt',
    (data) => json(data)?.type === 'content_block_delta',
    (data, text) => {
      json(data.delta).text = text;
    },
    count,
  );
}

function openAIContentDelta(data: unknown): boolean {
  const choice = (json(data)?.choices as Json[] | undefined)?.[0];
  const delta = choice === undefined ? undefined : json(choice.delta);
  return typeof delta?.content === 'string' && delta.content !== '' && delta.role === undefined;
}

function setOpenAIContent(data: Json, text: string): void {
  json(json((data.choices as Json[])[0]).delta).content = text;
}

/** OpenAI chat.completion.chunk SSE ending in a usage chunk and [DONE], from `path` (an OpenAI stream fixture). */
export function openAIStream(count: number, path = '__fixtures__/openai-chat-stream.sse.txt'): Buffer[] {
  return sseStream(path, openAIContentDelta, setOpenAIContent, count);
}

/** Gemini streamGenerateContent?alt=sse, from gemini/__fixtures__/stream-text.gemini.sse.txt. */
export function geminiStream(count: number): Buffer[] {
  const candidate = (data: unknown): Json | undefined => (json(data)?.candidates as Json[] | undefined)?.[0];
  return sseStream(
    'gemini/__fixtures__/stream-text.gemini.sse.txt',
    (data) => {
      const first = candidate(data);
      return first !== undefined && first.finishReason === undefined;
    },
    (data, text) => {
      const parts = json(candidate(data)?.content).parts as Json[];
      parts[0].text = text;
    },
    count,
  );
}

interface Frame {
  headers: Record<string, string>;
  payload: Json;
}

/** Bedrock ConverseStream eventstream frames, from bedrock/__fixtures__/stream-text.frames.json. */
export function bedrockStream(count: number): Buffer[] {
  const fixture = JSON.parse(providerFixture('bedrock/__fixtures__/stream-text.frames.json').toString('utf8')) as { frames: Frame[] };
  const clone = (template: Frame, text: string): Frame => {
    const payload = structuredClone(template.payload);
    json(payload.delta).text = text;
    return { headers: template.headers, payload };
  };
  const frames = expandEvents(fixture.frames, (frame) => frame.headers[':event-type'] === 'contentBlockDelta', clone, count);
  return frames.map((frame) => encodeEventStreamFrame(frame.headers, JSON.stringify(frame.payload)));
}
