import { costName } from './costs';
import { ResourceReader, formatNote } from './resource';
import type { ImportNote } from './resource';
import { secretEnvName, secretFilePath } from './secrets';

describe('names the importer makes', () => {
  test.each([
    ['openai-apikey', 'apiKey', 'OPENAI_APIKEY_API_KEY'],
    ['azure.creds', 'client-secret', 'AZURE_CREDS_CLIENT_SECRET'],
    ['9lives', 'apiKey', 'S_9LIVES_API_KEY'],
  ])('Secret %s key %s is read from env %s', (secret, key, env) => expect(secretEnvName(secret, key)).toBe(env));

  test('a mounted key is DIR/<object>/<key>', () => {
    expect(secretFilePath('/etc/aigw/secrets/', 'vertex-sa', 'service_account.json')).toBe('/etc/aigw/secrets/vertex-sa/service_account.json');
  });

  test.each([
    ['llm_input_token', 'llm_input_token'],
    ['llmTotalToken', 'llm_total_token'],
    ['x-cost.v2', 'x_cost_v2'],
    ['tokens', 'cost_tokens'],
    ['42', 'cost'],
    ['a_very_long_metadata_key_name_that_goes_on', 'a_very_long_metadata_key_name_th'],
  ])('metadataKey %s is cost %s', (key, name) => expect(costName(key)).toBe(name));
});

describe('ResourceReader', () => {
  test('names every set field nothing read, never Kubernetes bookkeeping', () => {
    const notes: ImportNote[] = [];
    const reader = new ResourceReader(
      {
        apiVersion: 'v1',
        kind: 'Thing',
        metadata: { name: 'n', labels: { a: 'b' }, uid: 'u' },
        status: { conditions: [{ type: 'Ready' }] },
        spec: { read: 1, list: [{ read: true, extra: 'x' }, { other: 2 }], empty: {}, skipped: 'y' },
      },
      notes,
    );
    expect(reader.number('spec.read')).toBe(1);
    expect(reader.take('spec.list[0].read')).toBe(true);
    reader.skip('spec.skipped', 'why not');
    reader.skip('spec.absent', 'never noted: not set');
    reader.reportUnread();
    const unknown = 'not carried over: a field this importer does not know (not in the Envoy AI Gateway v1beta1 API it reads)';
    expect(notes.map(formatNote)).toEqual([
      'Thing default/n spec.skipped: why not',
      `Thing default/n spec.list[0].extra: ${unknown}`,
      `Thing default/n spec.list[1].other: ${unknown}`,
      `Thing default/n spec.empty: ${unknown}`,
    ]);
  });
});
