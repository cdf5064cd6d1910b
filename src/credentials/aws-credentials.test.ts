import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainAwsCredentials } from './aws-credentials';

type Found = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

function provider(answers: Array<Found | Error>): { next: () => Promise<Found>; calls: () => number } {
  let calls = 0;
  return {
    next: async () => {
      const answer = answers[Math.min(calls, answers.length - 1)];
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (answer instanceof Error) throw answer;
      return answer;
    },
    calls: () => calls,
  };
}

describe('ChainAwsCredentials', () => {
  test('temporary credentials are cached and refreshed five minutes before they expire; concurrent callers share a fetch', async () => {
    const clock = { now: 0 };
    const source = provider([
      { accessKeyId: 'ASIA1', secretAccessKey: 's1', sessionToken: 't1', expiration: new Date(3_600_000) },
      { accessKeyId: 'ASIA2', secretAccessKey: 's2', sessionToken: 't2', expiration: new Date(7_200_000) },
    ]);
    const chain = new ChainAwsCredentials(undefined, () => clock.now, source.next);
    const first = await Promise.all(Array.from({ length: 20 }, () => chain.credentials()));
    expect(new Set(first.map((identity) => identity.accessKeyId.reveal()))).toEqual(new Set(['ASIA1']));
    expect(first[0].sessionToken?.reveal()).toBe('t1');
    clock.now = 3_600_000 - 300_001;
    expect((await chain.credentials()).accessKeyId.reveal()).toBe('ASIA1');
    clock.now = 3_600_000 - 300_000;
    expect((await chain.credentials()).accessKeyId.reveal()).toBe('ASIA2');
    expect(source.calls()).toBe(2);
  });

  test('a failed refresh keeps still-valid credentials; expired ones fail with the chain’s error', async () => {
    const clock = { now: 0 };
    const source = provider([{ accessKeyId: 'ASIA1', secretAccessKey: 's1', expiration: new Date(600_000) }, new Error('Could not load credentials from any providers')]);
    const chain = new ChainAwsCredentials('prod', () => clock.now, source.next);
    await chain.credentials();
    clock.now = 500_000;
    expect((await chain.credentials()).accessKeyId.reveal()).toBe('ASIA1');
    clock.now = 600_000;
    await expect(chain.credentials()).rejects.toThrow('Could not load credentials from any providers');
    expect(chain.description).toBe('the AWS default credential chain (profile prod)');
  });

  test('the real chain reads a profile from the shared credentials file; secrets never print', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-aws-'));
    const saved = { ...process.env };
    try {
      writeFileSync(join(dir, 'credentials'), '[aigw-test]\naws_access_key_id = AKIDSHARED\naws_secret_access_key = shared-secret-value\n');
      writeFileSync(join(dir, 'config'), '');
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      const identity = await new ChainAwsCredentials('aigw-test').credentials();
      expect(identity.accessKeyId.reveal()).toBe('AKIDSHARED');
      expect(identity.secretAccessKey.reveal()).toBe('shared-secret-value');
      expect(JSON.stringify(identity)).not.toContain('shared-secret-value');
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
