// The keyword automaton's chunk loop (keywords.ts scanPairs) as WebAssembly. `leakwatch scan` runs V8 in
// efficiency mode, where TurboFan waits until a function has run 15,000 times: the JavaScript loop, called
// once per chunk, stays in V8's lower tiers at about 300 MB/s. WebAssembly is compiled before it first runs
// and does not depend on those tiers: about twice as fast there, copying the chunk's bytes in included
// (issue #15). The module is a few hundred bytes, assembled below rather than shipped as a binary so
// that it can be read and reviewed; the same two-automata loop as scanPairs, whose comment says why.
//
// Memory: the transition table at 0, the byte classes after it, then the chunk's bytes, then the hits and
// the second automaton's hits (two 32-bit words per hit, at most one hit per byte). Every access is inside
// what `ensure` has grown the memory to, and WebAssembly checks bounds anyway: a bug traps, never reads
// outside the module's memory.

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

// Parameters, then locals.
const TBL = 0
const CLS = 1
const BYTES = 2
const LEN = 3
const HALF = 4
const HITS = 5
const TAIL = 6
const I = 7
const J = 8
const S = 9
const S2 = 10
const T = 11
const T2 = 12
const N = 13
const M = 14

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

/** One automaton's step at byte `pos`: state = table[state << 6 | class[byte]]; on an output, (pos + 1, state) at out[count]. */
function step(pos: number, state: number, t: number, out: number, count: number, alsoIf: number[]): number[] {
  return [
    ...get(TBL),
    ...[...get(state), ...num(6), SHL],
    ...[...get(CLS), ...get(BYTES), ...get(pos), ADD, LOAD8_U, 0, 0, ADD, LOAD8_U, 0, 0],
    OR,
    ...num(1),
    SHL,
    ADD,
    LOAD16_U,
    1,
    0,
    TEE,
    t,
    ...num(0x7fff),
    AND,
    ...set(state),
    ...[...get(t), ...num(OUTPUT), GE_U, ...alsoIf],
    IF,
    VOID,
    ...[...get(out), ...get(count), ...num(2), SHL, ADD, ...get(pos), ...num(1), ADD, STORE, 2, 0],
    ...[...get(out), ...get(count), ...num(2), SHL, ADD, ...get(state), STORE, 2, 4],
    ...[...get(count), ...num(2), ADD, ...set(count)],
    END
  ]
}

/** scan(tbl, cls, bytes, len, half, hits, tail) → hits written at `hits`, in increasing order. */
const BODY = [
  ...[1, 8, I32], // eight i32 locals
  ...[...get(LEN), ...get(HALF), SUB, ...set(J)],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(I), ...get(HALF), GE_U, BR_IF, 1],
  ...step(I, S, T, HITS, N, []),
  // The second automaton reports only ends in (half, len]: the first one reports the rest.
  ...step(J, S2, T2, TAIL, M, [...get(J), ...get(HALF), GE_U, AND]),
  ...[...get(I), ...num(1), ADD, ...set(I), ...get(J), ...num(1), ADD, ...set(J)],
  ...[BR, 0, END, END],
  // The second automaton's hits after the first's.
  ...[...num(0), ...set(I)],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[...get(I), ...get(M), GE_U, BR_IF, 1],
  ...[...get(HITS), ...get(N), ...get(I), ADD, ...num(2), SHL, ADD],
  ...[...get(TAIL), ...get(I), ...num(2), SHL, ADD, LOAD, 2, 0],
  ...[STORE, 2, 0],
  ...[...get(I), ...num(1), ADD, ...set(I), BR, 0, END, END],
  ...[...get(N), ...get(M), ADD, ...num(1), SHR_U],
  END
]

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content]
const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')]

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 1, I32]),
  ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]),
  ...section(3, [1, 0]),
  ...section(7, [1, ...name('scan'), 0x00, 0]),
  ...section(10, [1, ...uleb(BODY.length), ...BODY])
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
 * The automaton of `table` and `classOf` (keywords.ts) over a chunk's bytes in WebAssembly, or undefined
 * where WebAssembly is not available (node --jitless): the caller keeps its JavaScript loop for that.
 * The returned function writes the same (end, state) pairs as scanPairs and returns them as a view that
 * the next call may invalidate.
 */
export function createWasmPairs(table: Uint16Array, classOf: Uint8Array): ((bytes: Uint8Array, len: number, half: number) => Int32Array) | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (api === undefined) return undefined
  let memory: InstanceType<WasmApi['Memory']>
  let scan: (tbl: number, cls: number, bytes: number, len: number, half: number, hits: number, tail: number) => number
  try {
    memory = new api.Memory({ initial: 1 })
    const instance = new api.Instance(new api.Module(MODULE), { m: { mem: memory } })
    scan = instance.exports.scan as typeof scan
  } catch {
    return undefined
  }
  const cls = table.byteLength
  const bytesAt = align8(cls + 256)
  let capacity = 0
  let hitsAt = 0
  let tailAt = 0
  const ensure = (len: number): void => {
    if (len <= capacity && capacity > 0) return
    capacity = Math.max(len, 2 * capacity, PAGE)
    hitsAt = align8(bytesAt + capacity)
    tailAt = hitsAt + 8 * capacity
    const pages = Math.ceil((tailAt + 8 * capacity) / PAGE)
    const have = memory.buffer.byteLength / PAGE
    if (pages > have) memory.grow(pages - have)
  }
  ensure(0)
  const all = new Uint8Array(memory.buffer)
  all.set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength), 0)
  all.set(classOf.subarray(0, 256), cls)
  return (bytes, len, half) => {
    ensure(len)
    // A grown memory has a new buffer: the views are made per call.
    new Uint8Array(memory.buffer, bytesAt, len).set(bytes.subarray(0, len))
    const count = scan(0, cls, bytesAt, len, half, hitsAt, tailAt)
    return new Int32Array(memory.buffer, hitsAt, 2 * count)
  }
}
