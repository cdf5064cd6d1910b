import { namespaceUri, prefixName, splitNamespacedUri, splitPrefixedName } from './names';

describe('tool and prompt names', () => {
  const servers = new Set(['github', 'docs', 'my-server']);

  test('prefix and split back', () => {
    expect(prefixName('github', 'create_issue', '__')).toBe('github__create_issue');
    expect(splitPrefixedName('github__create_issue', '__', servers)).toEqual({ server: 'github', name: 'create_issue' });
  });

  test('splits at the first separator: the tool name may contain it', () => {
    expect(splitPrefixedName('docs__fetch__page', '__', servers)).toEqual({ server: 'docs', name: 'fetch__page' });
    expect(splitPrefixedName('my-server.tool.v2', '.', servers)).toEqual({ server: 'my-server', name: 'tool.v2' });
  });

  test('unknown servers, missing separators and empty parts are refused', () => {
    expect(splitPrefixedName('gitlab__create_issue', '__', servers)).toBeUndefined();
    expect(splitPrefixedName('create_issue', '__', servers)).toBeUndefined();
    expect(splitPrefixedName('__create_issue', '__', servers)).toBeUndefined();
    expect(splitPrefixedName('github__', '__', servers)).toBeUndefined();
  });
});

describe('resource URIs', () => {
  const servers = new Set(['docs']);

  test('namespaced with the server as a scheme prefix, and back', () => {
    expect(namespaceUri('docs', 'file:///docs/readme.md')).toBe('docs+file:///docs/readme.md');
    expect(splitNamespacedUri('docs+file:///docs/readme.md', servers)).toEqual({ server: 'docs', uri: 'file:///docs/readme.md' });
    expect(splitNamespacedUri('docs+https://x.example/a+b', servers)).toEqual({ server: 'docs', uri: 'https://x.example/a+b' });
  });

  test('a URI naming no configured server is refused', () => {
    expect(splitNamespacedUri('file:///docs/readme.md', servers)).toBeUndefined();
    expect(splitNamespacedUri('other+file:///x', servers)).toBeUndefined();
    expect(splitNamespacedUri('docs+', servers)).toBeUndefined();
  });
});
