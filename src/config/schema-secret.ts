import { z } from 'zod';

/** Where one secret value comes from: an environment variable or a file (never the config itself). */
export const SecretSourceSchema = z
  .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(), file: z.string().min(1).optional() })
  .strict()
  .refine((c) => (c.env === undefined) !== (c.file === undefined), { message: 'set exactly one of env or file' });
