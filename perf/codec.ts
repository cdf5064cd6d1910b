/**
 * What the ext_proc messages' protobuf encoding costs, in process: the two messages a
 * non-streamed request sends aigw (request body with its attributes, response body with
 * `response.code`) and the answer aigw sends for the first (body, header mutation, dynamic
 * metadata for Lua and the upstream), through
 *   - proto-loader's codecs, as the server uses them (decode + `toObject` with the loader
 *     options; `fromObject` + encode), and
 *   - protobufjs directly on the same descriptors (decode to message instances, no
 *     `toObject`; encode of an already-built message), the most a static codec could save.
 * Issue 12 asked for static codecs "or prove they do not matter": this is the number.
 *
 *   npm run bench:codec -- [--iterations 50000]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Root, util } from 'protobufjs';
import type { Type } from 'protobufjs';
import { headerMutation, toStruct } from '../src/extproc/messages';
import { externalProcessorService } from '../src/extproc/proto';
import { PROTO_FILES, protoIncludeDirs } from '../src/extproc/proto-paths';

const iterationsFlag = process.argv.indexOf('--iterations');
const ITERATIONS = iterationsFlag > 0 ? Number(process.argv[iterationsFlag + 1]) : 50_000;

/** CPU µs per call (user + system of the process), after a warm-up. */
function cpuPerCall(fn: () => unknown): number {
  for (let index = 0; index < 2_000; index++) fn();
  const start = process.cpuUsage();
  for (let index = 0; index < ITERATIONS; index++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ITERATIONS;
}

function protobufRoot(): { request: Type; response: Type } {
  const dirs = protoIncludeDirs();
  const root = new Root();
  root.resolvePath = (origin, target) => dirs.map((dir) => join(dir, target)).find((file) => existsSync(file)) ?? util.path.resolve(origin, target);
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  return {
    request: root.lookupType('envoy.service.ext_proc.v3.ProcessingRequest'),
    response: root.lookupType('envoy.service.ext_proc.v3.ProcessingResponse'),
  };
}

function main(): void {
  const method = externalProcessorService().Process;
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in three words please, and nothing else at all.' }] }));
  const attributes = {
    'envoy.filters.http.ext_proc': toStruct({
      'request.path': '/v1/chat/completions',
      'request.method': 'POST',
      'request.headers': { authorization: 'Bearer sk-test-123456', 'x-request-id': '6d7f8a9b-1111-2222-3333-444455556666', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    }),
  };
  const requestBody = method.requestSerialize({ request_body: { body, end_of_stream: true }, attributes });
  const answer = Buffer.from(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there friend' }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 3, total_tokens: 23 } }));
  const responseBody = method.requestSerialize({ response_body: { body: answer, end_of_stream: true }, attributes: { 'envoy.filters.http.ext_proc': toStruct({ 'response.code': 200 }) } });
  const reply = {
    request_body: { response: { status: 'CONTINUE', header_mutation: headerMutation({ 'x-aigw-direct': '1', 'content-length': String(body.length) }), body_mutation: { body } } },
    dynamic_metadata: toStruct({
      'io.aigw': { model: 'gpt-4o-mini', backend: 'openai', team: 'team-a', key: 'key-1', request_id: '6d7f8a9b-1111-2222-3333-444455556666' },
      'io.aigw.lua': { stream: false, direct_path: '/v1/chat/completions', direct_backend: 'openai-0' },
      'io.aigw.upstream': { authorization: 'Bearer sk-provider-xxxxxxxx', 'content-type': 'application/json' },
    }),
  };
  const types = protobufRoot();
  const built = types.response.fromObject(reply);
  const rows: Array<[string, number, number]> = [
    ['decode: request body (attributes)', cpuPerCall(() => method.requestDeserialize(requestBody)), cpuPerCall(() => types.request.decode(requestBody))],
    ['decode: response body (response.code)', cpuPerCall(() => method.requestDeserialize(responseBody)), cpuPerCall(() => types.request.decode(responseBody))],
    ['encode: answer to the request body', cpuPerCall(() => method.responseSerialize(reply)), cpuPerCall(() => types.response.encode(built).finish())],
  ];
  console.log(`bytes: request body ${requestBody.length}, response body ${responseBody.length}, answer ${method.responseSerialize(reply).length}; ${ITERATIONS} iterations`);
  console.log('| message | proto-loader µs | protobufjs direct µs |');
  console.log('| --- | ---: | ---: |');
  for (const [name, loader, direct] of rows) console.log(`| ${name} | ${loader.toFixed(2)} | ${direct.toFixed(2)} |`);
  const total = (column: 1 | 2): number => rows.reduce((sum, row) => sum + row[column], 0);
  console.log(`| per request (these three; the response-body answer is smaller) | ${total(1).toFixed(2)} | ${total(2).toFixed(2)} |`);
}

main();
