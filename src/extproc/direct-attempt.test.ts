import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { predictedBackend } from './direct-attempt';

function model(backends: Array<Record<string, unknown>>): ReturnType<typeof predictedBackend> {
  const config = compileConfig(
    validateConfig({
      backends: ['a', 'b', 'c'].map((name) => ({ name, kind: 'openai', baseUrl: `http://${name}.internal/v1` })),
      models: [{ name: 'm', backends }],
    }),
    {},
  );
  const compiled = config.models.get('m');
  if (!compiled) throw new Error('no model m');
  return predictedBackend(compiled);
}

describe('predictedBackend', () => {
  test('the first backend of the lowest priority when no weights are set', () => {
    expect(model([{ backend: 'a', priority: 1 }, { backend: 'b', priority: 0 }, { backend: 'c', priority: 0 }])?.backend.name).toBe('b');
  });

  test('the heaviest backend of the lowest priority (Envoy sends it most first attempts); a heavier one at a later priority does not count', () => {
    expect(model([{ backend: 'a', priority: 0 }, { backend: 'b', priority: 0, weight: 3 }, { backend: 'c', priority: 1, weight: 9 }])?.backend.name).toBe('b');
    expect(model([{ backend: 'a', priority: 0, weight: 2 }, { backend: 'b', priority: 0, weight: 2 }])?.backend.name).toBe('a');
  });
});
