import { argumentsHash } from './audit';
import { ToolPins, canonicalJson, toolDefinitionHash } from './tool-pins';

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
  test('first sight pins; a change is flagged once; enforce blocks until approved', () => {
    const pins = new ToolPins('enforce');
    expect(pins.observe('github', 'list', 'h1')).toBe('first-seen');
    expect(pins.observe('github', 'list', 'h1')).toBe('pinned');
    expect(pins.blocked('github', 'list')).toBe(false);
    expect(pins.observe('github', 'list', 'h2')).toBe('changed');
    expect(pins.observe('github', 'list', 'h2')).toBe('still-changed');
    expect(pins.blocked('github', 'list')).toBe(true);
    expect(pins.approve('github', 'list', 'h3')).toEqual({ problem: 'the pending definition is sha256 h2, not h3' });
    expect(pins.approve('github', 'list', 'h2')).toEqual({ approved: 'h2' });
    expect(pins.blocked('github', 'list')).toBe(false);
    expect(pins.observe('github', 'list', 'h2')).toBe('pinned');
    expect(pins.approve('github', 'list')).toEqual({ problem: 'nothing to approve: the tool has not changed' });
    expect(pins.approve('github', 'unknown')).toEqual({ problem: 'no such tool has been seen' });
  });

  test('a server going back to the approved definition clears the pending change', () => {
    const pins = new ToolPins('enforce');
    pins.observe('s', 't', 'h1');
    pins.observe('s', 't', 'h2');
    expect(pins.observe('s', 't', 'h1')).toBe('pinned');
    expect(pins.blocked('s', 't')).toBe(false);
  });

  test('warn flags but never blocks; off keeps nothing', () => {
    const warn = new ToolPins('warn');
    warn.observe('s', 't', 'h1');
    expect(warn.observe('s', 't', 'h2')).toBe('changed');
    expect(warn.blocked('s', 't')).toBe(false);
    const off = new ToolPins('off');
    expect(off.observe('s', 't', 'h1')).toBe('pinned');
    expect(off.observe('s', 't', 'h2')).toBe('pinned');
  });
});
