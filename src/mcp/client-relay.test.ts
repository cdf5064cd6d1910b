import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { ClientRelay, relayedCapabilities } from './client-relay';

describe('client relay', () => {
  const never = new AbortController().signal;

  test('a request goes out on the newest channel under a gateway id; the answer resolves it', async () => {
    const relay = new ClientRelay();
    const first: unknown[] = [];
    const second: unknown[] = [];
    relay.open('s1', { send: (message) => first.push(message) });
    relay.open('s1', { send: (message) => second.push(message) });
    const pending = relay.request('s1', 'elicitation/create', { message: 'ok?' }, never);
    expect(first).toEqual([]);
    expect(second).toEqual([{ jsonrpc: '2.0', id: 'aigw-1', method: 'elicitation/create', params: { message: 'ok?' } }]);
    expect(relay.answer('s2', { jsonrpc: '2.0', id: 'aigw-1', result: {} })).toBe(false); // another session's answer
    expect(relay.answer('s1', { jsonrpc: '2.0', id: 'aigw-1', result: { action: 'accept' } })).toBe(true);
    await expect(pending).resolves.toEqual({ action: 'accept' });
  });

  test('an error answer, no channel, a closed channel and an abort all fail the upstream request', async () => {
    const relay = new ClientRelay();
    await expect(relay.request('none', 'roots/list', undefined, never)).rejects.toMatchObject({ code: -32603 });
    const sent: Array<{ id?: string }> = [];
    const close = relay.open('s', { send: (message) => sent.push(message as { id?: string }) });
    const refused = relay.request('s', 'sampling/createMessage', {}, never);
    expect(sent[0].id).toBe('aigw-1');
    relay.answer('s', { jsonrpc: '2.0', id: 'aigw-1', error: { code: -1, message: 'User rejected' } });
    await expect(refused).rejects.toEqual(new McpError(-1, 'User rejected'));
    const orphaned = relay.request('s', 'roots/list', undefined, never);
    close();
    await expect(orphaned).rejects.toMatchObject({ code: -32000 });
    relay.open('s', { send: () => undefined });
    const controller = new AbortController();
    const aborted = relay.request('s', 'roots/list', undefined, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: -32000 });
  });

  test('only elicitation, sampling and roots are relayed', () => {
    expect(relayedCapabilities({ elicitation: { form: {} }, sampling: {}, roots: { listChanged: true }, experimental: { x: {} } })).toEqual({ elicitation: { form: {} }, sampling: {}, roots: {} });
    expect(relayedCapabilities(undefined)).toEqual({});
  });
});
