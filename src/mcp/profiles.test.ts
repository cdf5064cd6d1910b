import { compileProfiles, globToRegExp, openProfile, profileFor, serverAllowed, toolAllowed } from './profiles';

const identity = (caller: string, team: string) => ({ caller, team, project: 'p' });

describe('globs', () => {
  test('* and ? match; everything else is literal', () => {
    expect(globToRegExp('create_*').test('create_issue')).toBe(true);
    expect(globToRegExp('create_*').test('recreate_issue')).toBe(false);
    expect(globToRegExp('get_?').test('get_a')).toBe(true);
    expect(globToRegExp('get_?').test('get_ab')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('a.b').test('a.b')).toBe(true);
    expect(globToRegExp('(x)+').test('(x)+')).toBe(true);
  });
});

describe('profiles', () => {
  const profiles = compileProfiles([
    { name: 'bot', callers: ['triage-bot'], teams: [], allow: [{ server: 'github', include: ['list_*', 'get_issue'], exclude: [] }] },
    {
      name: 'support',
      callers: [],
      teams: ['support'],
      allow: [
        { server: 'github', include: ['*'], exclude: ['delete_*'] },
        { server: 'docs', include: ['*'], exclude: [] },
      ],
    },
  ]);

  test('a caller named by a profile gets it before its team\'s', () => {
    expect(profileFor(profiles, identity('triage-bot', 'support'))?.name).toBe('bot');
    expect(profileFor(profiles, identity('alice', 'support'))?.name).toBe('support');
    expect(profileFor(profiles, identity('mallory', 'elsewhere'))).toBeUndefined();
  });

  test('servers and tools: include, then exclude', () => {
    const [bot, support] = profiles;
    expect(serverAllowed(bot, 'github')).toBe(true);
    expect(serverAllowed(bot, 'docs')).toBe(false);
    expect(toolAllowed(bot, 'github', 'list_issues')).toBe(true);
    expect(toolAllowed(bot, 'github', 'get_issue')).toBe(true);
    expect(toolAllowed(bot, 'github', 'get_issues')).toBe(false);
    expect(toolAllowed(bot, 'github', 'create_issue')).toBe(false);
    expect(toolAllowed(bot, 'docs', 'search')).toBe(false);
    expect(toolAllowed(support, 'github', 'create_issue')).toBe(true);
    expect(toolAllowed(support, 'github', 'delete_repo')).toBe(false);
  });

  test('two grants for one server in one profile add up', () => {
    const [merged] = compileProfiles([
      {
        name: 'm',
        callers: ['x'],
        teams: [],
        allow: [
          { server: 'github', include: ['a'], exclude: [] },
          { server: 'github', include: ['b*'], exclude: ['bad'] },
        ],
      },
    ]);
    expect(['a', 'b1', 'bad', 'c'].filter((tool) => toolAllowed(merged, 'github', tool))).toEqual(['a', 'b1']);
  });

  test('without profiles, every server and tool is open', () => {
    const open = openProfile(['github', 'docs']);
    expect(toolAllowed(open, 'docs', 'anything')).toBe(true);
    expect(serverAllowed(open, 'other')).toBe(false);
  });
});
