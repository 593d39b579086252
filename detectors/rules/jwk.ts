import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'

// A private JSON Web Key (RFC 7517/7518): the private exponent `d` of an RSA key, the private scalar `d` of
// an EC or OKP key, or the key value `k` of a symmetric (oct) one. A JWKS endpoint serves public keys only,
// with neither member; a log line that holds `kty` and one of them holds a signing or decryption key: an app
// printing its configuration, a Secret's data decoded in an audit event, `jose`/`step` output in a CI log.
// Members come in any order (Node's KeyObject.export writes `kty` last), so the line's `kty` is the keyword and
// the regex reads the member alone. Quotes may be escaped once or twice (a JWK inside a JSON string).
export const rules: Rule[] = [
  {
    id: 'jwk-private-key',
    title: 'Private JSON Web Key (d or k member)',
    severity: 'critical',
    kind: 'pattern',
    regex: '\\\\{0,2}"(?:d|k)\\\\{0,2}"\\s*:\\s*\\\\{0,2}"([A-Za-z0-9_-]{22,})\\\\{0,2}"',
    keywords: ['kty'],
    requires: ['"'],
    // 22 base64url characters are 16 bytes, the shortest key a JWA algorithm takes (A128KW, HS256's minimum is longer).
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
        // A `d` that is no key: a date, a short id, a placeholder.
        '{"kty":"EC","d":"<private-scalar>"}',
        '{"kty":"oct","k":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
      ]
    }
  }
]
