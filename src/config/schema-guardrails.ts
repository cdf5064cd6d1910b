import { z } from 'zod';
import { BUILTIN_DETECTOR_NAMES } from '../guardrails/builtin-detectors';
import { compileUserPattern } from '../guardrails/custom-detectors';

/**
 * `guardrails:` in aigw.yaml: detectors (built-in and custom), webhooks, and policies that
 * say what to do with each detector's findings on requests and responses.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const nameField = z.string().regex(NAME, 'must be 1-63 letters, digits, "_", "." or "-"');

const DirectionsSchema = z.array(z.enum(['request', 'response'])).min(1);

export const GuardrailRuleSchema = z
  .object({
    /** Built-in detector names (email, phone, credit_card, …) or custom ones from guardrails.detectors. */
    detectors: z.array(z.string().min(1)).min(1),
    /** monitor: count only; redact: replace with a typed placeholder; block: refuse with an error. */
    action: z.enum(['monitor', 'redact', 'block']),
    on: DirectionsSchema.default(['request', 'response']),
  })
  .strict();

export const CustomDetectorSchema = z
  .object({
    name: nameField,
    /** Placeholder type, e.g. PROJECT_CODE for [PROJECT_CODE_1]; default: the name in capitals. */
    label: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'must be capitals, digits and "_" (up to 32), starting with a capital')
      .optional(),
    /** An RE2 regular expression (linear time; no back-references or lookaround). */
    regex: z.string().min(1).max(2000).optional(),
    caseInsensitive: z.boolean().default(false),
    /** regex: the longest match to look for; a stream holds back this many characters and re-reads them per chunk. */
    maxLength: z.number().int().min(1).max(1024).default(64),
    /** Words or phrases (banned topics), matched whole and in any letter case. */
    keywords: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
  })
  .strict()
  .refine((d) => (d.regex === undefined) !== (d.keywords === undefined), { message: 'set exactly one of regex or keywords' })
  .superRefine((d, context) => {
    if (d.regex === undefined) return;
    try {
      compileUserPattern(d.regex, d.caseInsensitive);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['regex'], message: `not a valid RE2 pattern: ${(error as Error).message}` });
    }
  });

export const GuardrailWebhookSchema = z
  .object({
    name: nameField,
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://'),
    /** How long to wait for the answer. */
    timeoutMs: z.number().int().min(1).max(60_000).default(1000),
    /** When the webhook fails (timeout, error status, bad answer): open lets the text through, closed refuses it. */
    failMode: z.enum(['open', 'closed']).default('closed'),
    /** A secret sent with every call, from an environment variable or file. */
    credential: z
      .object({
        env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
        file: z.string().min(1).optional(),
        header: z.string().regex(/^[a-z0-9-]+$/, 'must be a lowercase header name').default('authorization'),
        prefix: z.string().default('Bearer '),
      })
      .strict()
      .refine((c) => (c.env === undefined) !== (c.file === undefined), { message: 'set exactly one of env or file' })
      .optional(),
  })
  .strict();

const PolicyBodyShape = {
  rules: z.array(GuardrailRuleSchema).default([]),
  webhooks: z.array(z.object({ webhook: z.string().min(1), on: DirectionsSchema.default(['request']) }).strict()).default([]),
  /** Status of a blocked request or non-streamed response (a blocked stream ends with an error event). */
  blockStatus: z.union([z.literal(400), z.literal(403)]).default(400),
};

export const GuardrailPolicySchema = z
  .object({
    name: nameField,
    /** Who and what the policy is for; every condition given must hold. */
    match: z
      .object({
        callers: z.array(z.string().min(1)).min(1).optional(),
        teams: z.array(z.string().min(1)).min(1).optional(),
        models: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .refine((m) => m.callers !== undefined || m.teams !== undefined || m.models !== undefined, { message: 'set callers, teams or models' }),
    /** Start from the default policy's rules and webhooks (a rule here replaces the default's for the same detector and direction). */
    inherit: z.boolean().default(true),
    ...PolicyBodyShape,
  })
  .strict();

export const GuardrailsSchema = z
  .object({
    /** Texts of one request or response larger than this are refused when a rule would have to read them. */
    maxTextBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    detectors: z.array(CustomDetectorSchema).default([]),
    webhooks: z.array(GuardrailWebhookSchema).default([]),
    /** The policy for every request no other policy matches. */
    default: z.object(PolicyBodyShape).strict().optional(),
    /** Policies by caller, team or model; the first that matches applies. */
    policies: z.array(GuardrailPolicySchema).default([]),
  })
  .strict();

export type GuardrailsConfig = z.output<typeof GuardrailsSchema>;
export type GuardrailPolicyBody = z.output<z.ZodObject<typeof PolicyBodyShape>>;

type Problem = { path: Array<string | number>; message: string };

function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.map((item) => (typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {})) : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** References inside guardrails: detector and webhook names, callers, models, and rules given twice. */
export function guardrailProblems(raw: Record<string, unknown>): Problem[] {
  const guardrails = raw.guardrails;
  if (typeof guardrails !== 'object' || guardrails === null) return [];
  const section = guardrails as Record<string, unknown>;
  const problems: Problem[] = [];
  const custom = records(section.detectors).map((d) => d.name);
  custom.forEach((name, index) => {
    if (typeof name !== 'string') return;
    if (BUILTIN_DETECTOR_NAMES.includes(name)) problems.push({ path: ['guardrails', 'detectors', index, 'name'], message: `"${name}" is a built-in detector` });
    else if (custom.indexOf(name) !== index) problems.push({ path: ['guardrails', 'detectors', index, 'name'], message: `duplicate detector name "${name}"` });
  });
  const detectors = new Set([...BUILTIN_DETECTOR_NAMES, ...custom.filter((n): n is string => typeof n === 'string')]);
  const webhooks = records(section.webhooks).map((w) => w.name);
  webhooks.forEach((name, index) => {
    if (typeof name === 'string' && webhooks.indexOf(name) !== index) problems.push({ path: ['guardrails', 'webhooks', index, 'name'], message: `duplicate webhook name "${name}"` });
  });
  const callers = new Set(records(raw.callers).map((c) => c.name));
  const models = new Set(records(raw.models).map((m) => m.name));
  const checkBody = (body: Record<string, unknown>, path: Array<string | number>): void => {
    const seen = new Set<string>();
    records(body.rules).forEach((rule, ruleIndex) => {
      const on = Array.isArray(rule.on) ? strings(rule.on) : ['request', 'response'];
      strings(rule.detectors).forEach((name, nameIndex) => {
        const where = [...path, 'rules', ruleIndex, 'detectors', nameIndex];
        if (!detectors.has(name)) problems.push({ path: where, message: `unknown detector "${name}" (built-in: ${BUILTIN_DETECTOR_NAMES.join(', ')})` });
        for (const direction of on) {
          if (seen.has(`${name}/${direction}`)) problems.push({ path: where, message: `detector "${name}" has a second rule for the ${direction}` });
          seen.add(`${name}/${direction}`);
        }
      });
    });
    records(body.webhooks).forEach((ref, index) => {
      if (typeof ref.webhook === 'string' && !webhooks.includes(ref.webhook)) problems.push({ path: [...path, 'webhooks', index, 'webhook'], message: `unknown webhook "${ref.webhook}"` });
    });
  };
  if (typeof section.default === 'object' && section.default !== null) checkBody(section.default as Record<string, unknown>, ['guardrails', 'default']);
  const policyNames = records(section.policies).map((p) => p.name);
  records(section.policies).forEach((policy, index) => {
    const path = ['guardrails', 'policies', index];
    if (policy.name === 'default') problems.push({ path: [...path, 'name'], message: '"default" is the name of guardrails.default' });
    if (typeof policy.name === 'string' && policyNames.indexOf(policy.name) !== index) problems.push({ path: [...path, 'name'], message: `duplicate policy name "${policy.name}"` });
    checkBody(policy, path);
    const match = (typeof policy.match === 'object' && policy.match !== null ? policy.match : {}) as Record<string, unknown>;
    strings(match.callers).forEach((name, i) => {
      if (!callers.has(name)) problems.push({ path: [...path, 'match', 'callers', i], message: `unknown caller "${name}"` });
    });
    strings(match.models).forEach((name, i) => {
      if (!models.has(name)) problems.push({ path: [...path, 'match', 'models', i], message: `unknown model "${name}"` });
    });
  });
  return problems;
}
