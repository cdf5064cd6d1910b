/** Shared set-up for the bedrock translator tests: fixtures, backends, a fixed clock and a fixed id. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClientRequest } from '../../../api/client-request';
import type { ClientRequest } from '../../../api/client-request';
import { validateConfig } from '../../../config/load';
import { compileConfig } from '../../../config/runtime';
import type { RuntimeBackend } from '../../../config/runtime';
import { AnthropicToBedrock } from '../anthropic-to-bedrock';
import { encodeEventStreamFrame } from '../eventstream-decoder';
import { OpenAIToBedrock } from '../openai-to-bedrock';

/** A fixture's bytes. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, name));
}

/** A JSON fixture, parsed. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as unknown;
}

/** 2026-01-01T00:00:00Z: every golden response has `created` 1767225600, every signature x-amz-date 20260101T000000Z. */
export const FIXED_NOW = (): Date => new Date('2026-01-01T00:00:00Z');
/** The completion id of every golden response: `chatcmpl-fixed`. */
export const FIXED_ID = 'fixed';
/** The model id the tests send upstream; its `:` must reach the path as `%3A`. */
export const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

/** The AWS example credentials (SigV4 documentation), never real ones. */
export const ENV = {
  AK: 'AKIDEXAMPLE',
  SK: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  ST: 'session-token-example',
};

/** The backends the tests pick from, compiled the way the gateway compiles them. */
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      {
        name: 'bedrock',
        kind: 'bedrock',
        baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com',
        aws: { accessKeyId: { env: 'AK' }, secretAccessKey: { env: 'SK' } },
      },
      {
        name: 'proxy',
        kind: 'bedrock',
        baseUrl: 'http://llm-proxy:8080/aws/',
        aws: { region: 'eu-west-1', accessKeyId: { env: 'AK' }, secretAccessKey: { env: 'SK' }, sessionToken: { env: 'ST' } },
      },
    ],
    models: [{ name: 'claude-bedrock', backends: [{ backend: 'bedrock', model: CLAUDE }] }],
    callers: [],
  }),
  ENV,
);

/** A configured backend by name. */
export function backend(name: string): RuntimeBackend {
  const found = CONFIG.backends.get(name);
  if (!found) throw new Error(`no backend ${name}`);
  return found;
}

/** An OpenAI chat request as the gateway parses it. */
export function chatRequest(body: string | object): ClientRequest {
  return parseClientRequest('openai-chat', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
}

/** A translator with the fixed clock and id, sending CLAUDE unless told otherwise. */
export function bedrockTranslator(body: object, backendName = 'bedrock', upstreamModel: string | undefined = CLAUDE): OpenAIToBedrock {
  return new OpenAIToBedrock(chatRequest(body), { backend: backend(backendName), upstreamModel }, { now: FIXED_NOW, id: FIXED_ID });
}

/** Translates a client body; returns the upstream JSON and the warnings. */
export async function translate(body: object, upstreamModel: string = CLAUDE): Promise<{ json: unknown; warnings: readonly string[] }> {
  const translator = bedrockTranslator(body, 'bedrock', upstreamModel);
  const upstream = await translator.requestBody();
  return { json: JSON.parse(upstream.body.toString('utf8')) as unknown, warnings: translator.warnings };
}

/** A one-line user message. */
export const USER = { role: 'user', content: 'hi' };

/** A minimal chat request with extra options. */
export function chatWith(extra: object): object {
  return { model: 'claude-bedrock', messages: [USER], ...extra };
}

/** A `<case>.frames.json` file: the frames of a stream, and where to cut the last one to fake an early end. */
interface FramesFixture {
  frames: Array<{ headers: Record<string, string>; payload: unknown }>;
  cutLastFrameAt?: number;
}

/**
 * The event stream a `<case>.frames.json` describes, encoded with valid CRCs: the bytes of
 * `<case>.eventstream` (which a test regenerates with UPDATE_FIXTURES=1).
 */
export function encodeFramesFixture(name: string): Buffer {
  const fixture = fixtureJson(`${name}.frames.json`) as FramesFixture;
  const frames = fixture.frames.map((frame) => encodeEventStreamFrame(frame.headers, JSON.stringify(frame.payload)));
  if (fixture.cutLastFrameAt !== undefined) frames[frames.length - 1] = frames[frames.length - 1].subarray(0, fixture.cutLastFrameAt);
  return Buffer.concat(frames);
}

/** An Anthropic Messages request as the gateway parses it. */
export function messagesRequest(body: string | object): ClientRequest {
  return parseClientRequest('anthropic-messages', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
}

/** An Anthropic Messages → Converse translator with the fixed clock and id (`msg_bdrk_fixed`), sending CLAUDE unless told otherwise. */
export function messagesTranslator(body: object, upstreamModel: string | undefined = CLAUDE, backendName = 'bedrock'): AnthropicToBedrock {
  return new AnthropicToBedrock(messagesRequest(body), { backend: backend(backendName), upstreamModel }, { now: FIXED_NOW, id: FIXED_ID });
}

/** Translates an Anthropic Messages body for Converse; returns the upstream JSON and the warnings. */
export async function translateMessages(body: object, upstreamModel: string = CLAUDE): Promise<{ json: unknown; warnings: readonly string[] }> {
  const translator = messagesTranslator(body, upstreamModel);
  const upstream = await translator.requestBody();
  return { json: JSON.parse(upstream.body.toString('utf8')) as unknown, warnings: translator.warnings };
}
