// The keyword automaton's chunk loop (keywords.ts scanPairs) and the base64 run finder (keywords.ts
// findBase64Runs) as WebAssembly. `leakwatch scan` runs V8 in efficiency mode, where TurboFan waits until a
// function has run 15,000 times: a JavaScript loop called once per chunk stays in V8's lower tiers (the
// automaton at about 300 MB/s). WebAssembly is compiled before it first runs and does not depend on those
// tiers (issue #15). The module is a few hundred bytes, assembled below rather than shipped as a binary so
// that it can be read and reviewed. The automaton runs as four automata over four shares of the chunk
// (`quarters`), for the reason scanPairs gives for its two.
//
// Memory: the transition table at 0, the byte classes and the base64 classes after it, then the chunk's
// bytes, then the four automata's shares (start, first step, steps, where to write) and where they stopped,
// then the hits (two 32-bit words per hit, at most one hit per byte), then the base64 runs. Every access is
// inside what `ensure` has grown the memory to, and WebAssembly checks bounds anyway: a bug traps, never
// reads outside the module's memory.

const OUTPUT = 0x8000

// Opcodes (WebAssembly 1.0 binary format).
const GET = 0x20
const SET = 0x21
const TEE = 0x22
const CONST = 0x41
const ADD = 0x6a
const SUB = 0x6b
const AND = 0x71
const OR = 0x72
const SHL = 0x74
const SHR_U = 0x76
const GE_U = 0x4f
const LOAD = 0x28
const LOAD8_U = 0x2d
const LOAD16_U = 0x2f
const STORE = 0x36
const BLOCK = 0x02
const LOOP = 0x03
const IF = 0x04
const VOID = 0x40
const END = 0x0b
const BR = 0x0c
const BR_IF = 0x0d
const I32 = 0x7f
const EQZ = 0x45
const NE = 0x47
const LE_S = 0x4c
const EQ = 0x46
const LT_U = 0x49
const GE_S = 0x4e

function sleb(v: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = v & 0x7f
    v >>= 7
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

function uleb(v: number): number[] {
  const out: number[] = []
  do {
    let b = v & 0x7f
    v >>>= 7
    if (v !== 0) b |= 0x80
    out.push(b)
  } while (v !== 0)
  return out
}

const get = (x: number): number[] => [GET, x]
const set = (x: number): number[] => [SET, x]
const num = (v: number): number[] => [CONST, ...sleb(v)]

// scan(tbl, cls, bytes, q, meta): four automata side by side (see createWasmScans). Parameters, then locals.
const TBL = 0
const CLS = 1
const BYTES = 2
const Q = 3
const META = 4
const T = 5
const X = 6
/** Per automaton k: its state, where its bytes start, its first reporting step, its reporting span, its write pointer. */
const STATE = 7
const FROM = 11
const MIN = 15
const SPAN = 19
const OUT = 23
const AUTOMATA = 4
const LOCALS = OUT + AUTOMATA - T

/** Automaton k's step t: state = table[state << 6 | class[byte]]; on an output within its span, (its position + 1, state) at its pointer. */
function step(k: number): number[] {
  return [
    ...get(TBL),
    ...[...get(STATE + k), ...num(6), SHL],
    ...[...get(CLS), ...get(FROM + k), ...get(T), ADD, LOAD8_U, 0, 0, ADD, LOAD8_U, 0, 0],
    OR,
    ...num(1),
    SHL,
    ADD,
    LOAD16_U,
    1,
    0,
    TEE,
    X,
    ...num(0x7fff),
    AND,
    ...set(STATE + k),
    // The span is tested only on an output: the loop's one branch per step stays the output flag.
    ...[...get(X), ...num(OUTPUT), GE_U, IF, VOID],
    ...[...get(T), ...get(MIN + k), SUB, ...get(SPAN + k), LT_U, IF, VOID],
    ...[...get(OUT + k), ...get(FROM + k), ...get(T), ADD, ...num(1), ADD, ...get(BYTES), SUB, STORE, 2, 0],
    ...[...get(OUT + k), ...get(STATE + k), STORE, 2, 4],
    ...[...get(OUT + k), ...num(8), ADD, ...set(OUT + k)],
    END,
    END
  ]
}

const metaAt = (k: number, field: number): number[] => [...get(META), LOAD, 2, 16 * k + 4 * field]

const BODY = [
  ...[1, LOCALS, I32],
  ...Array.from({ length: AUTOMATA }, (_, k) => [
    ...[...get(BYTES), ...metaAt(k, 0), ADD, ...set(FROM + k)],
    ...[...metaAt(k, 1), ...set(MIN + k)],
    ...[...metaAt(k, 2), ...set(SPAN + k)],
    ...[...metaAt(k, 3), ...set(OUT + k)]
  ]).flat(),
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(T), ...get(Q), GE_U, BR_IF, 1],
  ...Array.from({ length: AUTOMATA }, (_, k) => step(k)).flat(),
  ...[...get(T), ...num(1), ADD, ...set(T), BR, 0, END, END],
  // Where each automaton's writing stopped, for the caller.
  ...Array.from({ length: AUTOMATA }, (_, k) => [...get(META), ...get(OUT + k), STORE, 2, 16 * k + 12]).flat(),
  ...num(0),
  END
]

// runs(cls, bytes, len, out) → (start, end) pairs of findBase64Runs (keywords.ts) over bytes[0, len), at `out`.
// Parameters, then locals.
const B_CLS = 0
const B_BYTES = 1
const B_LEN = 2
const B_OUT = 3
const LAST = 4
const P = 5
const RS = 6
const RE = 7
const MX = 8
const K = 9
const RN = 10
const PD = 11
const MIN_RUN = 24
const PAD = 0x3d

/** K = class of bytes[pos + delta]. */
const classAt = (pos: number, delta: number): number[] => [
  ...get(B_CLS),
  ...[...get(B_BYTES), ...get(pos), ADD, ...(delta === 0 ? [] : [...num(delta), ADD]), LOAD8_U, 0, 0],
  ADD,
  LOAD8_U,
  0,
  0,
  ...set(K)
]

/** The same skip-ahead walk as findBase64Runs, whose comment says why it reads so few bytes. */
const RUNS_BODY = [
  ...[1, 8, I32],
  ...[...num(-1), ...set(LAST)],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(LAST), ...num(MIN_RUN), ADD, TEE, P, ...get(B_LEN), GE_S, BR_IF, 1],
  ...classAt(P, 0),
  ...[...get(K), EQZ, IF, VOID, ...get(P), ...set(LAST), BR, 1, END],
  ...[...get(P), ...set(RS), ...get(K), ...set(MX)],
  // Back from the probe while the bytes are in the alphabet, not past `last`.
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(RS), ...num(1), SUB, ...get(LAST), LE_S, BR_IF, 1],
  ...classAt(RS, -1),
  ...[...get(K), EQZ, BR_IF, 1],
  ...[...get(MX), ...get(K), OR, ...set(MX), ...get(RS), ...num(1), SUB, ...set(RS), BR, 0, END, END],
  // Forward from the probe to the end of the run.
  ...[...get(P), ...num(1), ADD, ...set(RE)],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(RE), ...get(B_LEN), GE_U, BR_IF, 1],
  ...classAt(RE, 0),
  ...[...get(K), EQZ, BR_IF, 1],
  ...[...get(MX), ...get(K), OR, ...set(MX), ...get(RE), ...num(1), ADD, ...set(RE), BR, 0, END, END],
  ...[...get(RE), ...get(RS), SUB, ...num(MIN_RUN), GE_U, ...get(MX), ...num(7), EQ, AND, IF, VOID],
  // Up to two '=' after it.
  ...[...get(RE), ...set(PD)],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(PD), ...get(B_LEN), GE_U, BR_IF, 1],
  ...[...get(PD), ...get(RE), SUB, ...num(2), GE_U, BR_IF, 1],
  ...[...get(B_BYTES), ...get(PD), ADD, LOAD8_U, 0, 0, ...num(PAD), NE, BR_IF, 1],
  ...[...get(PD), ...num(1), ADD, ...set(PD), BR, 0, END, END],
  ...[...get(B_OUT), ...get(RN), ...num(2), SHL, ADD, ...get(RS), STORE, 2, 0],
  ...[...get(B_OUT), ...get(RN), ...num(2), SHL, ADD, ...get(PD), STORE, 2, 4],
  ...[...get(RN), ...num(2), ADD, ...set(RN)],
  END,
  ...[...get(RE), ...set(LAST), BR, 0, END, END],
  ...[...get(RN), ...num(1), SHR_U],
  END
]

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content]
const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')]

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [2, 0x60, 5, I32, I32, I32, I32, I32, 1, I32, 0x60, 4, I32, I32, I32, I32, 1, I32]),
  ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]),
  ...section(3, [2, 0, 1]),
  ...section(7, [2, ...name('scan'), 0x00, 0, ...name('runs'), 0x00, 1]),
  ...section(10, [2, ...uleb(BODY.length), ...BODY, ...uleb(RUNS_BODY.length), ...RUNS_BODY])
])

const PAGE = 65536
const align8 = (n: number): number => Math.ceil(n / 8) * 8

/** The part of the WebAssembly JavaScript API used here (the project's TypeScript libraries do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number }
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
}

/**
 * The four automata's shares of bytes[0, len), into `out`: q, then from[0..3], then lo[0..3] and len (lo[4]).
 * Automaton k steps over bytes[from[k], from[k] + q) and reports the keywords that end in (lo[k], lo[k + 1]]. Each starts `longest - 1` bytes before the ends it reports, so it sees
 * every keyword ending there whole; the ranges (lo, hi] cover (0, len] once, in order. Four chains of table
 * reads in one loop overlap their waits, where two left the CPU idle half the time (keywords.ts scanPairs):
 * the automaton was a tenth of a `leakwatch scan` of an access log (issue #15). Short inputs are the first
 * automaton's alone.
 */
export function quarters(len: number, longest: number, out: Int32Array): void {
  const lead = Math.max(0, longest - 1)
  if (len < 4 * lead + 64) {
    out.set([len, 0, 0, 0, 0, 0, len, len, len, len])
    return
  }
  const q = Math.ceil((len + 3 * lead) / 4)
  out[0] = q
  out[1] = 0
  out[2] = q - lead
  out[3] = 2 * (q - lead)
  out[4] = len - q
  for (let k = 0; k < AUTOMATA; k++) out[5 + k] = k === 0 ? 0 : (out[1 + k] as number) + lead
  out[9] = len
}

/** The module's two scans of a chunk's bytes; each call's result is a view that the next call may invalidate. */
export interface WasmScans {
  /** The same (end, state) pairs as keywords.ts scanPairs over bytes[0, len), `longest` the longest keyword's bytes. */
  pairs: (bytes: Uint8Array, len: number, longest: number) => Int32Array
  /** The same (start, end) pairs as keywords.ts findBase64Runs over bytes[0, len). */
  runs: (bytes: Uint8Array, len: number) => Int32Array
}

/**
 * The automaton of `table` and `classOf` (keywords.ts) and the base64 run finder of `base64Class` over a
 * chunk's bytes in WebAssembly, or undefined where WebAssembly is not available (node --jitless): the
 * caller keeps its JavaScript loops for that. The run finder was a twentieth of a `leakwatch scan` of an
 * access log in JavaScript, where efficiency mode keeps it in V8's lower tiers (issue #15).
 */
export function createWasmScans(table: Uint16Array, classOf: Uint8Array, base64Class: Uint8Array): WasmScans | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (api === undefined) return undefined
  let memory: InstanceType<WasmApi['Memory']>
  let scan: (tbl: number, cls: number, bytes: number, q: number, meta: number) => number
  let runs: (cls: number, bytes: number, len: number, out: number) => number
  try {
    memory = new api.Memory({ initial: 1 })
    const instance = new api.Instance(new api.Module(MODULE), { m: { mem: memory } })
    scan = instance.exports.scan as typeof scan
    runs = instance.exports.runs as typeof runs
  } catch {
    return undefined
  }
  const cls = table.byteLength
  const b64 = cls + 256
  const bytesAt = align8(b64 + 256)
  let capacity = 0
  let metaAt = 0
  let hitsAt = 0
  let runsAt = 0
  const ensure = (len: number): void => {
    if (len <= capacity && capacity > 0) return
    capacity = Math.max(len, 2 * capacity, PAGE)
    metaAt = align8(bytesAt + capacity)
    hitsAt = metaAt + 16 * AUTOMATA
    runsAt = hitsAt + 8 * capacity
    // A run is at least MIN_RUN bytes and one byte outside the alphabet ends it.
    const pages = Math.ceil((runsAt + 8 * (Math.ceil(capacity / MIN_RUN) + 1)) / PAGE)
    const have = memory.buffer.byteLength / PAGE
    if (pages > have) memory.grow(pages - have)
  }
  ensure(0)
  const share = new Int32Array(2 + 2 * AUTOMATA)
  let viewsOf: ArrayBuffer | undefined
  let viewsAt = -1
  let meta = new Int32Array(0)
  let hits = new Int32Array(0)
  let space = new Uint8Array(0)
  const all = new Uint8Array(memory.buffer)
  all.set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength), 0)
  all.set(classOf.subarray(0, 256), cls)
  all.set(base64Class.subarray(0, 256), b64)
  return {
    pairs(bytes, len, longest) {
      ensure(len)
      // Views made again only when the memory grew (a new buffer) or moved its parts: this runs per decoded
      // view too, where allocating them per call cost more than the scan.
      if (viewsOf !== memory.buffer || viewsAt !== hitsAt) {
        viewsOf = memory.buffer
        viewsAt = hitsAt
        meta = new Int32Array(viewsOf, metaAt, 4 * AUTOMATA)
        hits = new Int32Array(viewsOf, hitsAt, 2 * capacity)
        space = new Uint8Array(viewsOf, bytesAt, capacity)
      }
      space.set(bytes.length === len ? bytes : bytes.subarray(0, len))
      quarters(len, longest, share)
      for (let k = 0; k < AUTOMATA; k++) {
        const from = share[1 + k] as number
        const lo = share[5 + k] as number
        meta[4 * k] = from
        meta[4 * k + 1] = lo - from
        meta[4 * k + 2] = (share[6 + k] as number) - lo
        meta[4 * k + 3] = hitsAt + 8 * lo
      }
      scan(0, cls, bytesAt, share[0] as number, metaAt)
      // Each automaton wrote its hits where its range starts: moved down after the previous ones.
      let n = 0
      for (let k = 0; k < AUTOMATA; k++) {
        const lo = share[5 + k] as number
        const count = ((meta[4 * k + 3] as number) - (hitsAt + 8 * lo)) / 8
        if (n !== lo && count > 0) hits.copyWithin(2 * n, 2 * lo, 2 * (lo + count))
        n += count
      }
      return hits.subarray(0, 2 * n)
    },
    runs(bytes, len) {
      ensure(len)
      new Uint8Array(memory.buffer, bytesAt, len).set(bytes.subarray(0, len))
      const count = runs(b64, bytesAt, len, runsAt)
      return new Int32Array(memory.buffer, runsAt, 2 * count)
    }
  }
}
