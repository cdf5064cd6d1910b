import { RedisServer } from './redis-server';

describe('RedisServer (the tests\' real Redis)', () => {
  const saved = process.env.REDIS_SERVER;
  afterEach(() => {
    if (saved === undefined) delete process.env.REDIS_SERVER;
    else process.env.REDIS_SERVER = saved;
  });

  test('a missing redis-server fails with one line naming the package to install', async () => {
    process.env.REDIS_SERVER = '/nonexistent/redis-server';
    await expect(RedisServer.start()).rejects.toThrow('no redis-server at "/nonexistent/redis-server" (apt-get install redis-server, or set REDIS_SERVER)');
  });
});
