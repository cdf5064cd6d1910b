import { z } from 'zod';
import { RedisStoreSchema } from './schema-limits';

/**
 * The schema of the `admin`, `jwt` and `accessProfiles` sections of aigw.yaml: the runtime
 * admin API (keys, limits, catalog, profiles), JWT bearer tokens as a second way to
 * authenticate, and static access profiles that the admin API can override.
 */

/** Where one secret value comes from (the value itself never sits in the config file). */
const SecretSourceSchema = z
  .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(), file: z.string().min(1).optional() })
  .strict()
  .refine((source) => (source.env === undefined) !== (source.file === undefined), { message: 'set exactly one of env or file' });

export const AdminSchema = z
  .object({
    /** The bearer token every admin call must send; the admin API is off without it. */
    token: SecretSourceSchema,
    /**
     * Where keys, limits, the catalog and profiles live. Default: the Redis of
     * rateLimits.store when there is one (a fleet already shares it), else memory.
     */
    store: z.union([z.literal('memory'), z.object({ redis: RedisStoreSchema }).strict()]).optional(),
    /** How often each instance checks the store's version (pub/sub usually tells it sooner). */
    pollIntervalMs: z.number().int().min(50).max(10_000).default(500),
  })
  .strict();

/** Algorithms a token may be signed with (jose names). `none` is never accepted. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;

/** A claim name, or a dotted path into nested claims (`realm_access.team`). */
const ClaimPathSchema = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path such as org.team');

export const JwtKeySchema = z
  .object({
    /** A PEM public key (SPKI or certificate) from env or file. */
    pem: SecretSourceSchema.optional(),
    /** A JWK, or a JWK Set ({"keys": [...]}), as JSON from env or file. */
    jwk: SecretSourceSchema.optional(),
    /** The `kid` tokens name this key by (PEM keys have none of their own). */
    kid: z.string().min(1).optional(),
    /** The one algorithm this key verifies (PEM keys); default: any allowed one that fits the key. */
    alg: z.enum(JWT_ALGORITHMS).optional(),
  })
  .strict()
  .refine((key) => (key.pem === undefined) !== (key.jwk === undefined), { message: 'set exactly one of pem or jwk' });

export const JwtSchema = z
  .object({
    /** Keys fetched from this JWKS URL, cached, refetched for an unknown kid (jose createRemoteJWKSet). */
    jwksUrl: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'must start with http:// or https://')
      .optional(),
    /** Static keys instead of (or besides) a JWKS URL. */
    keys: z.array(JwtKeySchema).default([]),
    issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
    clockToleranceSeconds: z.number().int().min(0).max(600).default(30),
    /** How long fetched JWKS keys are used before they are fetched again. */
    jwksCacheSeconds: z.number().int().min(1).max(86_400).default(600),
    /** Which claims carry the identity; team and project are required in every token. */
    claims: z
      .object({
        caller: ClaimPathSchema.default('sub'),
        team: ClaimPathSchema.default('team'),
        project: ClaimPathSchema.default('project'),
        user: ClaimPathSchema.default('sub'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((jwt) => jwt.jwksUrl !== undefined || jwt.keys.length > 0, { message: 'set jwksUrl or keys', path: ['jwksUrl'] });

/** The models one team or caller may use; a model left out gets 403. */
const ProfileSchema = z.object({ models: z.array(z.string().min(1)) }).strict();

export const AccessProfilesSchema = z
  .object({
    teams: z.record(z.string().min(1), ProfileSchema).default({}),
    callers: z.record(z.string().min(1), ProfileSchema).default({}),
  })
  .strict();

export type AdminConfig = z.output<typeof AdminSchema>;
export type JwtConfig = z.output<typeof JwtSchema>;
export type JwtKeyConfig = z.output<typeof JwtKeySchema>;
export type AccessProfilesConfig = z.output<typeof AccessProfilesSchema>;
