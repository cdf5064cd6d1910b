import { argumentsHash } from './audit';
import { ToolPins, canonicalJson, judge, toolDefinitionHash } from './tool-pins';

describe('canonical JSON and hashes', () => {
  test('keys sorted at every level; arrays keep their order; undefined dropped', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  test('the definition hash is sha256 over {description, inputSchema} in canonical form', () => {
    const tool = { description: 'Lists issues', inputSchema: { type: 'object', properties: { state: { type: 'string' } } } };
    // sha256 of {"description":"Lists issues","inputSchema":{"properties":{"state":{"type":"string"}},"type":"object"}}
    expect(toolDefinitionHash(tool)).toBe('2e48c35180994ead32441a1d8421c30b7c6b1b99ff93ad899e35766936f3c2ff');
    expect(toolDefinitionHash(tool)).toMatch(/^[0-9a-f]{64}$/);
    expect(toolDefinitionHash({ ...tool, description: 'Lists issues.' })).not.toBe(toolDefinitionHash(tool));
    expect(toolDefinitionHash({ ...tool, inputSchema: { type: 'object' } })).not.toBe(toolDefinitionHash(tool));
  });

  test('argument hashes ignore key order', () => {
    expect(argumentsHash({ a: 1, b: 2 })).toBe(argumentsHash({ b: 2, a: 1 }));
    expect(argumentsHash(undefined)).toBe(argumentsHash({}));
  });
});

describe('pins', () => {
  const verdictOf = async (pins: ToolPins, server: string, tool: string, hash: string) => (await pins.observe(server, [{ name: tool, hash }])).get(tool);

  test('first sight pins; a change is flagged once; enforce hides and blocks until approved', async () => {
    const pins = new ToolPins('enforce');
    expect(await verdictOf(pins, 'github', 'list', 'h1')).toEqual({ verdict: 'first-seen', hidden: false });
    expect(await verdictOf(pins, 'github', 'list', 'h1')).toEqual({ verdict: 'pinned', hidden: false });
    expect(await pins.blocked('github', 'list')).toBe(false);
    expect(await verdictOf(pins, 'github', 'list', 'h2')).toEqual({ verdict: 'changed', hidden: true });
    expect(await verdictOf(pins, 'github', 'list', 'h2')).toEqual({ verdict: 'still-changed', hidden: true });
    expect(await pins.blocked('github', 'list')).toBe(true);
    expect(await pins.approve('github', 'list', 'h3')).toEqual({ problem: 'the pending definition is sha256 h2, not h3' });
    expect(await pins.approve('github', 'list', 'h2')).toEqual({ approved: 'h2' });
    expect(await pins.blocked('github', 'list')).toBe(false);
    expect(await verdictOf(pins, 'github', 'list', 'h2')).toEqual({ verdict: 'pinned', hidden: false });
    expect(await pins.approve('github', 'list')).toEqual({ problem: 'nothing to approve: the tool has not changed' });
    expect(await pins.approve('github', 'unknown')).toEqual({ problem: 'no such tool has been seen' });
  });

  test('one observe per server list: every tool judged against one read', async () => {
    const pins = new ToolPins('enforce');
    await pins.observe('s', [{ name: 'a', hash: '1' }, { name: 'b', hash: '1' }]);
    const verdicts = await pins.observe('s', [{ name: 'a', hash: '1' }, { name: 'b', hash: '2' }, { name: 'c', hash: '1' }]);
    expect(Object.fromEntries(verdicts)).toEqual({
      a: { verdict: 'pinned', hidden: false },
      b: { verdict: 'changed', hidden: true },
      c: { verdict: 'first-seen', hidden: false },
    });
  });

  test('a server going back to the approved definition clears the pending change', async () => {
    const pins = new ToolPins('enforce');
    await verdictOf(pins, 's', 't', 'h1');
    await verdictOf(pins, 's', 't', 'h2');
    expect(await verdictOf(pins, 's', 't', 'h1')).toEqual({ verdict: 'pinned', hidden: false });
    expect(await pins.blocked('s', 't')).toBe(false);
  });

  test('warn flags but never hides or blocks; off keeps nothing', async () => {
    const warn = new ToolPins('warn');
    await verdictOf(warn, 's', 't', 'h1');
    expect(await verdictOf(warn, 's', 't', 'h2')).toEqual({ verdict: 'changed', hidden: false });
    expect(await warn.blocked('s', 't')).toBe(false);
    const off = new ToolPins('off');
    expect(await verdictOf(off, 's', 't', 'h1')).toEqual({ verdict: 'pinned', hidden: false });
    expect(await verdictOf(off, 's', 't', 'h2')).toEqual({ verdict: 'pinned', hidden: false });
  });

  test('judge: the verdict and the pin to store', () => {
    expect(judge(undefined, 'h')).toEqual({ verdict: 'first-seen', next: { approved: 'h' } });
    expect(judge({ approved: 'h' }, 'h')).toEqual({ verdict: 'pinned' });
    expect(judge({ approved: 'h', pending: 'x' }, 'h')).toEqual({ verdict: 'pinned', next: { approved: 'h' } });
    expect(judge({ approved: 'h', pending: 'x' }, 'x')).toEqual({ verdict: 'still-changed' });
    expect(judge({ approved: 'h', pending: 'x' }, 'y')).toEqual({ verdict: 'changed', next: { approved: 'h', pending: 'y' } });
  });
});
