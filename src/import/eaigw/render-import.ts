import { stringify } from 'yaml';
import type { EaigwImport } from './import-eaigw';
import { formatNote } from './resource';
import type { SecretUse } from './secrets';

function secretLine(use: SecretUse): string {
  const where = use.env !== undefined ? `env ${use.env}` : `file ${use.file ?? ''}`;
  return `#   ${where}  <- ${use.kind} ${use.object}, key ${use.key}`;
}

/**
 * The imported config as YAML, led by comments: where it came from, every secret it reads
 * (the values are never copied), what to add, and every field not carried over, with why.
 */
export function renderImport(result: EaigwImport, sources: readonly string[]): string {
  const lines = [
    `# aigw config imported from Envoy AI Gateway resources: aigw import eaigw ${sources.join(' ')}`,
    '# Check it with: aigw check-config FILE',
    '#',
    '# Callers: Envoy AI Gateway resources name no client keys. Add callers (keyHash from `aigw hash-key KEY`)',
    '# or jwt: before serving; without them every request is refused (401).',
  ];
  if (result.secrets.length > 0) {
    lines.push('#', '# Secrets this config reads (never copied from the manifests):');
    lines.push(...result.secrets.map(secretLine));
  }
  if (result.notes.length > 0) {
    lines.push('#', `# Not carried over, or carried over differently (${result.notes.length}):`);
    for (const note of result.notes) lines.push(`#   ${formatNote(note).replace(/\n/g, ' ')}`);
  }
  const body = stringify(result.config, { lineWidth: 0 });
  return `${lines.join('\n')}\n\n${body.endsWith('\n') ? body : `${body}\n`}`;
}
