import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { plainEnvoyBootstrap } from '../perf/setup';
import { EnvoyProcess, Stack, TEST_KEY, describeE2E, freePort } from './harness';
import { sendRaw } from './raw-http';
import type { RawReply } from './raw-http';

const PATH = '/v1/chat/completions';
const KEY = `authorization: Bearer ${TEST_KEY}\r\n`;

/** A malformed HTTP/1.1 request and the status Envoy's codec answers it with. */
interface Case {
  name: string;
  bytes: string;
  status: number;
}

/**
 * Requests Envoy's HTTP/1 codec refuses before (or while) it hands them to the filters. Each
 * status is plain Envoy's own (a bootstrap with just the router answers the same).
 */
const CASES: Case[] = [
  { name: 'HTTP/1.2 in the request line', bytes: `GET ${PATH} HTTP/1.2\r\nhost: a\r\n\r\n`, status: 426 },
  { name: 'HTTP/2.0 in an HTTP/1 request line', bytes: `GET ${PATH} HTTP/2.0\r\nhost: a\r\n\r\n`, status: 426 },
  { name: 'HTTP/1.0', bytes: `GET ${PATH} HTTP/1.0\r\nhost: a\r\n\r\n`, status: 426 },
  { name: 'headers over the 60 KiB limit', bytes: `GET ${PATH} HTTP/1.1\r\nhost: a\r\nx-large: ${'x'.repeat(70 * 1024)}\r\n\r\n`, status: 431 },
  { name: 'an invalid chunk size', bytes: `POST ${PATH} HTTP/1.1\r\nhost: a\r\n${KEY}transfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, status: 400 },
  {
    name: 'both content-length and transfer-encoding',
    bytes: `POST ${PATH} HTTP/1.1\r\nhost: a\r\n${KEY}content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    status: 400,
  },
  { name: 'an invalid character in a header name', bytes: `GET ${PATH} HTTP/1.1\r\nhost: a\r\nx bad(): 1\r\n\r\n`, status: 400 },
  { name: 'a control character in a header value', bytes: `GET ${PATH} HTTP/1.1\r\nhost: a\r\nx-bad: a\x01b\r\n\r\n`, status: 400 },
  { name: 'a request line without a path', bytes: 'GET HTTP/1.1\r\nhost: a\r\n\r\n', status: 400 },
  // Envoy refuses an upgrade no upgrade_configs allow with 403 (details upgrade_failed), not 426.
  { name: 'an upgrade to an unsupported protocol', bytes: `GET ${PATH} HTTP/1.1\r\nhost: a\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n`, status: 403 },
  { name: 'HTTP/1.1 without host', bytes: `GET ${PATH} HTTP/1.1\r\n\r\n`, status: 400 },
  { name: 'a non-numeric content-length', bytes: `POST ${PATH} HTTP/1.1\r\nhost: a\r\n${KEY}content-length: abc\r\n\r\n`, status: 400 },
];

/**
 * Envoy's codec refuses these with a local reply that still runs through the encoder filters.
 * With aigw's ext_proc on every stream, it sent that reply's body to aigw and lost it when the
 * codec closed the connection a moment later: the client got a status line and headers, then
 * nothing (an empty body, or a chunked body cut before its first chunk); with aigw
 * unreachable, the same path crashed Envoy. ext_proc now runs only on the routes aigw serves.
 */
describeE2E('malformed HTTP/1.1 requests get Envoy’s own status, whole', () => {
  let provider: FakeProvider;
  let stack: Stack;
  let plain: EnvoyProcess;
  let plainPort: number;
  let dir: string;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'malformed' });
    stack = await Stack.start({
      config: { backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` }], models: [{ name: 'fine', backends: [{ backend: 'fake' }] }] },
    });
    dir = mkdtempSync(join(tmpdir(), 'aigw-plain-envoy-'));
    const [listenerPort, adminPort] = [await freePort(), await freePort()];
    plainPort = listenerPort;
    writeFileSync(join(dir, 'plain.yaml'), stringify(plainEnvoyBootstrap(listenerPort, adminPort, Number(new URL(provider.url).port))));
    plain = await EnvoyProcess.start(join(dir, 'plain.yaml'), adminPort);
  });

  afterAll(async () => {
    await plain?.stop();
    await stack?.stop();
    await provider?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const aigwPort = (): number => Number(new URL(stack.baseUrl).port);

  /** aigw's answer: plain Envoy's status, whole, with Envoy's own words in the OpenAI error shape. */
  function expectEnvoysAnswer(reply: RawReply, plainReply: RawReply, status: number): void {
    expect(plainReply.status).toBe(status);
    expect({ status: reply.status, complete: reply.complete, type: reply.headers['content-type'] }).toEqual({ status, complete: true, type: 'application/json' });
    expect(JSON.parse(reply.body)).toEqual({ error: { message: plainReply.body, type: 'invalid_request_error', param: null, code: null } });
  }

  test.each(CASES)('$name: $status', async ({ bytes, status }) => {
    const [plainReply, reply] = [await sendRaw(plainPort, bytes), await sendRaw(aigwPort(), bytes)];
    expectEnvoysAnswer(reply, plainReply, status);
  });

  test('aigw keeps serving normal requests afterwards', async () => {
    const response = await stack.post(PATH, { model: 'fine', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);
  });

  // Last: it stops this suite's aigw.
  test('with aigw unreachable, each still gets its answer and Envoy stays up', async () => {
    await stack.gateway.stop(0);
    const answers: Array<{ name: string; status?: number; complete: boolean }> = [];
    for (const { name, bytes } of CASES) {
      const reply = await sendRaw(aigwPort(), bytes);
      answers.push({ name, status: reply.status, complete: reply.complete });
    }
    expect({ exitCode: stack.envoy.child.exitCode, signal: stack.envoy.child.signalCode }).toEqual({ exitCode: null, signal: null });
    expect(answers).toEqual(CASES.map(({ name, status }) => ({ name, status, complete: true })));
  }, 60_000);
});
