// Kubernetes bootstrap tokens: `<6 [a-z0-9]>.<16 [a-z0-9]>`, the token id and
// its secret (kubernetes.io, "Authenticating with Bootstrap Tokens"). kubeadm
// prints them in its join command (`kubeadm join … --token …`), kubelets
// take one as --tls-bootstrap-token, and the Secret that holds one names the
// secret half `token-secret`. A token joins a node to the cluster. Shapes
// from Nosey Parker's np.kubernetes.1/.2 (Apache-2.0).

import { ENV_VALUE_FOLLOWS } from '../follows-gate.ts'
import type { Rule } from '../rule.ts'
import { charset, format, password, secretsIn, tokenRule } from './define.ts'

const ALNUM = charset('a-z0-9', 'abcdefghijklmnopqrstuvwxyz0123456789')
// kubeadm's own documentation writes abcdef.0123456789abcdef: a typed run is a placeholder. The entropy bar
// only refuses runs of one or two characters: 16 random characters of 36 score under 2.6 about once in
// 140,000 (a 2-million draw sweep), under 2.2 never.
const TYPED = /abcdef|0123456|1234567/
// No word gate: kubeadm draws both halves from [a-z0-9], so one secret half in 180 is all letters, and
// the identifier test (words.ts) reads 4 in 10,000 random 16-character halves as a name (2 million draws):
// a real token refused that often is worse than the rare `token: <6>.<16 letters>` name it would spare.
const plausible = (t: string): boolean => !TYPED.test(t)

export const rules: Rule[] = [
  tokenRule({
    id: 'kubernetes-bootstrap-token',
    title: 'Kubernetes bootstrap token',
    severity: 'critical',
    token: format(ALNUM(6), '.', ALNUM(16)),
    regex: (t) => `(?i:--(?:tls-bootstrap-|discovery-)?token[= ][ \\t]*|token["']?[ \\t]*:[ \\t]*)["']?(${t})(?:[^A-Za-z0-9_.-]|$)`,
    keywords: ['-token', 'token:', 'token":', "token':"],
    // Any keyword's next bytes as the regex wants them, up to the token's dot: CI logs print `NPM_TOKEN: ***`
    // and `--token $X` far more often than a bootstrap token (issue #15: 72k regex runs per 64 MB of CI).
    follows: '[= \\t]*["\']?[a-z0-9]{6}\\.',
    minEntropy: 2.0,
    validate: plausible,
    lines: [
      (s) => `kubeadm join 10.0.0.10:6443 --token ${s} --discovery-token-ca-cert-hash sha256:${'0f'.repeat(32)}`,
      (s) => `kubelet --tls-bootstrap-token=${s} --kubeconfig=/var/lib/kubelet/kubeconfig`,
      (s) => `bootstrapTokens: [{token: "${s}", ttl: 24h0m0s}]`
    ],
    negatives: [
      'kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:…',
      'kubeadm join 10.0.0.10:6443 --token <token> --discovery-token-ca-cert-hash sha256:<hash>',
      'version: v1.29.3.amd64linux64bits token: none'
    ]
  }),
  tokenRule({
    id: 'kubernetes-bootstrap-token-secret',
    title: 'Kubernetes bootstrap token secret',
    severity: 'critical',
    token: ALNUM(16),
    regex: (t) => `(?i:token-secret)["']?[ \\t]*:[ \\t]*["']?(${t})(?:[^A-Za-z0-9]|$)`,
    keywords: ['token-secret'],
    minEntropy: 2.0,
    validate: plausible,
    lines: [
      (s) => `  token-secret: ${s}`,
      (s) => `{"kind":"Secret","type":"bootstrap.kubernetes.io/token","stringData":{"token-id":"07401b","token-secret":"${s}"}}`
    ],
    negatives: ['  token-secret: 0123456789abcdef', '  token-secret: <16 characters>', `  token-secret: ${'a'.repeat(16)}`]
  }),
  {
    id: 'kubernetes-env-credential',
    fallback: true,
    title: 'Credential written into a container env var (name/value pair)',
    severity: 'high',
    kind: 'generic',
    // A pod spec's env as Kubernetes serializes it, `{"name":"DB_PASSWORD","value":"…"}`: the plain-text value of
    // a credential that belonged in a Secret (`valueFrom.secretKeyRef`). Audit events of Deployments, StatefulSets
    // and Pods carry it (and kubectl's last-applied-configuration, which the audit path decodes), as do
    // `kubectl get -o json` and admission webhooks' logs. The name must end in a credential word (and an optional
    // number), as the generic assignments require; the value is a JSON string of 7 or more characters without
    // blanks or escapes. `$(VAR)` is Kubernetes' own expansion of another variable, not a value.
    regex:
      '(?i)"name"\\s*:\\s*"[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|pwd|pass|secret|token|api_?key|access_?key|private_?key|secret_?key|credentials?|creds)(?:[_.-]?[0-9]{1,3})?"\\s*,\\s*"value"\\s*:\\s*"((?:[^"\\\\\\s$]|\\$[^"\\\\\\s(])[^"\\\\\\s]{6,})"',
    keywords: ['pass', 'pwd', 'secret', 'token', 'apikey', 'api_key', 'access_key', 'private_key', 'credential', 'creds'],
    follows: ENV_VALUE_FOLLOWS,
    minEntropy: 2.5,
    allow: { secrets: ['^\\$\\(', '^\\$\\{'] },
    examples: {
      positives: (g) => [
        ...secretsIn(password, [
          (s) =>
            `{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"create","objectRef":{"resource":"deployments","namespace":"shop"},"requestObject":{"spec":{"template":{"spec":{"containers":[{"name":"api","env":[{"name":"LOG_LEVEL","value":"info"},{"name":"DB_PASSWORD","value":"${s}"}]}]}}}}}`,
          (s) => `env: [{"name": "SMTP_PASS", "value": "${s}"}]`
        ])(g),
        ...secretsIn((r) => r.base62(32), [(s) => `{"name":"STRIPE_API_KEY","value":"${s}"},{"name":"PORT","value":"8080"}`])(g)
      ],
      negatives: [
        '{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}',
        '{"name":"DB_PASSWORD","value":"$(DB_PASS)"}',
        '{"name":"TOKEN_TTL","value":"3600s-max"}',
        '{"name":"SECRET_NAME","value":"db-credentials"}',
        '{"name":"DB_PASSWORD","value":"changeme"}',
        '{"name":"API_TOKEN","value":"${API_TOKEN}"}'
      ]
    }
  }
]
