import Anthropic from '@anthropic-ai/sdk';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, adminCall, describeE2E, metricSum } from './harness';
import { attributes, startReceiver } from './otlp-receiver';
import { PrometheusServer } from './prometheus';

const CLI = resolve(__dirname, '..', 'dist', 'src', 'cli.js');
const ADMIN_TOKEN = 'e2e-telemetry-admin-token';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

/**
 * Observability end to end: real Envoy, a real Prometheus server scraping aigw, a local OTLP
 * receiver decoding the exported spans, and the audit log checked by `aigw audit verify` and
 * summed by `aigw spend`, which must equal the metrics.
 */
describeE2E('metrics, traces, audit log and spend', () => {
  let gpt: FakeProvider;
  let claude: FakeProvider;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: Stack;
  let prometheus: PrometheusServer;
  let dir: string;
  let auditPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-telemetry-'));
    auditPath = join(dir, 'audit.jsonl');
    gpt = await FakeProvider.start({ name: 'gpt' });
    claude = await FakeProvider.start({ name: 'claude' });
    receiver = await startReceiver();
    stack = await Stack.start({
      env: { OPENAI_KEY: 'sk-backend', ANTHROPIC_KEY: 'sk-ant-backend', AIGW_ADMIN_TOKEN: ADMIN_TOKEN, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'aigw-e2e' },
      config: {
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${gpt.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'ANTHROPIC_KEY' } },
        ],
        models: [
          { name: 'gpt-4o', backends: [{ backend: 'openai' }] },
          { name: 'claude-x', backends: [{ backend: 'anthropic' }] },
        ],
        prices: [
          { model: 'gpt-4o', input: 2.5, output: 10 },
          { model: 'claude-x', input: 3, output: 15 },
        ],
        guardrails: { default: { rules: [{ detectors: ['email'], action: 'redact', on: ['request'] }] } },
        telemetry: { audit: { path: auditPath }, traces: { captureContent: true } },
        admin: { token: { env: 'AIGW_ADMIN_TOKEN' }, store: 'memory' },
      },
    });
    prometheus = await PrometheusServer.start([`127.0.0.1:${stack.gateway.adminPort}`]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await stack?.stop();
    await Promise.all([gpt?.close(), claude?.close(), receiver?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('token, cost and latency series in Prometheus, the trace with GenAI attributes and the caller trace id, a verified audit log, and spend equal to the metrics', async () => {
    const openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0, defaultHeaders: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` } });
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });

    const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'mail me at jane@example.com please' }], max_tokens: 50, temperature: 0.2 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'count to three' }], stream: true, stream_options: { include_usage: true } });
    let streamUsage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) streamUsage = chunk.usage ?? streamUsage;
    const message = await anthropic.messages.create({ model: 'claude-x', max_tokens: 20, messages: [{ role: 'user', content: 'hello there friend' }] });
    const denied = await new OpenAI({ apiKey: 'sk-wrong', baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((denied as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    if (!chat.usage || !streamUsage) throw new Error('no usage');

    const gptInput = chat.usage.prompt_tokens + streamUsage.prompt_tokens;
    const gptOutput = chat.usage.completion_tokens + streamUsage.completion_tokens;
    const claudeInput = message.usage.input_tokens;
    const claudeOutput = message.usage.output_tokens;
    const gptCost = (gptInput * 2.5 + gptOutput * 10) / 1e6;
    const claudeCost = (claudeInput * 3 + claudeOutput * 15) / 1e6;

    // Prometheus (a real server) scraped aigw: exact token sums by model and type, cost, streams, errors.
    const tokenQuery = 'sum by (gen_ai_request_model, gen_ai_token_type) (gen_ai_client_token_usage_sum)';
    const tokens = await prometheus.waitFor(tokenQuery, (samples) => samples.length === 4 && samples.some((s) => s.metric.gen_ai_request_model === 'claude-x'));
    const byKey = Object.fromEntries(tokens.map((s) => [`${s.metric.gen_ai_request_model}/${s.metric.gen_ai_token_type}`, s.value]));
    expect(byKey).toEqual({ 'gpt-4o/input': gptInput, 'gpt-4o/output': gptOutput, 'claude-x/input': claudeInput, 'claude-x/output': claudeOutput });
    const cost = await prometheus.query('sum by (gen_ai_request_model, gen_ai_provider_name, team, project) (gen_ai_client_cost_usd_total)');
    expect(cost.map((s): Record<string, string | number> => ({ ...s.metric, usd: Number(s.value.toFixed(9)) })).sort((a, b) => String(a.gen_ai_request_model).localeCompare(String(b.gen_ai_request_model)))).toEqual([
      { gen_ai_request_model: 'claude-x', gen_ai_provider_name: 'anthropic', team: 'team-e2e', project: 'project-e2e', usd: Number(claudeCost.toFixed(9)) },
      { gen_ai_request_model: 'gpt-4o', gen_ai_provider_name: 'openai', team: 'team-e2e', project: 'project-e2e', usd: Number(gptCost.toFixed(9)) },
    ]);
    expect(await prometheus.query('sum(gen_ai_server_time_to_first_token_seconds_count)')).toEqual([{ metric: {}, value: 1 }]);
    expect(await prometheus.query('sum by (error_type) (gen_ai_client_errors_total)')).toEqual([{ metric: { error_type: '401' }, value: 1 }]);
    expect(await prometheus.query('sum(gen_ai_server_request_duration_seconds_count)')).toEqual([{ metric: {}, value: 4 }]);
    const responseModels = await prometheus.query('count by (gen_ai_response_model) (gen_ai_client_token_usage_count{gen_ai_request_model="claude-x"})');
    expect(responseModels.map((s) => s.metric.gen_ai_response_model)).toEqual([message.model]);

    // The trace: our span continues the caller's trace, and the provider got our span as its parent.
    await stack.gateway.telemetry.tracing?.forceFlush();
    const chatSpan = receiver.spans.find((span) => attributes(span.attributes)['gen_ai.request.max_tokens'] === 50);
    if (!chatSpan) throw new Error(`no chat span in ${JSON.stringify(receiver.spans.map((s) => s.name))}`);
    expect(chatSpan.traceId).toBe(TRACE_ID);
    expect(chatSpan.parentSpanId).toBe(PARENT_SPAN);
    expect(chatSpan.name).toBe('chat gpt-4o');
    expect(chatSpan.kind).toBe(3); // CLIENT
    expect(gpt.received[0].headers.traceparent).toBe(`00-${TRACE_ID}-${chatSpan.spanId}-01`);
    expect(attributes(chatSpan.attributes)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': chat.model,
      'gen_ai.usage.input_tokens': chat.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': chat.usage.completion_tokens,
      'http.response.status_code': 200,
      'aigw.team': 'team-e2e',
      'aigw.guardrail.policy': 'default',
      'gen_ai.input.messages': 'mail me at [EMAIL_1] please',
      'gen_ai.output.messages': chat.choices[0].message.content,
      // The same span read as OpenInference (Arize Phoenix): kind, model, tokens, messages as sent and received.
      'openinference.span.kind': 'LLM',
      'llm.model_name': chat.model,
      'llm.provider': 'openai',
      'llm.token_count.prompt': chat.usage.prompt_tokens,
      'llm.token_count.completion': chat.usage.completion_tokens,
      'llm.token_count.total': chat.usage.total_tokens,
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'mail me at [EMAIL_1] please',
      'llm.invocation_parameters': '{"max_tokens":50,"temperature":0.2}',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': chat.choices[0].message.content,
      'output.value': chat.choices[0].message.content,
      'input.mime_type': 'application/json',
    });
    // What the provider was sent, guardrails applied: the address never reaches the span.
    expect(JSON.parse(String(attributes(chatSpan.attributes)['input.value']))).toEqual({ messages: [{ role: 'user', content: 'mail me at [EMAIL_1] please' }], model: 'gpt-4o', max_tokens: 50, temperature: 0.2 });
    expect(chatSpan.events?.map((event) => ({ name: event.name, ...attributes(event.attributes) }))).toEqual([
      { name: 'aigw.guardrail', 'aigw.guardrail.direction': 'request', 'aigw.guardrail.detector': 'email', 'aigw.guardrail.action': 'redact', 'aigw.guardrail.count': 1 },
    ]);
    const deniedSpan = receiver.spans.find((span) => attributes(span.attributes)['http.response.status_code'] === 401);
    expect(deniedSpan?.status?.code).toBe(2); // ERROR
    expect(attributes(deniedSpan?.attributes)['error.type']).toBe('invalid_api_key');

    // The audit log: one chained line per request, verified by the CLI; a tampered copy is caught.
    await stack.gateway.telemetry.audit?.flush();
    const records = readFileSync(auditPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => [r.model, r.status, r.stream])).toEqual([
      ['gpt-4o', 200, false],
      ['gpt-4o', 200, true],
      ['claude-x', 200, false],
      [null, 401, false],
    ]);
    expect(records[0]).toMatchObject({ type: 'request', caller: 'e2e', team: 'team-e2e', provider: 'openai', backend: 'openai', trace_id: TRACE_ID, guardrails: { policy: 'default', actions: { 'request:email:redact': 1 } } });
    expect(JSON.stringify(records)).not.toContain('jane@example.com');
    expect(JSON.stringify(records)).not.toContain('mail me');
    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', auditPath], { encoding: 'utf8' });
    expect({ status: verify.status, out: verify.stdout.trim() }).toEqual({ status: 0, out: `${auditPath}: ok, 4 records, chain intact up to the recorded head` });
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, readFileSync(auditPath, 'utf8').replace('"status":401', '"status":200'));
    writeFileSync(`${tampered}.head`, readFileSync(`${auditPath}.head`));
    const broken = spawnSync(process.execPath, [CLI, 'audit', 'verify', tampered], { encoding: 'utf8' });
    expect({ status: broken.status, out: broken.stdout.trim() }).toEqual({ status: 1, out: `${tampered}: BROKEN at line 4: the line was changed (its hash does not match)` });

    // Spend from the audit log equals the metrics, from the CLI and from the admin endpoint.
    const metricsText = await stack.metricsText();
    const metricCost = metricSum(metricsText, 'gen_ai_client_cost_usd_total', { team: 'team-e2e' });
    expect(metricCost).toBeGreaterThan(0);
    const spend = spawnSync(process.execPath, [CLI, 'spend', '--log', auditPath, '--by', 'model', '--json'], { encoding: 'utf8' });
    const report = JSON.parse(spend.stdout) as { rows: Array<{ group: string; costUsd: number; totalTokens: number; requests: number }>; total: { costUsd: number } };
    expect(report.total.costUsd).toBeCloseTo(metricCost, 12);
    expect(report.total.costUsd).toBeCloseTo(gptCost + claudeCost, 12);
    expect(report.rows.map((row) => [row.group, row.requests, row.totalTokens]).sort()).toEqual([
      ['(none)', 1, 0],
      ['claude-x', 1, claudeInput + claudeOutput],
      ['gpt-4o', 2, gptInput + gptOutput],
    ]);
    // /spend beside /metrics takes the admin token, like the admin API.
    expect((await fetch(`http://127.0.0.1:${stack.gateway.adminPort}/spend?by=model`)).status).toBe(401);
    const viaAdmin = (await (await fetch(`http://127.0.0.1:${stack.gateway.adminPort}/spend?by=model`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as typeof report;
    expect(viaAdmin.total.costUsd).toBeCloseTo(report.total.costUsd, 12);
    // The same report through the admin API, behind the admin token.
    const viaApi = await adminCall(stack, ADMIN_TOKEN, 'GET', '/admin/spend?by=model');
    expect(viaApi.status).toBe(200);
    expect((viaApi.body as unknown as typeof report).total.costUsd).toBeCloseTo(report.total.costUsd, 12);
    expect((viaApi.body as unknown as typeof report).rows.map((row) => row.group).sort()).toEqual(['(none)', 'claude-x', 'gpt-4o']);
    expect((await adminCall(stack, 'wrong-token', 'GET', '/admin/spend')).status).toBe(403);
    expect((await adminCall(stack, ADMIN_TOKEN, 'GET', '/admin/spend?by=planet')).body).toMatchObject({ error: { message: 'by must be one of team, project, key, model.' } });
    // Every query of the Grafana dashboard runs on the real Prometheus; the token panel has data.
    const dashboard = JSON.parse(readFileSync(resolve(__dirname, '..', 'deploy', 'grafana', 'aigw-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const expr = target.expr.replace(/\$(team|model)\b/g, '.*').replace(/\$__rate_interval/g, '1m').replace(/\$__range/g, '1h');
        const samples = await prometheus.query(expr);
        if (panel.title === 'Tokens / s by type') expect(samples.map((sample) => sample.metric.gen_ai_token_type).sort()).toEqual(['input', 'output']);
      }
    }
    const bad = await fetch(`http://127.0.0.1:${stack.gateway.adminPort}/spend?by=planet`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect({ status: bad.status, body: await bad.json() }).toEqual({ status: 400, body: { error: { message: 'by must be one of team, project, key, model' } } });

    // An admin change is an audit record too, chained with the requests, without the key.
    const created = await fetch(`http://127.0.0.1:${stack.gateway.adminPort}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'svc-audited', team: 'ops', project: 'infra' }),
    });
    const key = ((await created.json()) as { key: string }).key;
    expect(created.status).toBe(201);
    await stack.gateway.telemetry.audit?.flush();
    const lines = readFileSync(auditPath, 'utf8').trim().split('\n');
    const adminRecord = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect(adminRecord).toMatchObject({ seq: 5, type: 'admin', action: 'key.create', actor: 'admin-token' });
    expect(lines.join('\n')).not.toContain(key);
    const again = spawnSync(process.execPath, [CLI, 'audit', 'verify', auditPath], { encoding: 'utf8' });
    expect(again.stdout.trim()).toBe(`${auditPath}: ok, 5 records, chain intact up to the recorded head`);
  });
});
