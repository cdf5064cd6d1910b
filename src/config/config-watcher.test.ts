import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { silentLogger } from '../telemetry/logger';
import { GatewayMetrics } from '../telemetry/metrics';
import { ConfigWatcher } from './config-watcher';
import { validateConfig } from './load';
import { compileConfig } from './runtime';
import type { RuntimeConfig } from './runtime';

const BASE = {
  backends: [{ name: 'b', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
  models: [{ name: 'm', backends: [{ backend: 'b' }] }],
};

describe('ConfigWatcher', () => {
  let dir: string;
  let path: string;
  let applied: RuntimeConfig[];
  let envoyChanges: number;
  let metrics: GatewayMetrics;
  let watcher: ConfigWatcher;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-watch-'));
    path = join(dir, 'aigw.yaml');
    writeFileSync(path, stringify(BASE));
    applied = [];
    envoyChanges = 0;
    metrics = new GatewayMetrics({ defaultMetrics: false });
    watcher = new ConfigWatcher(path, compileConfig(validateConfig(BASE), {}), {
      apply: (config) => applied.push(config),
      onEnvoyChange: () => envoyChanges++,
      logger: silentLogger,
      metrics,
      env: {},
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const gauge = async (name: string): Promise<number> => Number((await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value);

  it('applies a change aigw alone serves (prices) without touching Envoy', async () => {
    writeFileSync(path, stringify({ ...BASE, prices: [{ model: 'm', input: 1, output: 2 }] }));
    expect(watcher.check()).toMatchObject({ result: 'applied', envoyChanged: false });
    expect(applied.map((config) => config.prices.priceOf('m', 'b'))).toEqual([expect.objectContaining({ input: 1, output: 2 })]);
    expect(envoyChanges).toBe(0);
    expect(watcher.check()).toEqual({ result: 'unchanged' });
  });

  it('reports a change Envoy must serve (a new model)', () => {
    writeFileSync(path, stringify({ ...BASE, models: [...BASE.models, { name: 'm2', backends: [{ backend: 'b' }] }] }));
    expect(watcher.check()).toMatchObject({ result: 'applied', envoyChanged: true });
    expect(envoyChanges).toBe(1);
  });

  it('rejects an invalid file with every problem, once, and keeps the last good config', async () => {
    writeFileSync(path, stringify({ ...BASE, models: [{ name: 'm', backends: [{ backend: 'x' }] }], listener: { port: 0 } }));
    expect(watcher.check()).toEqual({
      result: 'rejected',
      problems: ['listener.port: Too small: expected number to be >=1', 'models[0].backends[0].backend: unknown backend "x"'],
    });
    expect(watcher.check()).toEqual({ result: 'unchanged' });
    expect(applied).toEqual([]);
    expect(await gauge('aigw_config_last_reload_successful')).toBe(0);
    writeFileSync(path, 'models: [\n');
    expect(watcher.check()).toMatchObject({ result: 'rejected' });
    writeFileSync(path, stringify(BASE) + '\n# fixed\n');
    expect(watcher.check()).toMatchObject({ result: 'applied' });
    expect(await gauge('aigw_config_last_reload_successful')).toBe(1);
  });
});
