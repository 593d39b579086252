import type { Rule } from '../rule.ts'

const JWT = '(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{16,})(?:[^A-Za-z0-9_.-]|$)'

function part(token: string, i: number): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(token.split('.')[i] ?? '', 'base64url').toString('utf8')) as unknown
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A Kubernetes service-account token: legacy issuer, or the `kubernetes.io` claim of bound tokens. */
export function isKubernetesToken(token: string): boolean {
  const payload = part(token, 1)
  if (payload === undefined) return false
  return payload.iss === 'kubernetes/serviceaccount' || typeof payload['kubernetes.io'] === 'object'
}

/** Header and payload must be JSON objects and the header must name a signing algorithm. */
function isSignedJwt(token: string): boolean {
  const header = part(token, 0)
  return header !== undefined && typeof header.alg === 'string' && header.alg.toLowerCase() !== 'none' && part(token, 1) !== undefined
}

function jwtOf(payload: Record<string, unknown>, g: { base62: (n: number) => string; chars: (a: string, n: number) => string }): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${enc({ alg: 'RS256', kid: g.base62(12) })}.${enc(payload)}.${g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 86)}`
}

export const rules: Rule[] = [
  {
    id: 'kubernetes-service-account-token',
    title: 'Kubernetes service account token',
    severity: 'critical',
    kind: 'pattern',
    regex: JWT,
    // '.eyJ' starts the payload of every JWT; 'eyJ' alone is any base64 of JSON (pagination cursors).
    keywords: ['.eyj'],
    validate: (t) => isSignedJwt(t) && isKubernetesToken(t),
    examples: {
      positives: (g) => {
        const bound = jwtOf(
          {
            aud: ['https://kubernetes.default.svc'],
            iss: 'https://kubernetes.default.svc.cluster.local',
            sub: 'system:serviceaccount:payments:deployer',
            'kubernetes.io': { namespace: 'payments', serviceaccount: { name: 'deployer', uid: g.base62(8) } }
          },
          g
        )
        const legacy = jwtOf({ iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/namespace': 'ci' }, g)
        return [
          { line: `kubectl --token=${bound} get pods -n payments`, secret: bound },
          { line: `{"level":"debug","msg":"using token","token":"${legacy}"}`, secret: legacy }
        ]
      },
      negatives: ['token: eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'sa token mounted at /var/run/secrets/kubernetes.io/serviceaccount/token']
    }
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    severity: 'medium',
    kind: 'pattern',
    regex: JWT,
    // '.eyJ' starts the payload of every JWT; 'eyJ' alone is any base64 of JSON (pagination cursors).
    keywords: ['.eyj'],
    // Kubernetes tokens are reported by their own rule, with their own severity.
    validate: (t) => isSignedJwt(t) && !isKubernetesToken(t),
    examples: {
      positives: (g) => {
        const t = jwtOf({ sub: `user-${g.digits(6)}`, iat: 1_760_000_000, scope: 'orders:write' }, g)
        return [{ line: `GET /api/orders Authorization=Bearer ${t} 200`, secret: t }]
      },
      negatives: [
        // Structurally a JWT with alg none: unsigned, grants nothing.
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"abcdefghijklmn"}').toString('base64url')}.AAAAAAAAAAAAAAAAAAAA`,
        'eyJhbGciOiJIUzI1NiJ9 is the header of an HS256 token'
      ]
    }
  }
]
