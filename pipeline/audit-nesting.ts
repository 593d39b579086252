// An audit event's requestObject and responseObject are whatever a client sent
// or a server answered: a custom resource with preserve-unknown-fields may nest
// as deep as the API server's decoder allows (10,000 levels). Every JSON
// writer and recursive walk after decoding — the record codec's
// JSON.stringify, the detector's line — runs out of stack near 5,000 levels,
// so one such event would fail its whole webhook batch (the API server retries
// it, then drops it: the audit stream goes blind). Below MAX_AUDIT_NESTING the
// event is left as it is; a deeper subtree is replaced by one flat object of
// its leaves, keyed by their (bounded) paths, so every string in it is still
// scanned, with work linear in its size. No recursion here: the walk itself
// must not be the thing that overflows.

type Obj = Record<string, unknown>

/** Deeper than any Kubernetes object (and its managedFields) nests; JSON.stringify handles it with room to spare. */
export const MAX_AUDIT_NESTING = 256
/** The annotation a flattened event carries: the fields whose deep subtrees were flattened. */
export const FLATTENED_ANNOTATION = 'leakwatch.io/flattened-nesting'
/** Longest path kept as a flattened leaf's key: its end, where the leaf is. */
const MAX_PATH = 256

function isContainer(v: unknown): v is Obj | unknown[] {
  return typeof v === 'object' && v !== null
}

function childPath(parent: string, key: string | number): string {
  const p = typeof key === 'number' ? `${parent}[${key}]` : parent === '' ? key : `${parent}.${key}`
  return p.length > MAX_PATH ? `…${p.slice(p.length - MAX_PATH + 1)}` : p
}

/** The leaves of `root` (strings, numbers, booleans, null) by path from it; a path cut to MAX_PATH that repeats gets `#n`. */
function flatten(root: Obj | unknown[]): Obj {
  const out: Obj = Object.create(null) as Obj
  const stack: Array<[unknown, string]> = [[root, '']]
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string]
    if (isContainer(v)) {
      const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v)
      // Pushed in reverse so that leaves come out in document order.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string | number, unknown]
        stack.push([x, childPath(path, k)])
      }
      continue
    }
    let key = path === '' ? '.' : path
    if (key in out) {
      let n = 2
      while (`${key}#${n}` in out) n++
      key = `${key}#${n}`
    }
    out[key] = v
  }
  // A plain object again, so that writers see an ordinary value.
  return { ...out }
}

/** Flattens the subtrees of `root` that start MAX_AUDIT_NESTING levels down; whether any did. */
function bound(root: Obj | unknown[]): boolean {
  let changed = false
  const stack: Array<[Obj | unknown[], number]> = [[root, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Obj | unknown[], number]
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
    for (const k of keys) {
      const child = (node as Record<string | number, unknown>)[k]
      if (!isContainer(child)) continue
      if (depth + 1 >= MAX_AUDIT_NESTING) {
        ;(node as Record<string | number, unknown>)[k] = flatten(child)
        changed = true
      } else stack.push([child, depth + 1])
    }
  }
  return changed
}

/**
 * The event with its requestObject and responseObject nested at most MAX_AUDIT_NESTING deep (changed in
 * place), and FLATTENED_ANNOTATION naming the fields that were not.
 */
export function boundNesting<E extends { requestObject?: unknown; responseObject?: unknown; annotations?: Record<string, string> | undefined }>(e: E): E {
  const flattened: string[] = []
  if (isContainer(e.requestObject) && bound(e.requestObject)) flattened.push('requestObject')
  if (isContainer(e.responseObject) && bound(e.responseObject)) flattened.push('responseObject')
  if (flattened.length > 0) e.annotations = { ...e.annotations, [FLATTENED_ANNOTATION]: flattened.join(',') }
  return e
}
