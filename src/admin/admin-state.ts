import { z } from 'zod';
import { KeyRecordSchema } from '../auth/runtime-keys';
import type { KeyRecord } from '../auth/runtime-keys';
import { keyStatus } from '../auth/runtime-keys';

/**
 * What the admin API changes at runtime, as one immutable snapshot per store version. The
 * request path reads the current snapshot synchronously; a store swaps it whole on reload.
 */

/** Budgets and limits of one key or team (each optional; absent means no runtime limit). */
export const LimitsSchema = z
  .object({
    tokensPerMinute: z.number().int().positive().optional(),
    tokensPerDay: z.number().int().positive().optional(),
    requestsPerMinute: z.number().int().positive().optional(),
    usdPerDay: z.number().positive().optional(),
    usdPerMonth: z.number().positive().optional(),
  })
  .strict();

export const ModelSettingSchema = z.object({ enabled: z.boolean() }).strict();

/** A team's allowed models; without `models`, every model (explicitly overriding a config profile). */
export const ProfileSchema = z.object({ models: z.array(z.string().min(1)).optional() }).strict();

/** The guardrail policy a team or caller gets at runtime: a configured policy's name, `default`, or `none`. */
export const GuardrailAssignmentSchema = z.object({ policy: z.string().min(1) }).strict();

export type Limits = z.output<typeof LimitsSchema>;
export type ModelSetting = z.output<typeof ModelSettingSchema>;
export type Profile = z.output<typeof ProfileSchema>;

/** The kinds of record the store holds, each a map from id to JSON. */
export const RECORD_KINDS = ['keys', 'key-limits', 'team-limits', 'models', 'profiles', 'guardrails'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

const SCHEMAS = {
  keys: KeyRecordSchema,
  'key-limits': LimitsSchema,
  'team-limits': LimitsSchema,
  models: ModelSettingSchema,
  profiles: ProfileSchema,
  guardrails: GuardrailAssignmentSchema,
} as const;

/** The validated records of one kind, by id. */
export interface AdminSnapshot {
  readonly keys: ReadonlyMap<string, KeyRecord>;
  /** Keys by hex SHA-256 (revoked and expired ones too: they get their own 401 message). */
  readonly keysByDigest: ReadonlyMap<string, KeyRecord>;
  readonly keyLimits: ReadonlyMap<string, Limits>;
  /** Key limits by the caller name of their (unrevoked) key: what rate-limit descriptors carry. */
  readonly callerLimits: ReadonlyMap<string, Limits>;
  readonly teamLimits: ReadonlyMap<string, Limits>;
  readonly models: ReadonlyMap<string, ModelSetting>;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Guardrail policy names by `team:<team>` or `caller:<name>`. */
  readonly guardrails: ReadonlyMap<string, string>;
  /** Records that failed validation (written by a newer or broken writer): skipped, counted. */
  readonly skipped: number;
}

/** Raw JSON text by kind and id, as a store reads it. */
export type RawRecords = Record<RecordKind, ReadonlyMap<string, string>>;

/** An empty raw record set. */
export function emptyRaw(): Record<RecordKind, Map<string, string>> {
  return { keys: new Map(), 'key-limits': new Map(), 'team-limits': new Map(), models: new Map(), profiles: new Map(), guardrails: new Map() };
}

function parseKind<T>(schema: z.ZodType<T>, raw: ReadonlyMap<string, string>, counter: { skipped: number }): Map<string, T> {
  const parsed = new Map<string, T>();
  for (const [id, text] of raw) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      counter.skipped += 1;
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) parsed.set(id, result.data);
    else counter.skipped += 1;
  }
  return parsed;
}

/** Validates raw records into a snapshot; invalid ones are skipped, never fatal. */
export function buildSnapshot(raw: RawRecords): AdminSnapshot {
  const counter = { skipped: 0 };
  const keys = parseKind(SCHEMAS.keys, raw.keys, counter);
  const keysByDigest = new Map<string, KeyRecord>();
  for (const record of keys.values()) keysByDigest.set(record.hash, record);
  const keyLimits = parseKind(SCHEMAS['key-limits'], raw['key-limits'], counter);
  const callerLimits = new Map<string, Limits>();
  for (const [id, limits] of keyLimits) {
    const record = keys.get(id);
    // Names are unique among live keys; a revoked key's limits no longer apply.
    if (record && record.revokedAt === undefined) callerLimits.set(record.name, limits);
  }
  return {
    keys,
    keysByDigest,
    keyLimits,
    callerLimits,
    teamLimits: parseKind(SCHEMAS['team-limits'], raw['team-limits'], counter),
    models: parseKind(SCHEMAS.models, raw.models, counter),
    profiles: parseKind(SCHEMAS.profiles, raw.profiles, counter),
    guardrails: new Map([...parseKind(SCHEMAS.guardrails, raw.guardrails, counter)].map(([id, value]) => [id, value.policy])),
    skipped: counter.skipped,
  };
}

/** The snapshot of an empty store. */
export const EMPTY_SNAPSHOT: AdminSnapshot = buildSnapshot(emptyRaw());

/** Whether a live key already uses a caller name (names are what requests are attributed to). */
export function nameInUse(snapshot: AdminSnapshot, name: string, now: number, exceptId?: string): boolean {
  for (const record of snapshot.keys.values()) {
    if (record.id !== exceptId && record.name === name && keyStatus(record, now) === 'active') return true;
  }
  return false;
}
