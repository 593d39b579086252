// A JSON Schema checker for the subset GitHub's published schemas use
// (@octokit/webhooks-schemas, draft-07; the OpenAPI 3.0 schemas of
// test/fixtures/github/openapi-subset.json): type, nullable, enum, const,
// required, properties, additionalProperties, items, oneOf/anyOf/allOf, $ref
// into one root, and the date-time and uri formats. Enough to tell a stand-in
// answer that GitHub would never send; not a general validator.

type S = Record<string, unknown>

export interface SchemaRoot {
  /** Resolves a `$ref` (`#/definitions/x`, `#/components/schemas/x`). */
  ref: (ref: string) => S
}

export function rootOf(doc: S): SchemaRoot {
  return {
    ref(ref) {
      if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`)
      let n: unknown = doc
      for (const part of ref.slice(2).split('/')) n = (n as S)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
      if (n === undefined) throw new Error(`unresolved $ref ${ref}`)
      return n as S
    }
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeOf(v)
  return want === got || (want === 'number' && got === 'integer')
}

/** Errors of `value` against `schema`, each with its JSON path; empty means valid. */
export function check(root: SchemaRoot, schema: S, value: unknown, path = '$'): string[] {
  if (schema.$ref !== undefined) return check(root, root.ref(String(schema.$ref)), value, path)
  const errors: string[] = []
  if (value === null && schema.nullable === true) return errors
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type)]
    if (!types.some((t) => typeMatches(t, value))) return [`${path}: expected ${types.join('|')}, got ${typeOf(value)}`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`)
  if (schema.const !== undefined && schema.const !== value) errors.push(`${path}: expected const ${JSON.stringify(schema.const)}`)
  if (typeof value === 'string' && schema.format === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`)
  if (typeof value === 'string' && schema.format === 'uri' && !URL.canParse(value)) errors.push(`${path}: not a uri`)
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as S[]) errors.push(...check(root, s, value, path))
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as S[]).some((s) => check(root, s, value, path).length === 0)) errors.push(`${path}: matches none of anyOf`)
  if (Array.isArray(schema.oneOf)) {
    const n = (schema.oneOf as S[]).filter((s) => check(root, s, value, path).length === 0).length
    if (n !== 1) errors.push(`${path}: matches ${n} of oneOf`)
  }
  if (typeOf(value) === 'object') {
    const o = value as S
    const props = (schema.properties ?? {}) as Record<string, S>
    for (const r of (schema.required ?? []) as string[]) if (!(r in o)) errors.push(`${path}: missing ${r}`)
    for (const [k, v] of Object.entries(o)) {
      const p = props[k]
      if (p !== undefined) errors.push(...check(root, p, v, `${path}.${k}`))
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`)
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(root, schema.additionalProperties as S, v, `${path}.${k}`))
    }
  }
  if (Array.isArray(value) && schema.items !== undefined)
    for (const [i, v] of value.entries()) errors.push(...check(root, schema.items as S, v, `${path}[${i}]`))
  return errors
}
