/** Shared set-up for the anthropic translator tests: fixtures, backends and a fixed clock. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClientRequest } from '../../../api/client-request';
import type { ClientRequest } from '../../../api/client-request';
import { validateConfig } from '../../../config/load';
import { compileConfig } from '../../../config/runtime';
import type { RuntimeBackend } from '../../../config/runtime';
import { GatewayError } from '../../../errors';
import { OpenAIToAnthropic } from '../openai-to-anthropic';

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

/** The backends the tests pick from, compiled the way the gateway compiles them. */
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', credential: { env: 'KEY' } },
      {
        name: 'anthropic-2026',
        kind: 'anthropic',
        baseUrl: 'https://api.anthropic.com/',
        anthropicVersion: '2026-10-21',
        credential: { env: 'KEY', header: 'authorization', prefix: 'Bearer ' },
      },
      { name: 'proxy', kind: 'anthropic', baseUrl: 'http://llm-proxy:8080/anthropic' },
    ],
    models: [{ name: 'claude-sonnet', backends: [{ backend: 'anthropic' }] }],
    callers: [],
  }),
  { KEY: 'sk-ant-test' },
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

/** Translates a client body for a backend; returns the upstream JSON and the warnings. */
export function translate(body: object | string, backendName = 'anthropic', upstreamModel?: string): { json: unknown; warnings: readonly string[] } {
  const translator = new OpenAIToAnthropic(chatRequest(body), { backend: backend(backendName), upstreamModel });
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
  return { model: 'claude-sonnet', messages: [USER], ...extra };
}

/** A function tool without parameters. */
export const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };
