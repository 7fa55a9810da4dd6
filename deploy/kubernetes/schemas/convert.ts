/**
 * Makes the JSON schemas kubeconform reads in chart.test.ts (kept in the repo, so the test needs no network):
 *
 *   node --import tsx deploy/kubernetes/schemas/convert.ts standalone <local-strict dir> <out dir> <file>...
 *     inlines every `$ref` into `_definitions.json` of a "local-strict" schema folder (the layout of the
 *     kubernetes-validate package), giving the "standalone-strict" files kubeconform looks up by kind.
 *   node --import tsx deploy/kubernetes/schemas/convert.ts crd <crd.yaml> <out dir>
 *     converts each version of a CustomResourceDefinition the way kubeconform's scripts/openapi2jsonschema.py
 *     does: `additionalProperties: false` on every object with `properties` below the root, and
 *     `format: int-or-string` replaced by `oneOf: [string, integer]`; written as `<kind>_<version>.json`.
 *
 * A one-off tool: its outputs are committed (see README.md), the tests never run it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Json = unknown;

/** Replaces `{"$ref": ".../_definitions.json#/$defs/<name>", ...rest}` by rest plus the definition (itself inlined). */
export function inlineRefs(node: Json, defs: Record<string, Json>, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, defs, seen));
  if (!node || typeof node !== 'object') return node;
  const { $ref: ref, ...rest } = node as Record<string, Json>;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(rest)) out[key] = inlineRefs(value, defs, seen);
  if (typeof ref !== 'string') return out;
  const name = /#\/\$defs\/(.+)$/.exec(ref)?.[1];
  if (!name || !(name in defs)) throw new Error(`unknown $ref ${ref}`);
  if (seen.includes(name)) throw new Error(`recursive $ref ${[...seen, name].join(' → ')}`);
  // The definition wins over the referring property's own keys (its description), as in yannh's standalone files.
  return Object.assign(out, inlineRefs(defs[name], defs, [...seen, name]));
}

/** openapi2jsonschema's `additional_properties` (the root skipped; like it, lists are not entered) then `replace_int_or_string`. */
export function strictCrdSchema(root: Json): Json {
  return replaceIntOrString(additionalProperties(root, true));
}

function additionalProperties(node: Json, skip = false): Json {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node as Record<string, Json>)) out[key] = additionalProperties(value);
  if ('properties' in out && !skip && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

function replaceIntOrString(node: Json): Json {
  if (Array.isArray(node)) return node.map(replaceIntOrString);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node as Record<string, Json>)) {
    const child = value as Record<string, Json> | null;
    const intOrString =
      !!child && typeof child === 'object' && !Array.isArray(child) && child.format === 'int-or-string';
    out[key] = intOrString ? { oneOf: [{ type: 'string' }, { type: 'integer' }] } : replaceIntOrString(value);
  }
  return out;
}

function main([mode, ...args]: string[]): void {
  if (mode === 'standalone') {
    const [from, to, ...files] = args;
    const defs = (JSON.parse(readFileSync(join(from!, '_definitions.json'), 'utf8')) as { $defs: Record<string, Json> })
      .$defs;
    mkdirSync(to!, { recursive: true });
    for (const file of files) {
      const schema = inlineRefs(JSON.parse(readFileSync(join(from!, file), 'utf8')), defs);
      writeFileSync(join(to!, file), JSON.stringify(schema, null, 2) + '\n');
    }
  } else if (mode === 'crd') {
    const [file, to] = args;
    const crd = parse(readFileSync(file!, 'utf8')) as {
      spec: { names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Json } }[] };
    };
    mkdirSync(to!, { recursive: true });
    for (const version of crd.spec.versions) {
      if (!version.schema?.openAPIV3Schema) continue;
      const name = `${crd.spec.names.kind}_${version.name}`.toLowerCase() + '.json';
      writeFileSync(join(to!, name), JSON.stringify(strictCrdSchema(version.schema.openAPIV3Schema), null, 2) + '\n');
    }
  } else {
    throw new Error('usage: convert.ts standalone <from> <to> <file>... | convert.ts crd <crd.yaml> <to>');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
