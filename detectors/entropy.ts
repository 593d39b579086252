// Shannon entropy in bits per character: the gate that separates a random
// credential from a word, an identifier or a placeholder of the same shape.

// Every candidate of every entropy-gated rule comes through here: ASCII (nearly all of them) is
// counted in a reused table instead of a Map. Terms are summed in first-occurrence order either
// way, so both paths give the same bits.
const counts = new Uint32Array(128)
const seen: number[] = []

export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0
  if (!/[^\p{ASCII}]/u.test(s)) {
    seen.length = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (counts[c] === 0) seen.push(c)
      counts[c] = (counts[c] ?? 0) + 1
    }
    let h = 0
    for (const c of seen) {
      const p = (counts[c] ?? 0) / s.length
      h -= p * Math.log2(p)
      counts[c] = 0
    }
    return h
  }
  const byChar = new Map<string, number>()
  for (const ch of s) byChar.set(ch, (byChar.get(ch) ?? 0) + 1)
  let h = 0
  const n = [...s].length
  for (const c of byChar.values()) {
    const p = c / n
    h -= p * Math.log2(p)
  }
  return h
}
