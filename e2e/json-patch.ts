/**
 * JSON Patch (RFC 6902: add, replace, remove) and the JSONPath forms aigw's EnvoyPatchPolicy
 * uses (`..key[?(@.name=='v')]`, `..key[?(@.name =~ 're')]`), with Envoy Gateway's rules: a
 * jsonPath selects elements whose JSON pointers get `path` appended, and `add` creates missing
 * parent objects (EnsurePathExistsOnAdd). Enough to apply the rendered patches in a test the
 * way Envoy Gateway v1.6 does, no more.
 */

type Json = Record<string, unknown>;

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  jsonPath?: string;
  value?: unknown;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The JSON pointers a jsonPath selects. */
export function selectPointers(document: unknown, jsonPath: string): string[] {
  const parsed = /^\.\.(\w+)\[\?\(@\.name\s*(==|=~)\s*'(.*)'\)\]$/.exec(jsonPath);
  if (!parsed) throw new Error(`unsupported jsonPath ${jsonPath}`);
  const [, key, operator, operand] = parsed;
  const matches = (name: unknown): boolean => typeof name === 'string' && (operator === '==' ? name === operand : new RegExp(operand).test(name));
  const found: string[] = [];
  const walk = (node: unknown, pointer: string): void => {
    if (Array.isArray(node)) return node.forEach((item, index) => walk(item, `${pointer}/${index}`));
    if (node === null || typeof node !== 'object') return;
    for (const [name, child] of Object.entries(node as Json)) {
      if (name === key && Array.isArray(child)) {
        child.forEach((item, index) => {
          if (matches((item as Json | null)?.name)) found.push(`${pointer}/${escape(name)}/${index}`);
        });
      }
      walk(child, `${pointer}/${escape(name)}`);
    }
  };
  walk(document, '');
  return found;
}

function applyAt(document: unknown, pointer: string, operation: PatchOperation): void {
  const tokens = pointer.split('/').slice(1).map(unescape);
  const last = tokens.pop();
  if (last === undefined) throw new Error('cannot patch the whole document');
  let node = document as Json | unknown[];
  tokens.forEach((token, index) => {
    const container = node as Record<string, unknown>;
    if (container[token] === undefined) {
      if (operation.op !== 'add') throw new Error(`${pointer}: ${token} does not exist`);
      // As json-patch v5's EnsurePathExistsOnAdd: a list when the next token is an index or `-`.
      const next = tokens[index + 1] ?? last;
      container[token] = next === '-' || /^\d+$/.test(next) ? [] : {};
    }
    node = container[token] as Json | unknown[];
  });
  if (Array.isArray(node)) {
    const index = last === '-' ? node.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > node.length) throw new Error(`${pointer}: bad index`);
    if (operation.op === 'add') node.splice(index, 0, structuredClone(operation.value));
    else if (index >= node.length) throw new Error(`${pointer}: no element`);
    else if (operation.op === 'replace') node[index] = structuredClone(operation.value);
    else node.splice(index, 1);
    return;
  }
  if (operation.op !== 'add' && !(last in node)) throw new Error(`${pointer}: ${last} does not exist`);
  if (operation.op === 'remove') delete node[last];
  else node[last] = structuredClone(operation.value);
}

/** Applies one operation (to every element its jsonPath selects); throws where Envoy Gateway would report the patch invalid. */
export function applyPatch(document: unknown, operation: PatchOperation): void {
  const pointers = operation.jsonPath !== undefined ? selectPointers(document, operation.jsonPath).map((pointer) => `${pointer}${operation.path ?? ''}`) : [operation.path ?? ''];
  if (pointers.length === 0) throw new Error(`jsonPath ${operation.jsonPath} selects nothing`);
  for (const pointer of pointers) applyAt(document, pointer, operation);
}
