import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describeE2E } from './harness';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced blocks of the README, in order, with their language. */
function blocks(): Array<{ lang: string; text: string }> {
  return [...README.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((match) => ({ lang: match[1], text: match[2] }));
}

/**
 * The README's start command (what `npm start` runs, on examples/aigw.yaml with the
 * bundled fake provider) and its examples, run as written.
 */
describeE2E('README quick start', () => {
  let up: ChildProcess;
  let output = '';

  beforeAll(async () => {
    const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
    const command = start.replace(/^.*npm run build --silent && node /, '');
    up = spawn(process.execPath, command.split(' '), { cwd: ROOT, env: { ...process.env, OPENAI_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20000;
    for (;;) {
      if (up.exitCode !== null) throw new Error(`aigw up exited:\n${output}`);
      const ready = await fetch('http://127.0.0.1:9901/ready').then((response) => response.text(), () => '');
      if (ready.trim() === 'LIVE') break;
      if (Date.now() > deadline) throw new Error(`not ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((resolve) => up.once('exit', resolve));
      up.kill('SIGTERM');
      await exited;
    }
  });

  test('the first curl returns exactly the JSON the README shows', () => {
    const all = blocks();
    const index = all.findIndex((block) => block.lang === 'sh' && block.text.includes('curl -s http://localhost:10000/v1/chat/completions'));
    const shown = all[index + 1];
    expect(shown.lang).toBe('json');
    const printed = execFileSync('bash', ['-c', all[index].text], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({ ...JSON.parse(shown.text), id: expect.stringMatching(/^chatcmpl-fake-\d+$/) });
  });

  test('the streaming, embeddings and models curls answer', () => {
    const block = blocks().find((candidate) => candidate.text.includes('"stream":true') && candidate.lang === 'sh');
    const printed = execFileSync('bash', ['-c', block!.text], { encoding: 'utf8' });
    expect(printed).toContain('data: [DONE]');
    expect(printed).toContain('"object":"chat.completion.chunk"');
    expect(printed).toContain('"object":"embedding"');
    expect(printed).toContain('{"object":"list","data":[{"id":"demo","object":"model","created":0,"owned_by":"aigw"},{"id":"demo-claude"');
  });

  test('the SDK example prints what its comment says', async () => {
    const client = new OpenAI({ apiKey: 'sk-aigw-demo', baseURL: 'http://localhost:10000/v1' });
    const completion = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Say hello' }] });
    expect(completion.choices[0].message.content).toBe('Hello from fake');
  });

  test('the Anthropic SDK example prints what its comment says', async () => {
    const client = new Anthropic({ apiKey: 'sk-aigw-demo', baseURL: 'http://localhost:10000', maxRetries: 0 });
    const message = await client.messages.create({ model: 'demo-claude', max_tokens: 256, messages: [{ role: 'user', content: 'Say hello' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from fake' }]);
  });

  test('without OPENAI_API_KEY, the OpenAI model says what is missing instead of failing silently', async () => {
    const response = await fetch('http://localhost:10000/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: 'Bearer sk-aigw-demo' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('server_error');
  });
});
