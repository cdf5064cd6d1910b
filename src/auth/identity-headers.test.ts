import { headerSafe, identityHeaders } from './identity-headers';

describe('identity headers', () => {
  test('team, project and caller under the internal prefix', () => {
    expect(identityHeaders({ caller: 'svc', team: 'research', project: 'alpha', user: 'ann' })).toEqual({ 'x-aigw-team': 'research', 'x-aigw-project': 'alpha', 'x-aigw-caller': 'svc' });
  });

  test('values from JWT claims are made header-safe: control characters, non-ASCII and % are percent-encoded; at most 256 characters', () => {
    expect(headerSafe('r&d team')).toBe('r&d team');
    expect(headerSafe('a\r\nx-evil: 1')).toBe('a%0D%0Ax-evil: 1');
    expect(headerSafe('équipe 100%')).toBe('%C3%A9quipe 100%25');
    expect(headerSafe('x'.repeat(300))).toHaveLength(256);
  });
});
