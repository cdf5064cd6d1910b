/** Shared set-up for the AnthropicToOpenAI tests: fixtures, backends, requests and a fixed clock. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClientRequest } from '../../../../api/client-request';
import type { ClientRequest } from '../../../../api/client-request';
import { validateConfig } from '../../../../config/load';
import { compileConfig } from '../../../../config/runtime';
import type { RuntimeBackend } from '../../../../config/runtime';
import { GatewayError } from '../../../../errors';
import { AnthropicToOpenAI } from '../../anthropic-to-openai';

/** A fixture's bytes. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, name));
}

/** A JSON fixture, parsed. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as unknown;
}

/** 2026-01-01T00:00:00Z in milliseconds. */
export const FIXED_NOW = (): number => 1767225600000;

/** The backends the tests pick from, compiled the way the gateway compiles them. */
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', credential: { env: 'KEY' } },
      { name: 'vllm', kind: 'openai', baseUrl: 'http://vllm:8000/v1', streamIncludeUsage: false },
      {
        name: 'azure',
        kind: 'azure-openai',
        baseUrl: 'https://example.openai.azure.com',
        apiVersion: '2024-10-21',
        credential: { env: 'KEY' },
      },
    ],
    models: [{ name: 'claude-sonnet-4-5', backends: [{ backend: 'openai' }] }],
    callers: [],
  }),
  { KEY: 'sk-test' },
);

/** A configured backend by name. */
export function backend(name: string): RuntimeBackend {
  const found = CONFIG.backends.get(name);
  if (!found) throw new Error(`no backend ${name}`);
  return found;
}

/** An Anthropic Messages request as the gateway parses it. */
export function messagesRequest(body: string | Buffer | object): ClientRequest {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return parseClientRequest('anthropic-messages', raw);
}

/** A minimal Messages request with extra fields. */
export function messagesWith(extra: object): object {
  return { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], ...extra };
}

/** A translator for a request on a backend (upstream model gpt-4.1-mini, fixed clock). */
export function translatorFor(body: string | Buffer | object, backendName = 'openai'): AnthropicToOpenAI {
  return new AnthropicToOpenAI(messagesRequest(body), { backend: backend(backendName), upstreamModel: 'gpt-4.1-mini' }, FIXED_NOW);
}

/** Translates a client body; returns the upstream JSON and the warnings. */
export function translate(body: object, backendName = 'openai'): { json: unknown; warnings: readonly string[] } {
  const translator = translatorFor(body, backendName);
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
