/** Shared set-up for the gemini translator tests: fixtures, backends, a fixed clock and fixed ids. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClientRequest } from '../../../api/client-request';
import type { ClientRequest } from '../../../api/client-request';
import { validateConfig } from '../../../config/load';
import { compileConfig } from '../../../config/runtime';
import type { RuntimeBackend } from '../../../config/runtime';
import { GatewayError } from '../../../errors';
import { OpenAIToGemini } from '../openai-to-gemini';

/** A fixture's bytes. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, name));
}

/** A JSON fixture, parsed. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as unknown;
}

/** 2026-01-01T00:00:00Z in milliseconds: every golden response has `created` 1767225600. */
export const FIXED_NOW = (): number => 1767225600000;
/** The id prefix of every golden response: tool calls are `call_fixed_0`, `call_fixed_1`, ... */
export const FIXED_PREFIX = 'fixed';

/** The backends the tests pick from, compiled the way the gateway compiles them. */
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'gemini', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', credential: { env: 'KEY' } },
      { name: 'proxy', kind: 'gemini', baseUrl: 'http://llm-proxy:8080/google/' },
    ],
    models: [{ name: 'gemini-flash', backends: [{ backend: 'gemini' }] }],
    callers: [],
  }),
  { KEY: 'AIza-test' },
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

/** A translator with the fixed clock and id prefix. */
export function geminiTranslator(body: object, backendName = 'gemini', upstreamModel?: string): OpenAIToGemini {
  return new OpenAIToGemini(chatRequest(body), { backend: backend(backendName), upstreamModel }, FIXED_NOW, FIXED_PREFIX);
}

/** Translates a client body; returns the upstream JSON and the warnings. */
export function translate(body: object, backendName = 'gemini'): { json: unknown; warnings: readonly string[] } {
  const translator = geminiTranslator(body, backendName);
  const upstream = translator.requestBody();
  return { json: JSON.parse(upstream.body.toString('utf8')) as unknown, warnings: translator.warnings };
}

/** The GatewayError a request is refused with. */
export function refusal(body: object): GatewayError {
  try {
    translate(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('the request was not refused');
}

/** A one-line user message. */
export const USER = { role: 'user', content: 'hi' };

/** A minimal chat request with extra options. */
export function chatWith(extra: object): object {
  return { model: 'gemini-flash', messages: [USER], ...extra };
}
