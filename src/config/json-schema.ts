import { toJSONSchema } from 'zod';
import { AigwConfigSchema } from './schema';

/**
 * The config file's JSON Schema, from the same zod schema that validates it (the input side:
 * what a user writes, defaults optional). Published as schema/aigw.schema.json for editors;
 * checks the schema cannot express (cross-references, environment variables) stay in
 * `aigw check-config`.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = toJSONSchema(AigwConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'aigw config',
    description: 'The aigw gateway config (aigw.yaml). Validate with `aigw check-config FILE`, which also checks references between sections.',
  };
}
