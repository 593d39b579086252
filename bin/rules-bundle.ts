// The built-in rules as one module. detectors/rules/registry.ts imports 135 provider files, and Node's
// ES module loader costs ~0.15 ms a module before a line of them runs (read, cache lookup, link,
// instantiate): a fifth of the CPU of starting `leakwatch scan` (issue #15). bin/leakwatch.js serves
// registry.ts through a load hook as the text this builds: each provider file's code in a function of
// its own (its top-level names stay its own), its imports of shared modules (define.ts, patterns.ts,
// gen.ts, node:zlib, …) hoisted as namespace imports, then the registry's own list. Node strips the
// types and caches the compiled result like any module, keyed by its text, so a changed rule file is
// picked up on the next start.
//
// Only the plain shape every provider file has is bundled: named imports, `export const|function|let|class`
// declarations and exported types. Anything else (a default or star export, a dynamic import,
// import.meta, a loop between provider files) makes `bundleRegistry` return undefined and the registry
// loads file by file as written, so a new rule can never be lost to the bundle; a test holds every
// built-in provider file to the bundled shape and the bundle to the same rules.
//
// A stack through a rule's code names registry.ts at a line of the bundle; the bundle carries a source map,
// so with NODE_OPTIONS=--enable-source-maps it names the rule file and line. Not turned on by the entry:
// Node's source map support cost ~10 ms of CPU per start (more than this bundle saves).
//
// Assembling the text cost another ~10 ms of CPU on every start (cold code over 8,000 lines), so the loader
// keeps it in Node's compile cache folder next to a copy of everything it was made from: this file (the
// bundler's own changes change its output), the registry and every provider file. A start reads the files
// and compares their bytes with the copy (~2 ms), then reads the bundle back: exact, where a hash would cost
// loading node:crypto (~3.5 ms) and a file's time stamp can stay the same across a change. Where the folder
// cannot be written, each start assembles the text as before.

import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, type Stats, statSync, unlinkSync, writeSync } from 'node:fs'
import type { LoadHookSync } from 'node:module'
import { fileURLToPath } from 'node:url'

/** `import [type] { a, b as c } from '…'`, possibly over several lines. */
const IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'\s*;?[ \t]*$/gm
const EXPORT = /^export (?:(const|let|function|class)\s+([A-Za-z_$][\w$]*)|(?:interface|type)\s)/
const REGISTRY_IMPORT = /^import\s*\{\s*rules\s+as\s+([A-Za-z_$][\w$]*)\s*\}\s*from\s*'(\.\/[\w.-]+\.ts)'\s*;?[ \t]*$/

interface Parsed {
  url: string
  /**
   * Value imports: the module's URL (or node: specifier), the specifier as written (relative to the
   * registry's folder, as the bundle is), and `name` or `name: local` pairs for a destructuring.
   */
  imports: Array<{ from: string; spec: string; bindings: string[] }>
  exported: string[]
  body: string
  /** The line of the file (1-based) where `body`'s first line is, and how many lines of the head (imports taken out) precede it. */
  bodyLine: number
  headLines: number
}

/** A provider file's imports, exports and code with both taken out; undefined outside the bundled shape. */
function parse(url: string, text: string, resolve: (from: string) => string): Parsed | undefined {
  // Every line, the first included, starts after a newline.
  const source = `\n${text}`
  // Plain searches, not regular expressions over the whole text: this runs on every start.
  for (const word of ['import(', 'import (', 'import.meta', 'require(', '\nexport default', '\nexport {', '\nexport *'])
    if (source.includes(word)) return undefined
  // The imports come first: the head is every line up to the first that is not blank, a comment or part of an import.
  let head = 0
  let inImport = false
  while (head < source.length) {
    const eol = source.indexOf('\n', head)
    const next = eol < 0 ? source.length : eol + 1
    const line = source.slice(head, next).trim()
    if (inImport) inImport = !line.includes('}')
    else if (line.startsWith('import')) inImport = !line.includes('}')
    else if (line !== '' && !line.startsWith('//')) break
    head = next
  }
  const imports: Parsed['imports'] = []
  let statements = 0
  const rest = source.slice(0, head).replace(IMPORT, (_all, type: string | undefined, names: string, from: string) => {
    statements++
    if (type !== undefined) return ''
    const bindings: string[] = []
    for (const raw of names.split(',')) {
      const spec = raw.trim()
      if (spec === '' || spec.startsWith('type ')) continue
      const m = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(spec)
      if (m === null) return '\u0000'
      bindings.push(m[2] === undefined ? (m[1] as string) : `${m[1]}: ${m[2]}`)
    }
    const target = from.startsWith('.') ? resolve(from) : from
    if (bindings.length > 0) imports.push({ from: target, spec: from, bindings })
    return ''
  })
  // Every import statement is in the head and of the shape above.
  if (rest.includes('\u0000') || /^import\s/m.test(rest) || source.indexOf('\nimport ', head - 1) >= 0) return undefined
  if (statements === 0 && head > 0 && source.slice(0, head).includes('import')) return undefined
  // Exported declarations lose their `export` (the file's function returns the values).
  const exported: string[] = []
  let body = ''
  let from = head
  for (let at = source.indexOf('\nexport ', head - 1); at >= 0; at = source.indexOf('\nexport ', at + 1)) {
    const m = EXPORT.exec(source.slice(at + 1, at + 200))
    if (m === null) return undefined
    if (m[1] !== undefined && m[2] !== undefined) exported.push(m[2])
    body += source.slice(from, at + 1)
    from = at + 1 + 'export '.length
  }
  body += source.slice(from)
  // `source` starts with a newline: the count of those before `head` is the file's line (1-based) at `head`.
  let bodyLine = 0
  for (let i = source.indexOf('\n'); i >= 0 && i < head; i = source.indexOf('\n', i + 1)) bodyLine++
  const kept = rest.trim() === ''
  return { url, imports, exported, body: kept ? body : `${rest}\n${body}`, bodyLine, headLines: kept ? 0 : rest.split('\n').length }
}

/**
 * The text of `registry` (a file: URL) with its provider files inlined, or undefined when the registry
 * or a provider file is not in the bundled shape (or cannot be read): the caller then loads it as written.
 */
export function bundleRegistry(registry: string): string | undefined {
  try {
    const inputs = readInputs(registry)
    return inputs === undefined ? undefined : bundle(inputs)
  } catch {
    return undefined
  }
}

/** What a bundle is made from: the registry's bytes, text and lines, and each provider file it imports (URL, local name, bytes). */
interface Inputs {
  registryBytes: Buffer
  source: string
  /** The registry's lines other than its imports. */
  rest: string[]
  providers: Array<{ local: string; url: string; bytes: Buffer }>
  resolve: (from: string) => string
}

/** Reads the registry and its provider files; undefined when the registry imports other than `rules as x` from `./file.ts`. */
function readInputs(registry: string): Inputs | undefined {
  // Paths and URLs by string: every provider file sits beside the registry, and URL objects for ~400
  // specifiers were a tenth of this function.
  const dirUrl = registry.slice(0, registry.lastIndexOf('/') + 1)
  const registryPath = fileURLToPath(registry)
  const dirPath = registryPath.slice(0, registryPath.length - (registry.length - dirUrl.length))
  const resolved = new Map<string, string>()
  const resolve = (from: string): string => {
    let url = resolved.get(from)
    if (url === undefined) {
      url = new URL(from, dirUrl).href
      resolved.set(from, url)
    }
    return url
  }
  const registryBytes = readFileSync(registryPath)
  const source = registryBytes.toString('utf8')
  const providers: Inputs['providers'] = []
  const rest: string[] = []
  for (const line of source.split('\n')) {
    if (!line.startsWith('import')) {
      rest.push(line)
      continue
    }
    if (/^import\s+type\s/.test(line)) continue
    const m = REGISTRY_IMPORT.exec(line)
    if (m === null) return undefined
    const url = resolve(m[2] as string)
    providers.push({ local: m[1] as string, url, bytes: readFileSync(dirPath + url.slice(dirUrl.length)) })
  }
  return { registryBytes, source, rest, providers, resolve }
}

function bundle({ providers, rest, resolve }: Inputs): string | undefined {
  const files = new Map<string, Parsed>()
  for (const { url, bytes } of providers) {
    const parsed = parse(url, bytes.toString('utf8'), resolve)
    if (parsed === undefined) return undefined
    files.set(url, parsed)
  }
  // Provider files import each other (url.ts's helpers, github.ts's checksum): one before its importers.
  const order: Parsed[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (file: Parsed): boolean => {
    const s = state.get(file.url)
    if (s === 'done') return true
    if (s === 'visiting') return false
    state.set(file.url, 'visiting')
    for (const i of file.imports) {
      const dep = files.get(i.from)
      if (dep !== undefined && !visit(dep)) return false
    }
    state.set(file.url, 'done')
    order.push(file)
    return true
  }
  for (const file of files.values()) if (!visit(file)) return undefined
  // Only the first name of a declaration is taken as exported (`export const a = 1, b = 2` exports b too): a name
  // another provider file or the registry imports from one that was not seen exported would be undefined in the
  // bundle, so such a registry loads file by file. A name no one imports is not missed by anyone.
  for (const file of files.values())
    for (const i of file.imports) {
      const dep = files.get(i.from)
      if (dep !== undefined && i.bindings.some((b) => !dep.exported.includes(b.split(':')[0] as string))) return undefined
    }
  for (const { url } of providers) if (!files.get(url)?.exported.includes('rules')) return undefined

  const shared = new Map<string, string>()
  const scope = new Map<string, string>([...files.keys()].map((url, i) => [url, `__provider${i}`]))
  const out: string[] = []
  const head: string[] = []
  // Each line of `out`: the provider file (index in `order`) and line it comes from, for the source map.
  const origin: Array<readonly [number, number] | undefined> = []
  for (const [n, file] of order.entries()) {
    const parts: string[] = []
    for (const i of file.imports) {
      let name = scope.get(i.from)
      if (name === undefined) {
        name = shared.get(i.from)
        if (name === undefined) {
          name = `__shared${shared.size}`
          shared.set(i.from, name)
          head.push(`import * as ${name} from ${JSON.stringify(i.spec)}`)
        }
      }
      parts.push(`const { ${i.bindings.join(', ')} } = ${name}`)
    }
    out.push(`// ${file.url}`, `const ${scope.get(file.url)} = (() => {`, ...parts)
    for (let i = 0; i < 2 + parts.length; i++) origin.push(undefined)
    const bodyLines = file.body.split('\n')
    for (let i = 0; i < bodyLines.length; i++) origin.push([n, i < file.headLines ? 1 : file.bodyLine + i - file.headLines])
    out.push(...bodyLines, `return { ${file.exported.join(', ')} }`, '})()')
    origin.push(undefined, undefined)
  }
  for (const { local, url } of providers) out.push(`const ${local} = ${scope.get(url)}.rules`)
  const text = [...head, ...out, ...rest]
  const map = sourceMap(
    order.map((f) => f.url),
    [...head.map(() => undefined), ...origin]
  )
  return `${text.join('\n')}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}`
}

/**
 * A source map (v3) from the bundle's lines to the provider files': with source maps on, a stack trace through a
 * rule's code names its file and line, not a line of registry.ts the file does not have. One segment per line, at
 * its first column.
 */
function sourceMap(sources: string[], origin: ReadonlyArray<readonly [number, number] | undefined>): string {
  const vlq = (n: number): string => {
    let v = n < 0 ? (-n << 1) | 1 : n << 1
    let s = ''
    do {
      let digit = v & 31
      v >>>= 5
      if (v > 0) digit |= 32
      s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[digit]
    } while (v > 0)
    return s
  }
  let source = 0
  let line = 0
  const mappings = origin.map((o) => {
    if (o === undefined) return ''
    const segment = `A${vlq(o[0] - source)}${vlq(o[1] - 1 - line)}A`
    source = o[0]
    line = o[1] - 1
    return segment
  })
  return JSON.stringify({ version: 3, sources, names: [], mappings: mappings.join(';') })
}

/** First line of a kept bundle: this tag, then the byte length of each input copied after it. */
const KEPT_TAG = 'leakwatch-rules-bundle 1'

/**
 * `bundleRegistry(registry)`, kept in the folder `cacheDir` (Node's compile cache folder, or undefined for none)
 * with a copy of its inputs, and served from there while every input is byte for byte the same: a changed rule
 * file, registry or bundler is never served a stale bundle. Best effort: an unreadable or mismatched entry is
 * rebuilt, and one that cannot be written is not kept.
 *
 * The entry is JavaScript source this process runs, beside Vault tokens and fingerprint keys, and Node's default
 * folder sits under os.tmpdir(), shared by every user of a CI runner: another user who could create or write the
 * folder or the entry could inject code. So an entry is kept and served only where this process's uid owns the
 * folder and the entry, neither is writable by group or others, and the entry has no other link; the entry is
 * checked on the descriptor it is read from (a name swapped after a check is not read), opened without
 * following a symlink, and written to a new file (O_EXCL) before the rename. Where there is no uid (Windows),
 * nothing is kept.
 */
export function cachedBundle(registry: string, cacheDir: string | undefined): string | undefined {
  const uid = process.getuid?.()
  if (cacheDir === undefined || uid === undefined || !ownedAlone(statOrUndefined(cacheDir), uid, true)) return bundleRegistry(registry)
  let inputs: Inputs | undefined
  let parts: Buffer[]
  try {
    inputs = readInputs(registry)
    if (inputs === undefined) return undefined
    parts = [readFileSync(fileURLToPath(import.meta.url)), inputs.registryBytes, ...inputs.providers.map((p) => p.bytes)]
  } catch {
    return undefined
  }
  // One entry per registry (a checkout's is not another's): a changed input replaces the entry instead of
  // piling up beside it. Named by a hash of the registry's URL only; the entry's contents are compared whole.
  let name = 0x811c9dc5
  for (let i = 0; i < registry.length; i++) name = Math.imul(name ^ registry.charCodeAt(i), 0x01000193) >>> 0
  const file = `${cacheDir}/leakwatch-rules-bundle-${name.toString(16)}`
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      if (ownedAlone(fstatSync(fd), uid, false)) {
        const kept = keptBundle(readFileSync(fd), parts)
        if (kept !== undefined) return kept
      }
    } finally {
      closeSync(fd)
    }
  } catch {}
  let text: string | undefined
  try {
    text = bundle(inputs)
  } catch {
    return undefined
  }
  if (text === undefined) return undefined
  // Written whole to a file of its own, then renamed: a start running beside this one reads the old entry or the
  // new, never half. O_EXCL: a symlink at the partial name is not written through. One left there (a start of
  // the same pid that crashed: a container's pid 1, its /tmp an emptyDir) is this uid's, as the folder is: removed.
  const partial = `${file}.${process.pid}.tmp`
  const create = (): number => openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  let fd: number | undefined
  try {
    fd = create()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return text
    try {
      unlinkSync(partial)
      fd = create()
    } catch {
      return text
    }
  }
  try {
    const data = Buffer.concat([Buffer.from(`${KEPT_TAG} ${parts.map((p) => p.length).join(' ')}\n`), ...parts, Buffer.from(text, 'utf8')])
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at)
    closeSync(fd)
    fd = undefined
    renameSync(partial, file)
  } catch {
    // A full disk or a failed rename: no partial file left behind.
    try {
      if (fd !== undefined) closeSync(fd)
    } catch {}
    try {
      unlinkSync(partial)
    } catch {}
  }
  return text
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

/** Whether `st` is a folder (`folder`) or a regular file with one link, owned by `uid` and not writable by group or others. */
function ownedAlone(st: Stats | undefined, uid: number, folder: boolean): boolean {
  if (st === undefined || st.uid !== uid || (st.mode & 0o022) !== 0) return false
  return folder ? st.isDirectory() : st.isFile() && st.nlink === 1
}

/** The bundle in `kept` (a kept entry's bytes) when its copy of the inputs is `parts`, byte for byte; otherwise undefined. */
function keptBundle(kept: Buffer, parts: readonly Buffer[]): string | undefined {
  const eol = kept.indexOf(0x0a)
  if (eol < 0) return undefined
  const lengths = kept.toString('latin1', 0, eol).split(' ')
  if (lengths.slice(0, 2).join(' ') !== KEPT_TAG || lengths.length !== parts.length + 2) return undefined
  let at = eol + 1
  for (const [i, p] of parts.entries()) {
    if (lengths[i + 2] !== String(p.length) || at + p.length > kept.length || !p.equals(kept.subarray(at, at + p.length))) return undefined
    at += p.length
  }
  return kept.toString('utf8', at)
}

/**
 * The load hook that serves `registry` (a file: URL) bundled, and everything else as Node loads it; the bundle
 * is kept in `cacheDir` when given (cachedBundle).
 */
export function rulesBundleLoader(registry: string, cacheDir?: string): LoadHookSync {
  return (url, context, nextLoad) => {
    if (url === registry) {
      const source = cachedBundle(url, cacheDir)
      if (source !== undefined) return { format: 'module-typescript', source, shortCircuit: true }
    }
    return nextLoad(url, context)
  }
}
