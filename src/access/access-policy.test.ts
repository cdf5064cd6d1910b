import { buildSnapshot, emptyRaw } from '../admin/admin-state';
import { compileAccessProfiles, modelAccess, modelAccessError, visibleModels } from './access-policy';

const MODELS = ['small', 'large', 'vision'];
const research = { caller: 'svc', team: 'research', project: 'alpha' };
const ops = { caller: 'ops-bot', team: 'ops', project: 'beta' };

function snapshot(entries: { models?: Record<string, object>; profiles?: Record<string, object> }): ReturnType<typeof buildSnapshot> {
  const raw = emptyRaw();
  for (const [name, value] of Object.entries(entries.models ?? {})) raw.models.set(name, JSON.stringify(value));
  for (const [name, value] of Object.entries(entries.profiles ?? {})) raw.profiles.set(name, JSON.stringify(value));
  return buildSnapshot(raw);
}

describe('model catalog and access profiles', () => {
  const profiles = compileAccessProfiles({ teams: { research: { models: ['small', 'large'] } }, callers: { 'ops-bot': { models: ['small'] } } });

  test('config profiles: team and caller', () => {
    const empty = snapshot({});
    expect(visibleModels(MODELS, research, profiles, empty)).toEqual(['small', 'large']);
    expect(visibleModels(MODELS, ops, profiles, empty)).toEqual(['small']);
    expect(modelAccess('vision', research, profiles, empty)).toBe('not-in-profile');
  });

  test('a disabled model is refused to everyone and listed for no one', () => {
    const disabled = snapshot({ models: { small: { enabled: false } } });
    expect(visibleModels(MODELS, research, profiles, disabled)).toEqual(['large']);
    expect(modelAccess('small', ops, profiles, disabled)).toBe('disabled');
    expect(visibleModels(MODELS, research, compileAccessProfiles(undefined), snapshot({ models: { small: { enabled: true } } }))).toEqual(MODELS);
  });

  test("the admin API's team profile overrides config's; one without models allows all", () => {
    expect(visibleModels(MODELS, research, profiles, snapshot({ profiles: { research: { models: ['vision'] } } }))).toEqual(['vision']);
    expect(visibleModels(MODELS, research, profiles, snapshot({ profiles: { research: {} } }))).toEqual(MODELS);
    // The caller profile still applies on top of the team's.
    expect(visibleModels(MODELS, ops, profiles, snapshot({ profiles: { ops: { models: ['large', 'small'] } } }))).toEqual(['small']);
  });

  test('403 errors name the reason', () => {
    expect(modelAccessError('small', research, 'disabled')).toMatchObject({ status: 403, type: 'permission_error', code: 'model_disabled', message: 'The model `small` is disabled on this gateway.' });
    expect(modelAccessError('vision', research, 'not-in-profile')).toMatchObject({ status: 403, code: 'model_not_allowed', message: 'The model `vision` is not in the access profile of team `research`.' });
    expect(modelAccessError('small', research, 'allowed')).toBeUndefined();
  });
});
