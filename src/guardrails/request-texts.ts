import type { ClientApi } from '../api/client-request';
import { copyKeys, mapDecoded, mapText, setOwn } from './json-text';
import { REQUEST_SHAPES } from './request-shapes';
import type { ObjectShape, Shape } from './request-shapes';
import type { TextFn } from './response-texts';

/** Returned for an object to leave out (a signed block whose text a rule would change). */
const DROP: unique symbol = Symbol('drop');

/**
 * Every text a client request sends to a model: the request is walked with its API's shape
 * (request-shapes.ts), and every string that is not structure goes through `fn`, in a fixed
 * order; returns a copy with the texts `fn` returned (parts it did not change are shared; an
 * unchanged body is returned as it is). A signed thinking block is never changed: when `fn`
 * would change its text, the block is left out of the request.
 */
export function mapRequestTexts(api: ClientApi, body: Record<string, unknown>, fn: TextFn): Record<string, unknown> {
  const out = walkObject(body, REQUEST_SHAPES[api], fn);
  return out === DROP ? body : out;
}

function walk(value: unknown, shape: Shape, fn: TextFn): unknown {
  if (typeof value === 'string') return walkString(value, shape, fn);
  if (Array.isArray(value)) return walkArray(value, shape, fn);
  if (typeof value !== 'object' || value === null) return value;
  // An object where only a string was described (or text) is data: every key and string in it.
  if (typeof shape === 'string') return mapDecoded(value, fn);
  return walkObject(value as Record<string, unknown>, shape, fn);
}

function walkString(value: string, shape: Shape, fn: TextFn): unknown {
  switch (shape) {
    case 'structure':
      return value;
    case 'url':
      return value.startsWith('data:') ? value : mapText(value, fn);
    case 'signed':
      return mapText(value, fn) === value ? value : DROP;
    default:
      return mapText(value, fn);
  }
}

function walkArray(value: unknown[], shape: Shape, fn: TextFn): unknown[] {
  let out: unknown[] | undefined;
  for (let index = 0; index < value.length; index++) {
    const next = walk(value[index], shape, fn);
    if (out === undefined && next !== value[index]) out = value.slice(0, index);
    if (out !== undefined && next !== DROP) out.push(next);
  }
  return out ?? value;
}

function walkObject(object: Record<string, unknown>, shape: ObjectShape, fn: TextFn): Record<string, unknown> | typeof DROP {
  const fields = (typeof object.type === 'string' && Object.hasOwn(shape.byType, object.type) ? shape.byType[object.type] : undefined) ?? shape.fields;
  const keys = Object.keys(object);
  let out: Record<string, unknown> | undefined;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    const fieldShape = Object.hasOwn(fields, key) ? fields[key] : 'text';
    const next = walk(object[key], fieldShape, fn);
    if (next === DROP && fieldShape === 'signed') return DROP;
    if (out === undefined && next !== object[key]) out = copyKeys(object, keys, index);
    if (out !== undefined && next !== DROP) setOwn(out, key, next);
  }
  return out ?? object;
}
