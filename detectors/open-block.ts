// Where a stream of lines may be cut into chunks without cutting a private-key block: the detector reads a
// PEM-style block from its header to its END line within one chunk (pem.ts), so a block that a chunk's end
// cuts is reported from its first part only (a partial body, whose fingerprint matches no known secret) or,
// when that part is short, not at all. `leakwatch scan` and `mask` carry such a block into their next chunk;
// the collectors cut a full chunk before it (blockCutFor), so it reaches the detector whole.

import RE2 from 're2'
import type { ChunkCut } from '../pipeline/stages.ts'
import { MAX_BLOCK_LINES } from './pem.ts'
import { escapeRe2 } from './re2-compile.ts'
import type { PemBlock, Rule } from './rule.ts'

export interface BlockRule {
  header: RE2
  end: string
}

/**
 * The rules whose blocks a chunk is not cut inside: PEM-style blocks, read to their END line. A rule with its own
 * reader (a JWK's member, an env var's value line) reads what its chunk holds: its keywords are common words
 * (`token`, `secret`), and holding lines back for them would search every flush's last lines header by header.
 */
export function carried(r: Rule): boolean {
  return pemBlock(r) !== undefined
}

function pemBlock(r: Rule): PemBlock | undefined {
  return r.block === undefined || 'read' in r.block ? undefined : r.block
}

export function blockRules(rules: readonly Rule[]): BlockRule[] {
  return rules.flatMap((r) => {
    const b = pemBlock(r)
    return b === undefined ? [] : [{ header: new RE2(r.regex, ''), end: b.end }]
  })
}

/**
 * Whether a text may hold a block rule's header: one of the block rules' keywords, in any case (every match
 * of a rule holds one of its keywords). An alternation of literals under RE2: linear.
 */
export function blockKeywords(rules: readonly Rule[]): RE2 | undefined {
  const words = rules.flatMap((r) => (carried(r) ? r.keywords : []))
  return words.length === 0 ? undefined : new RE2(`(?i)(?:${words.map(escapeRe2).join('|')})`, '')
}

/**
 * Index of the first line of a private-key block still open at the end of `lines` (within the last
 * MAX_BLOCK_LINES), or -1. The last lines are searched for a header line by line only when one RE2 search
 * over all of them finds a block rule's keyword: a header search per line and block rule, each converting
 * the line to UTF-8, was a tenth of the CPU of scanning a 16 MB plain or CI log (issue #15).
 */
export function openBlock(lines: readonly string[], blocks: readonly BlockRule[], keywords: RE2 | undefined): number {
  const from = Math.max(0, lines.length - MAX_BLOCK_LINES)
  if (keywords === undefined || !keywords.test(lines.slice(from).join('\n'))) return -1
  let open = -1
  let end = ''
  for (let i = from; i < lines.length; i++) {
    const l = lines[i] as string
    if (open >= 0) {
      if (l.includes(end)) open = -1
      continue
    }
    for (const b of blocks) {
      const m = b.header.exec(l)
      if (m !== null && !l.slice(m.index + m[0].length).includes(b.end)) {
        open = i
        end = b.end
        break
      }
    }
  }
  return open
}

/**
 * Where a collector cuts a chunk that is full when `next` more bytes (a line) come, for `rules`: before a block
 * still open at the end of `lines`, whose lines then open the next chunk, or at the end (-1). Not when the block
 * starts the chunk (it is as whole as a chunk can hold it), nor when its lines and the next one would not fit a
 * chunk of their own (`sizes`: each line's bytes as the chunk counts them). pipeline/stages.ts ChunkCut.
 */
export function blockCutFor(rules: readonly Rule[]): ChunkCut {
  const blocks = blockRules(rules)
  const keywords = blockKeywords(rules)
  return (lines, sizes, next, maxLines, maxBytes) => {
    if (lines.length < 2) return -1
    const open = openBlock(lines, blocks, keywords)
    if (open <= 0 || lines.length - open + 1 > maxLines) return -1
    let bytes = next
    for (let i = open; i < sizes.length; i++) bytes += sizes[i] ?? 0
    return bytes > maxBytes ? -1 : open
  }
}
