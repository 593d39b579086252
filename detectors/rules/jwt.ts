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

/** Public keys, key ids and verification keys are named like signing secrets and are not secret. */
const JWT_SIGNING_ALLOW = {
  matches: ['(?i)jwt[a-z0-9_.-]*(?:public|pub[_.-]|verif|jwks|kid|key[_.-]?id)'],
  // A DER key or certificate in base64 (MII…: a SEQUENCE with a two-byte length) is all base64 and 40 characters
  // or more; a typed secret that merely starts with MII (one random value in 238,000) is not refused for it
  // (rules-stability, LEAKWATCH_TEST_SEED=2208762745: `MIImWRMXAl%%_^cC1…` was missed).
  secrets: ['^MII[A-Za-z0-9+/]{40,}={0,2}$', '^-----BEGIN', '^kid[-_]']
}

/**
 * What jwt-signing-secret and its single-quoted half share, with the regex and follows for values quoted with
 * `quote`: a name starting with jwt and ending in secret or key, then the value up to the next `quote` (or escaped
 * one), so it may hold the other quote.
 */
function jwtSigningRule(quote: '"' | "'"): Pick<Rule, 'title' | 'severity' | 'kind' | 'regex' | 'follows' | 'keywords' | 'minEntropy' | 'allow'> {
  const name = '[\\w.-]{0,20}?(?:secret|key)\\\\?["\']?'
  return {
    title: 'JWT signing secret in configuration',
    severity: 'high',
    kind: 'generic',
    regex: `(?i)(?:^|[^a-z0-9])jwt[a-z0-9_.-]{0,20}?(?:secret|key)\\\\?["']?[ \\t]*(?:=|:)[ \\t]*\\\\?${quote}([^${quote}\\s]{12,}?)\\\\?${quote}`,
    follows: `${name}\\s*[=:]\\s*\\\\?${quote}`,
    keywords: ['jwt'],
    // A typed password (Velvet5953%5t5v) can fall under 3.0: one generated password in 7,000 did, which the
    // stability test met about one run in ten. The name already says what the value is.
    minEntropy: 2.5,
    allow: JWT_SIGNING_ALLOW
  }
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
    // A signature that says it is an example (…EXAMPLEFAKESIG: CredSweeper's negative sample) signs nothing; a
    // random one holds EXAMPLE once in 10^11.
    allow: { secrets: ['\\.[A-Za-z0-9_-]*EXAMPLE[A-Za-z0-9_-]*$'] },
    examples: {
      positives: (g) => {
        const t = jwtOf({ sub: `user-${g.digits(6)}`, iat: 1_760_000_000, scope: 'orders:write' }, g)
        return [{ line: `GET /api/orders Authorization=Bearer ${t} 200`, secret: t }]
      },
      negatives: [
        // Structurally a JWT with alg none: unsigned, grants nothing.
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"abcdefghijklmn"}').toString('base64url')}.AAAAAAAAAAAAAAAAAAAA`,
        'eyJhbGciOiJIUzI1NiJ9 is the header of an HS256 token',
        `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"test"}').toString('base64url')}.99l-EXAMPLEFAKESIG`
      ]
    }
  },
  {
    id: 'jwt-signing-secret',
    // Not a catch-all: the name says what the value is, so on a value generic-secret-assignment also takes
    // (JWT_SIGNING_KEY="…" in its charset) this rule is the one that reports it.
    // HMAC signing secrets are typed or generated by people, punctuation and all (Nosey Parker's np.jwt.2 and
    // .3: `jwtsecret: "7\`D'}/vY…"`), which the generic assignment rule's token charset cuts short. The name
    // starts with jwt and ends in secret or key; the value is double-quoted and runs to the next double quote (or
    // escaped double quote, in an escaped record), so it may hold single quotes and backslashes. Single-quoted values are jwt-signing-secret-single-quoted's: RE2 has no
    // backreference, and one pattern for both quotes stopped a double-quoted value at a single quote followed by
    // `}` or `,`, reporting a part of it and leaving the rest in the context unmasked.
    ...jwtSigningRule('"'),
    examples: {
      positives: (g) => {
        const a = `${g.base62(6)}\`${g.chars('!%&()*+,-./:;=?@[]^_|~', 3)}${g.base62(20)}'${g.base62(8)}`
        // The value's single quote followed by `}`: the whole value is the secret, not the part before it.
        const q = `${g.base62(12)}'}${g.base62(6)}!${g.base62(10)}`
        // `${`, `#{`, `{{` and `<%` open a template, which the gates refuse: these examples keep to the other punctuation.
        const c = g.password()
        return [
          { line: `  jwtsecret: "${a}"`, secret: a },
          { line: `  jwtsecret: "${q}", # prod`, secret: q },
          { line: `JWT_SIGNING_KEY="${c}";`, secret: c }
        ]
      },
      negatives: [
        'jwt_secret: "${JWT_SECRET}"',
        'jwt_public_key: "/etc/keys/jwt.pub"',
        'jwt_secret: "" # set in vault',
        // Public keys and key ids are not signing secrets.
        'JWT_PUBLIC_KEY="MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo"',
        'jwt_verification_key: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"',
        '"jwt_key": "kid-7f3a2b19c4d84e01a6b5"',
        '"jwt_key_id": "7f3a2b19c4d84e01a6b5c3d2"'
      ]
    }
  },
  {
    id: 'jwt-signing-secret-single-quoted',
    // jwt-signing-secret's single-quoted half: the value runs to the next single quote, so it may hold double quotes.
    ...jwtSigningRule("'"),
    examples: {
      positives: (g) => {
        const b = `${g.base62(10)}${g.chars('!%&()*+-./:=?@[]^_|~', 4)}${g.base62(16)}`
        const q = `${g.base62(12)}",${g.base62(6)}!${g.base62(10)}`
        // Starting as a DER key's base64 does (MII) but typed, punctuation and all.
        const m = `MII${g.base62(7)}${g.chars('!%&()*+-./:=?@[]^_|~', 4)}${g.base62(16)}`
        return [
          { line: `  jwt_secret: '${b}'`, secret: b },
          { line: `  jwt_secret: '${q}' # prod`, secret: q },
          { line: `  jwt_secret: '${m}'`, secret: m }
        ]
      },
      negatives: [
        "jwtSecret: 'changeme-in-production'",
        "jwt_secret: '${JWT_SECRET}'",
        "JWT_PUBLIC_KEY='MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo'"
      ]
    }
  }
]
