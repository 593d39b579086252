// Seeded generators of hostile log text for the fuzz harness: real token
// formats (each built-in rule's own example generator), real record shapes
// (test/support/records.ts, the noise corpus), encodings of spans (base64 at
// every alignment, URL, JSON \uXXXX, hex), control and escape sequences,
// invalid UTF-8, NULs, and tiny to multi-MiB sizes. Everything comes from one
// case seed, so a case is replayed from (seed, target, index) alone and the
// corpus stores recipes, never token text.

import { createHash } from 'node:crypto'
import type { Gen, Rng } from '../../detectors/gen.ts'
import { createGen, createRng } from '../../detectors/gen.ts'
import type { Rule } from '../../detectors/rule.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { noiseLines } from '../support/noise.ts'
import { RECORD_SHAPES } from '../support/records.ts'

/** One generated input: its bytes, the plaintext secrets planted in it, and how it was made (no secret text). */
export interface FuzzCase {
  bytes: Buffer
  secrets: string[]
  recipe: string[]
  /** Extra input some targets take besides the bytes (environment variables of the config loader). */
  env?: Record<string, string>
}

export type SizeClass = 'tiny' | 'normal' | 'big' | 'huge'

/** The seed of case `index` of `target` in a run seeded `seed`: every case replays on its own. */
export function caseSeed(seed: number, target: string, index: number): number {
  return createHash('sha256').update(`${seed}/${target}/${index}`).digest().readUInt32LE(0)
}

export interface Draw {
  r: Rng
  g: Gen
  secrets: string[]
  recipe: string[]
}

export function draw(seed: number): Draw {
  return { r: createRng(seed), g: createGen(seed), secrets: [], recipe: [] }
}

/** Size classes by weight; `maxSize` caps them (the smoke test stays small). */
export function sizeClass(d: Draw, maxSize: SizeClass = 'huge'): SizeClass {
  const order: SizeClass[] = ['tiny', 'normal', 'big', 'huge']
  const x = d.r.next()
  const want: SizeClass = x < 0.2 ? 'tiny' : x < 0.9 ? 'normal' : x < 0.985 ? 'big' : 'huge'
  return order.indexOf(want) <= order.indexOf(maxSize) ? want : maxSize
}

const POSITIVE_RULES: readonly Rule[] = BUILTIN_RULES

/** A real token format in a real line, from a built-in rule's own example generator. */
export function tokenExample(d: Draw): { line: string; secret: string; rule: string } {
  for (let tries = 0; tries < 8; tries++) {
    const rule = d.r.pick(POSITIVE_RULES)
    const examples = rule.examples.positives(d.g)
    if (examples.length === 0) continue
    const ex = d.r.pick(examples)
    d.secrets.push(ex.secret)
    return { line: ex.line, secret: ex.secret, rule: rule.id }
  }
  const secret = d.g.password()
  d.secrets.push(secret)
  return { line: `password=${secret}`, secret, rule: 'password' }
}

const KEYS = ['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'api_key', 'password', 'client_secret', 'DB_PASSWORD', 'token', 'auth', 'secret', 'apiKey']

/** Encodes `text` the way logs carry it: base64 behind 0, 1 or 2 bytes of prefix (every alignment), URL, JSON \uXXXX, hex. */
export function encode(d: Draw, text: string): string {
  const how = d.r.int(6)
  if (how <= 2) {
    // The prefix shifts the text to each of base64's three alignments.
    const prefix = 'ab'.slice(0, how)
    d.recipe.push(`encode:base64@${how}`)
    return Buffer.from(prefix + text).toString(d.r.chance(0.2) ? 'base64url' : 'base64')
  }
  if (how === 3) {
    d.recipe.push('encode:url')
    let out = ''
    for (const ch of text)
      out +=
        d.r.chance(0.5) || /[^A-Za-z0-9]/.test(ch)
          ? encodeURIComponent(ch).replace(/^[^%]$/, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`)
          : ch
    return out
  }
  if (how === 4) {
    d.recipe.push('encode:json-u')
    let out = ''
    for (const ch of text) out += d.r.chance(0.4) || ch === '"' || ch === '\\' || ch < ' ' ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch
    return out
  }
  d.recipe.push('encode:hex')
  return Buffer.from(text).toString('hex')
}

/** A `.env` of 1 to 4 secrets, as one text (encoded whole, it is the self-leak shape: one view, several secrets). */
function dotEnv(d: Draw): string {
  const n = 1 + d.r.int(4)
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const t = tokenExample(d)
    out.push(`${d.r.pick(KEYS)}=${t.secret}`)
  }
  return out.join(d.r.chance(0.7) ? '\n' : ' ')
}

/** One logical message: noise, a token in its example line, a key=value, an encoded .env. */
function message(d: Draw, noise: string[]): string {
  const x = d.r.int(10)
  if (x < 4) return noise.length === 0 ? '' : d.r.pick(noise)
  if (x < 6) {
    const t = tokenExample(d)
    d.recipe.push(`token:${t.rule}`)
    return t.line
  }
  if (x < 7) {
    const t = tokenExample(d)
    d.recipe.push(`kv:${t.rule}`)
    return `${d.r.pick(['INFO', 'DEBUG', 'ERROR', 'level=info'])} ${d.r.pick(KEYS)}=${t.secret} user=${d.g.base62(6)}`
  }
  if (x < 9) {
    const env = dotEnv(d)
    d.recipe.push('dotenv')
    return `config ${d.r.pick(['data', 'env', 'payload', 'b64'])}=${encode(d, env)}`
  }
  const t = tokenExample(d)
  d.recipe.push(`encoded-token:${t.rule}`)
  return `${d.r.pick(KEYS)}: ${encode(d, t.line)}`
}

/** Lines of a log in one of the shapes leakwatch ingests (plain, JSON, CRI, audit, CI logs). */
export function logLines(d: Draw, size: SizeClass): string[] {
  const n = size === 'tiny' ? d.r.int(3) : size === 'normal' ? 3 + d.r.int(40) : 20 + d.r.int(200)
  const noise = noiseLines(Math.max(1, Math.min(n, 50)), 1 + d.r.int(1_000_000))
  const lines: string[] = []
  while (lines.length < n) {
    const text = size === 'tiny' && d.r.chance(0.3) ? d.g.chars('ab=: \t"\\%', d.r.int(6)) : message(d, noise)
    const shape = d.r.pick(RECORD_SHAPES)
    if (lines.length === 0 || d.r.chance(0.1)) d.recipe.push(`shape:${shape.name}`)
    lines.push(...shape.wrap(text))
  }
  return lines
}

const CONTROLS = [
  '\x1b[31m',
  '\x1b]0;title\x07',
  '\x1b[2K\r',
  '\r',
  '\b',
  '\t',
  '\x7f',
  '\u2028',
  '\ufeff',
  '\u202e',
  '\x0c',
  '\x00',
  '\x1b[0m',
  '\\n',
  '\\u0000'
]
const INVALID_UTF8 = [[0xff], [0xfe], [0xc0, 0x80], [0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]
const KEYWORDS = ['token', 'pass', 'secret', 'key', 'password', 'api_key=', 'Bearer ', 'AKIA', 'ghp_', 'xoxb-', '-----BEGIN ', '://']

function pos(d: Draw, b: Buffer): number {
  return d.r.int(b.length + 1)
}

function span(d: Draw, b: Buffer): [number, number] {
  const a = pos(d, b)
  const len = Math.min(b.length - a, d.r.chance(0.7) ? d.r.int(64) : d.r.int(4096))
  return [a, a + len]
}

function insert(b: Buffer, at: number, what: Buffer | string): Buffer {
  return Buffer.concat([b.subarray(0, at), typeof what === 'string' ? Buffer.from(what) : what, b.subarray(at)])
}

/** The many-values line: N distinct key-shaped values (the quadratic case of the issue). */
function manyValues(d: Draw, budget: number): string {
  const n = Math.max(1, Math.floor(budget / 22))
  d.recipe.push(`mutate:many-values(${n})`)
  const key = d.r.pick(['api_key', 'token', 'password', 'secret'])
  const parts: string[] = []
  for (let i = 0; i < n; i++) parts.push(`${key}=${d.g.base62(16)}`)
  return parts.join(d.r.pick([' ', '&', ',', ';']))
}

/** A keyword repeated: the backtracking case of the issue (`pass`, `token`…). */
function repeated(d: Draw, budget: number): string {
  const word = d.r.pick(['pass', 'token', 'secret', 'key', 'token ', 'password=', '%', '\\u00', 'AAAA', '='])
  const n = Math.max(1, Math.floor(budget / word.length))
  d.recipe.push(`mutate:repeat(${JSON.stringify(word)}x${n})`)
  return word.repeat(n)
}

/** One mutation of the bytes, chosen by the draw; the recipe records which. */
export function mutate(d: Draw, b: Buffer): Buffer {
  const op = d.r.int(15)
  switch (op) {
    case 0: {
      const [s, e] = span(d, b)
      d.recipe.push('mutate:splice')
      return insert(b, pos(d, b), b.subarray(s, e))
    }
    case 1: {
      const [s, e] = span(d, b)
      d.recipe.push('mutate:duplicate')
      return Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)])
    }
    case 2: {
      d.recipe.push('mutate:control')
      return insert(b, pos(d, b), d.r.pick(CONTROLS))
    }
    case 3: {
      d.recipe.push('mutate:invalid-utf8')
      return insert(b, pos(d, b), Buffer.from(d.r.pick(INVALID_UTF8)))
    }
    case 4: {
      d.recipe.push('mutate:nul')
      return insert(b, pos(d, b), Buffer.alloc(d.r.chance(0.7) ? 1 : d.r.int(64), 0))
    }
    case 5: {
      const [s, e] = span(d, b)
      const text = b.subarray(s, e).toString('utf8')
      return Buffer.concat([b.subarray(0, s), Buffer.from(encode(d, text)), b.subarray(e)])
    }
    case 6: {
      const [s, e] = span(d, b)
      d.recipe.push('mutate:delete')
      return Buffer.concat([b.subarray(0, s), b.subarray(e)])
    }
    case 7: {
      const to = d.r.pick(['\r', '\r\n', '\n\n', '\x85', ''])
      d.recipe.push(`mutate:newlines(${JSON.stringify(to)})`)
      return Buffer.from(b.toString('latin1').replaceAll('\n', to), 'latin1')
    }
    case 8: {
      d.recipe.push('mutate:inline-allow')
      return insert(b, pos(d, b), d.r.pick([' leakwatch:allow', '?q=leakwatch:allow', ' # leakwatch:allow', 'user=leakwatch:allow ']))
    }
    case 9: {
      d.recipe.push('mutate:keyword')
      return insert(b, pos(d, b), d.r.pick(KEYWORDS))
    }
    case 10: {
      d.recipe.push('mutate:flip')
      const out = Buffer.from(b)
      for (let i = 0; i < 1 + d.r.int(8) && out.length > 0; i++) out[d.r.int(out.length)] = d.r.int(256)
      return out
    }
    case 11: {
      d.recipe.push('mutate:utf16le')
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')])
    }
    case 12: {
      d.recipe.push('mutate:pem-prefixed')
      const prefix = d.r.pick(['[app] ', 'svc | ', 'INFO ', '2026-12-06T10:00:00Z ', '2026-11-24T03:14:13.1Z stdout F '])
      const body = d.g.pemBody(256).match(/.{1,64}/g) ?? []
      const kind = d.r.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY'])
      const block = [`-----BEGIN ${kind}-----`, ...body, `-----END ${kind}-----`].map((l) => prefix + l).join('\n')
      d.secrets.push(...body.filter((l) => l.length >= 32))
      return insert(b, pos(d, b), `\n${block}\n`)
    }
    case 13: {
      const t = tokenExample(d)
      d.recipe.push('mutate:token-in-field')
      const where = d.r.pick(['GET /x?access_token=', 'User-Agent: ', 'user=', '"msg":"', '\\"token\\":\\"'])
      return insert(b, pos(d, b), `${where}${t.secret}`)
    }
    default: {
      d.recipe.push('mutate:truncate')
      return b.subarray(0, pos(d, b))
    }
  }
}

/** A hostile log: real shapes, tokens, encodings, mutations, in the drawn size class. */
export function hostileLog(d: Draw, maxSize: SizeClass = 'huge'): Buffer {
  const size = sizeClass(d, maxSize)
  d.recipe.push(`size:${size}`)
  let b: Buffer = Buffer.from(logLines(d, size).join('\n'))
  const mutations = d.r.chance(0.25) ? 0 : 1 + d.r.int(4)
  for (let i = 0; i < mutations; i++) b = mutate(d, b)
  if (size === 'big' || size === 'huge') {
    const budget = size === 'big' ? 64 * 1024 + d.r.int(256 * 1024) : 1024 * 1024 + d.r.int(3 * 1024 * 1024)
    const x = d.r.int(5)
    let filler: string
    if (x === 0) filler = manyValues(d, Math.min(budget, 128 * 1024))
    else if (x === 1) filler = repeated(d, Math.min(budget, 256 * 1024))
    else if (x === 2) {
      d.recipe.push('fill:base64-blob')
      filler = d.g.pemBody(Math.floor((budget * 3) / 4))
    } else if (x === 3) {
      d.recipe.push('fill:long-line')
      const parts: string[] = []
      let n = 0
      const noise = noiseLines(64, 1 + d.r.int(1_000_000))
      while (n < budget) {
        const p = d.r.chance(0.02) ? tokenExample(d).line : d.r.pick(noise)
        parts.push(p)
        n += p.length + 1
      }
      filler = parts.join(' ')
    } else {
      d.recipe.push('fill:many-lines')
      const lines: string[] = []
      let n = 0
      const noise = noiseLines(256, 1 + d.r.int(1_000_000))
      while (n < budget) {
        const l = d.r.chance(0.01) ? tokenExample(d).line : d.r.pick(noise)
        lines.push(l)
        n += l.length + 1
      }
      filler = lines.join('\n')
    }
    // A secret just past the filler: a long line's tail and a cut through it must still be scanned.
    const tail = d.r.chance(0.5) ? ` ${tokenExample(d).line}` : ''
    b = insert(b, pos(d, b), `\n${filler}${tail}\n`)
  }
  return b
}

/** Masks a value for a message about it: never its plaintext. */
export function masked(s: string): string {
  return s.length <= 8 ? '***' : `${s.slice(0, 3)}***(${s.length})`
}

/** `text` with every planted secret (8 characters or more) replaced by its mask: what a failure detail may say. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join(masked(s))
  return out
}
