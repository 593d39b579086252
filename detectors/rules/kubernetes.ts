// Kubernetes bootstrap tokens: `<6 [a-z0-9]>.<16 [a-z0-9]>`, the token id and
// its secret (kubernetes.io, "Authenticating with Bootstrap Tokens"). kubeadm
// prints them in its join command (`kubeadm join … --token …`), kubelets
// take one as --tls-bootstrap-token, and the Secret that holds one names the
// secret half `token-secret`. A token joins a node to the cluster. Shapes
// from Nosey Parker's np.kubernetes.1/.2 (Apache-2.0).

import { charset, format, tokenRule } from './define.ts'

const ALNUM = charset('a-z0-9', 'abcdefghijklmnopqrstuvwxyz0123456789')
// kubeadm's own documentation writes abcdef.0123456789abcdef: a typed run is a placeholder. The entropy bar
// only refuses runs of one or two characters: 16 random characters of 36 score under 2.6 about once in
// 140,000 (a 2-million draw sweep), under 2.2 never.
const TYPED = /abcdef|0123456|1234567/
// No word gate: kubeadm draws both halves from [a-z0-9], so one secret half in 180 is all letters, and
// the identifier test (words.ts) reads 4 in 10,000 random 16-character halves as a name (2 million draws):
// a real token refused that often is worse than the rare `token: <6>.<16 letters>` name it would spare.
const plausible = (t: string): boolean => !TYPED.test(t)

export const rules = [
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
  })
]
