import { rateLimitService } from './rls-proto';
import type { RateLimitRequest } from './rls-proto';

/**
 * Bytes of a ShouldRateLimit request as Envoy 1.36.4 sent it for a rate limit with
 * `hits_addend: { format: "%REQ(x-cost)%" }` and `x-cost: 150`: domain "aigw", one descriptor
 * (phase=req, team=research) whose field 3 is UInt64Value{150}.
 */
const FROM_ENVOY = Buffer.concat([
  Buffer.from([0x0a, 0x04]),
  Buffer.from('aigw'),
  Buffer.from([0x12, 0x25, 0x0a, 0x0c, 0x0a, 0x05]),
  Buffer.from('phase'),
  Buffer.from([0x12, 0x03]),
  Buffer.from('req'),
  Buffer.from([0x0a, 0x10, 0x0a, 0x04]),
  Buffer.from('team'),
  Buffer.from([0x12, 0x08]),
  Buffer.from('research'),
  Buffer.from([0x1a, 0x03, 0x08, 0x96, 0x01]),
]);

describe('rate limit service proto', () => {
  test('decodes the per-descriptor hits_addend Envoy sends', () => {
    const method = rateLimitService().ShouldRateLimit;
    const request = method.requestDeserialize(FROM_ENVOY) as RateLimitRequest;
    expect(request.domain).toBe('aigw');
    expect(request.descriptors).toEqual([
      {
        entries: [
          { key: 'phase', value: 'req' },
          { key: 'team', value: 'research' },
        ],
        limit: null,
        hits_addend: { value: '150' },
      },
    ]);
    expect(request.hits_addend).toBe(0);
  });

  test('serves the path Envoy calls', () => {
    expect(rateLimitService().ShouldRateLimit.path).toBe('/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit');
  });
});
