import { validateConfig } from './load';
import { renderEnvoyBootstrap } from './render-envoy';
import { rateLimitFilter } from './render-envoy-ratelimit';
import { compileConfig } from './runtime';

const BASE = {
  backends: [{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1' }],
  models: [{ name: 'gpt-4o', backends: [{ backend: 'openai' }] }],
};

const compiled = (extra: Record<string, unknown>) => compileConfig(validateConfig({ ...BASE, ...extra }), {});

describe('rate limit filter rendering', () => {
  test('one admission rate limit per descriptor shape, plus the request id; nothing at stream end', () => {
    const config = compiled({
      rateLimits: {
        failureMode: 'closed',
        envoyTimeoutMs: 150,
        descriptors: [
          { key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 100 } }] },
          { key: 'metric', value: 'requests', descriptors: [{ key: 'caller', descriptors: [{ key: 'model', rate_limit: { unit: 'second', requests_per_unit: 5 } }] }] },
        ],
        budgets: [{ per: 'project', usd: 10, window: 'day' }],
      },
    });
    const metadata = (key: string, namespace = 'io.aigw', descriptorKey = key) => ({
      metadata: { descriptor_key: descriptorKey, metadata_key: { key: namespace, path: [{ key }] }, source: 'DYNAMIC' },
    });
    const metric = (value: string) => ({ generic_key: { descriptor_key: 'metric', descriptor_value: value } });
    expect(rateLimitFilter(config)).toEqual({
      name: 'envoy.filters.http.ratelimit',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit',
        domain: 'aigw',
        timeout: '0.15s',
        failure_mode_deny: true,
        enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
        rate_limits: [
          { actions: [metric('tokens'), metadata('team')], hits_addend: { format: '%DYNAMIC_METADATA(io.aigw:reserve_tokens)%' } },
          { actions: [metric('requests'), metadata('caller'), metadata('model')], hits_addend: { number: 1 } },
          { actions: [metric('usd'), metadata('project')], hits_addend: { format: '%DYNAMIC_METADATA(io.aigw:reserve_usd_micros)%' } },
          { actions: [metadata('request_id', 'io.aigw', 'aigw_request')] },
        ],
        rate_limit_service: { transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: 'aigw_extproc' } } },
      },
    });
  });

  test('the filter sits after aigw filters (ext_proc, buffer, request Lua) and before the router, and only when limits exist', () => {
    const names = (config: ReturnType<typeof compiled>): string[] => {
      const bootstrap = renderEnvoyBootstrap(config) as { static_resources: { listeners: Array<{ filter_chains: Array<{ filters: Array<{ typed_config: { http_filters: Array<{ name: string }> } }> }> }> } };
      return bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters.map((filter) => filter.name);
    };
    const aigw = ['aigw.lua.response', 'envoy.filters.http.ext_proc', 'envoy.filters.http.buffer', 'aigw.lua.request'];
    expect(names(compiled({}))).toEqual([...aigw, 'envoy.filters.http.router']);
    expect(names(compiled({ rateLimits: { budgets: [{ per: 'team', usd: 1, window: 'month' }] } }))).toEqual([...aigw, 'envoy.filters.http.ratelimit', 'envoy.filters.http.router']);
    expect(names(compiled({ rateLimits: {} }))).toEqual([...aigw, 'envoy.filters.http.router']);
  });
});
