import { BEARER_FOLLOWS, RAW_AUTHORIZATION_FOLLOWS } from '../follows-gate.ts'
import type { Rule } from '../rule.ts'

/** Basic credentials decode to printable `user:password`, not to a JSON object (a JWT's header after `Basic`). */
function isBasicCredential(b64: string): boolean {
  const text = Buffer.from(b64, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon > 0 && colon < text.length - 3 && /^[\x20-\x7e]+$/.test(text) && !text.startsWith('{"')
}

export const rules: Rule[] = [
  {
    id: 'http-basic-auth',
    title: 'HTTP Basic credentials (Authorization header)',
    severity: 'high',
    kind: 'pattern',
    regex: '(?i)(?:proxy-)?authorization["\']?\\s*[:=]\\s*["\']?basic\\s+([A-Za-z0-9+/]{8,}={0,2})(?:[^A-Za-z0-9+/=]|$)',
    keywords: ['basic'],
    validate: isBasicCredential,
    examples: {
      positives: (g) => {
        const a = Buffer.from(`deploy:${g.password()}`).toString('base64')
        return [{ line: `> GET /v2/ HTTP/1.1\r> Authorization: Basic ${a}`, secret: a }]
      },
      negatives: ['Authorization: Basic <credentials>', 'WWW-Authenticate: Basic realm="registry"', 'Authorization: Basic dXNlcg==']
    }
  },
  {
    id: 'http-bearer-token',
    fallback: true,
    title: 'Bearer token (Authorization header)',
    severity: 'high',
    // Generic: JWTs and provider tokens in the header are reported by their own rules.
    kind: 'generic',
    regex: '(?i)(?:proxy-)?authorization["\']?\\s*[:=]\\s*["\']?(?:bearer|token)\\s+([A-Za-z0-9_.~+/-]{20,}=*)(?:[^A-Za-z0-9_.~+/=-]|$)',
    // The regex needs the header name; 'token' and 'bearer' alone are in every tenth line.
    keywords: ['authorization'],
    // The regex's text after the header name: every audit event names authorization.k8s.io/decision, and
    // without this each one ran the regex (issue #15: ~75 ms of CPU per 64 MB of audit lines).
    // The same source that follows-gate.ts walks without RE2.
    follows: BEARER_FOLLOWS,
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = g.base62(40)
        const b = g.base62(36)
        return [
          { line: `curl -H "Authorization: Bearer ${a}" https://api.internal/v1/jobs`, secret: a },
          { line: `{"headers":{"authorization":"token ${b}"}}`, secret: b }
        ]
      },
      negatives: [
        'Authorization: Bearer <token>',
        'authorization: Bearer ${ACCESS_TOKEN}',
        'Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxx',
        'Authorization: Bearer undefined'
      ]
    }
  },
  {
    id: 'http-authorization-token',
    fallback: true,
    title: 'Token in an Authorization header without a scheme',
    severity: 'high',
    kind: 'generic',
    // Some APIs take the key itself as the header's value, with no `Bearer` before it (Linear, and many
    // internal services); a request log or a client's debug output then holds it whole (CredSweeper's Auth
    // sample). 20 or more token characters, so a scheme (Negotiate, AWS4-HMAC-SHA256, SharedKey) is never the value:
    // the value stops at the blank after one. Provider tokens and JWTs there are their own rules'.
    regex: '(?i)(?:proxy-)?authorization["\']?\\s*[:=]\\s*["\']?([A-Za-z0-9_.~+/-]{20,}=*)(?:[^A-Za-z0-9_.~+/=-]|$)',
    keywords: ['authorization'],
    // Every audit event's authorization.k8s.io: walked without RE2, as http-bearer-token's.
    follows: RAW_AUTHORIZATION_FOLLOWS,
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = g.base62(40)
        const b = `${g.base62(24)}_${g.base62(12)}`
        return [
          { line: `{"level":"debug","msg":"request","headers":{"Authorization":"${a}","Accept":"application/json"}}`, secret: a },
          { line: `> POST /graphql HTTP/2\r> authorization: ${b}`, secret: b }
        ]
      },
      negatives: [
        '{"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}',
        'Authorization: AWS4-HMAC-SHA256 Credential=EXAMPLE/20261207/us-east-1/s3/aws4_request',
        'Authorization: Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEFoQMCAQ6iBwMFACAAAACj',
        'authorization: ${API_TOKEN}',
        'Authorization: <api-key>',
        'Authorization: xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        '--authorization-mode=Node,RBAC'
      ]
    }
  },
  {
    id: 'http-api-key-header',
    title: 'API key in a request header',
    severity: 'high',
    kind: 'generic',
    regex: '(?i)(?:^|[^a-z0-9-])x-(?:api|auth|access)-(?:key|token)["\']?\\s*[:=]\\s*["\']?([A-Za-z0-9_.~+/-]{16,}=*)(?:[^A-Za-z0-9_.~+/=-]|$)',
    keywords: ['x-api-', 'x-auth-', 'x-access-'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = g.base62(32)
        return [{ line: `request headers: {"X-Api-Key":"${a}","Accept":"application/json"}`, secret: a }]
      },
      negatives: ['X-Api-Key: <your-api-key>', 'x-api-key: ${API_KEY}', 'X-Api-Key: 0123456789abcdef']
    }
  }
]
