import { ALPHABETS } from '../gen.ts'
import { type BlockSpan, capturedAt, readerSpan } from '../pem.ts'
import { compileRe2 } from '../re2-compile.ts'
import type { Rule } from '../rule.ts'

// A private JSON Web Key (RFC 7517/7518): the private exponent `d` of an RSA key, the private scalar `d` of
// an EC or OKP key, or the key value `k` of a symmetric (oct) one. A JWKS endpoint serves public keys only,
// with neither member; a key that holds `kty` and one of them is a signing or decryption key: an app printing
// its configuration, a Secret's data decoded in an audit event, `step crypto jwk` or `jose` output in a CI log.
// The rule's regex finds `kty`; the member is read from the same text in any order (Node's KeyObject.export
// writes `kty` last), or, when the line as written holds none, from the lines after it (or, then, before it)
// while they are the same pretty-printed object's members (CredSweeper's JWK samples). Quotes may be escaped
// once or twice (a JWK inside a JSON string).

// RE2, compiled when a `kty` first wakes the rule (rule files are loaded by every start). 22 base64url characters
// are 16 bytes, the shortest key a JWA algorithm takes (A128KW).
const MEMBER = '\\\\{0,2}"(?:d|k)\\\\{0,2}"\\s*:\\s*\\\\{0,2}"([A-Za-z0-9_-]{22,})'
const KTY = '\\\\{0,2}"kty\\\\{0,2}"\\s*:\\s*\\\\{0,2}"'
// A line of the same object: a member (`"dummy": null,`) or blank. A closing brace or anything else ends it.
const MEMBER_LINE = '^\\s*(?:"[^"]*"\\s*:|$)'
let compiled: { member: ReturnType<typeof compileRe2>; line: ReturnType<typeof compileRe2> } | undefined
const patterns = (): NonNullable<typeof compiled> =>
  (compiled ??= {
    member: compileRe2(MEMBER, '', 'LW_ERR_RULE_INVALID', 'rule jwk-private-key', 'member'),
    line: compileRe2(MEMBER_LINE, '', 'LW_ERR_RULE_INVALID', 'rule jwk-private-key', 'member line')
  })
/** How many lines after `kty` the private member may be: a JWK has at most ten members (RSA's with CRT). */
const MAX_MEMBER_LINES = 12
const MAX_MEMBER_LINE_CHARS = 2048

function member(text: string): { secret: string; start: number } | undefined {
  const m = patterns().member.exec(text)
  return m === null ? undefined : capturedAt(m)
}

// The last text read and what it held: the rule's regex meets every `kty` of a line and calls the reader for each,
// and a line of 90,000 of them (1 MB) read whole each time took 8.6 s. One reading per text keeps it linear. The
// line's index and chunk are compared first, so a text is compared only with one of the same line.
let last: { lines: readonly string[]; lineIndex: number; text: string; span: BlockSpan | undefined } | undefined

/** The private member of the key whose `kty` was found in `text`, line `lineIndex` of `lines` (Rule.block.read). */
function readJwk(lines: readonly string[], lineIndex: number, text: string): BlockSpan | undefined {
  if (last !== undefined && last.lineIndex === lineIndex && last.lines === lines && last.text === text) return last.span
  const span = readMember(lines, lineIndex, text)
  last = { lines, lineIndex, text, span }
  return span
}

function readMember(lines: readonly string[], lineIndex: number, text: string): BlockSpan | undefined {
  const same = member(text)
  if (same !== undefined) return readerSpan(same.secret, same.start, lineIndex, lineIndex)
  // Later lines only from the line itself: a decoded view's columns are not theirs.
  if (text !== lines[lineIndex]) return undefined
  // After the `kty` line, then before it (a pretty-printed export that writes `kty` last).
  return memberNear(lines, lineIndex, 1) ?? memberNear(lines, lineIndex, -1)
}

/** The private member on the lines from `lineIndex` on in direction `step`, while they are the object's members. */
function memberNear(lines: readonly string[], lineIndex: number, step: 1 | -1): BlockSpan | undefined {
  for (let j = lineIndex + step; j >= 0 && j < lines.length && Math.abs(j - lineIndex) <= MAX_MEMBER_LINES; j += step) {
    const line = lines[j] as string
    // A pretty-printed member is short (an RSA-8192 `d` is 1,366 characters): a longer line, or one that is no
    // member, ends the object without being searched, so each `kty` line reads a bounded number of bytes.
    if (line.length > MAX_MEMBER_LINE_CHARS || !patterns().line.test(line)) return undefined
    const found = member(line)
    if (found !== undefined) return readerSpan(found.secret, found.start, j, lineIndex)
  }
  return undefined
}

export const rules: Rule[] = [
  {
    id: 'jwk-private-key',
    title: 'Private JSON Web Key (d or k member)',
    severity: 'critical',
    kind: 'pattern',
    regex: KTY,
    keywords: ['kty'],
    requires: ['"'],
    // Pretty-printed, the key's members are lines of their own, `kty` before or after `d`: a chunk's end, or mask's
    // line-by-line output, does not come inside such an object.
    // `"k` is in `"kty"` and `"k"`: every line `opens` matches holds `"d` or `"k`, escaped or not.
    block: { read: readJwk, object: { member: MEMBER_LINE, opens: `${KTY}|${MEMBER}`, needs: ['"d', '"k'], max: MAX_MEMBER_LINES } },
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const b64u = (n: number): string => g.chars(ALPHABETS.base64url, n)
        const ec = b64u(43)
        const rsa = b64u(342)
        const oct = b64u(43)
        return [
          {
            line: `{"level":"debug","msg":"signing key loaded","jwk":{"kty":"EC","crv":"P-256","x":"${b64u(43)}","y":"${b64u(43)}","d":"${ec}"}}`,
            secret: ec
          },
          // Node's export order: kty last.
          { line: `jwk: {"crv":"Ed25519","d":"${ec}","x":"${b64u(43)}","kty":"OKP"}`, secret: ec },
          { line: `{"keys":[{"kty":"RSA","kid":"k1","n":"${b64u(342)}","e":"AQAB","d":"${rsa}"}]}`, secret: rsa },
          { line: `{"msg":"config","hmac_jwk":"{\\"kty\\":\\"oct\\",\\"k\\":\\"${oct}\\",\\"alg\\":\\"HS256\\"}"}`, secret: oct }
        ]
      },
      negatives: [
        // A JWKS endpoint's public keys: no d, no k.
        '{"keys":[{"kty":"RSA","kid":"2026-12","use":"sig","alg":"RS256","n":"u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw","e":"AQAB"}]}',
        '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}',
        // A `d` that is no key: a placeholder, a run.
        '{"kty":"EC","d":"<private-scalar>"}',
        '{"kty":"oct","k":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
      ]
    }
  }
]
