import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/load';
import { importEaigw } from '../src/import/eaigw/import-eaigw';
import { ROOT, Sandbox, commandLines } from './doc-blocks';
import type { DocBlock } from './doc-blocks';

/** The manifests the documented `import eaigw` command reads, as a user would have them beside the command. */
const MANIFESTS = ['route.yaml', 'backends.yaml'];

/**
 * Runs a documented `aigw import eaigw` block as printed, in a sandbox holding the test
 * manifests (e2e/fixtures/eaigw/route.yaml and backends.yaml) under the names the block uses:
 * it must exit 0, name what it does not carry over on stderr, and write the config the
 * importer makes of them (valid against the schema).
 */
export async function runImportBlock(block: DocBlock): Promise<void> {
  const sandbox = await Sandbox.create();
  try {
    for (const name of MANIFESTS) copyFileSync(join(ROOT, 'e2e', 'fixtures', 'eaigw', name), join(sandbox.dir, name));
    for (const line of commandLines(block.text)) {
      const result = await sandbox.run(line);
      expect([line, result.status]).toEqual([line, 0]);
      expect(result.stderr).toContain('warning: AIGatewayRoute ai/llm-route spec.parentRefs: not carried over');
    }
    const written = parse(readFileSync(join(sandbox.dir, 'aigw.yaml'), 'utf8')) as unknown;
    const files = MANIFESTS.map((name) => ({ path: name, text: readFileSync(join(sandbox.dir, name), 'utf8') }));
    const secretDir = /--secret-dir (\S+)/.exec(block.text)?.[1];
    expect(written).toEqual(importEaigw(files, { secretDir }).config);
    expect(() => validateConfig(written, 'aigw.yaml')).not.toThrow();
  } finally {
    sandbox.remove();
  }
}
