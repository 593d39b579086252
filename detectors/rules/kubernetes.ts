// Kubernetes bootstrap tokens: `<6 [a-z0-9]>.<16 [a-z0-9]>`, the token id and
// its secret (kubernetes.io, "Authenticating with Bootstrap Tokens"). kubeadm
// prints them in its join command (`kubeadm join … --token …`), kubelets
// take one as --tls-bootstrap-token, and the Secret that holds one names the
// secret half `token-secret`. A token joins a node to the cluster. Shapes
// from Nosey Parker's np.kubernetes.1/.2 (Apache-2.0).

import { ENV_NAME_LINE_FOLLOWS, ENV_VALUE_FOLLOWS } from '../follows-gate.ts'
import { type BlockSpan, capturedAt, readerSpan } from '../pem.ts'
import { compileRe2 } from '../re2-compile.ts'
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

// The env var's value on the line after `- name: <NAME>`, as `kubectl get -o yaml` and `helm template` print a
// pod spec: in the same text when a view decoded the two lines into one (sticky at the name line's end), else on
// the next line as written. Quotes around it are YAML's. RE2, compiled when a name line first wakes the rule.
const YAML_VALUE = '[ \\t]*value:[ \\t]*["\']?((?:[^"\'\\s$#]|\\$[^"\'\\s(])[^"\'\\s]{6,})["\']?[ \\t]*$'
let yamlValue: { next: ReturnType<typeof compileRe2>; same: ReturnType<typeof compileRe2> } | undefined
const yamlPatterns = (): NonNullable<typeof yamlValue> =>
  (yamlValue ??= {
    next: compileRe2(`^${YAML_VALUE}`, '', 'LW_ERR_RULE_INVALID', 'rule kubernetes-env-yaml-credential', 'value'),
    // In a decoded view the value's line may be the last of a JSON string: its end is then that string's quote.
    same: compileRe2(
      `\\r?\\n${YAML_VALUE.replace(/\[ \\t\]\*\$$/, '(?:[ \\t]*(?:\\r?\\n|$)|["}\\],])')}`,
      'y',
      'LW_ERR_RULE_INVALID',
      'rule kubernetes-env-yaml-credential',
      'value'
    )
  })

/** The value line after the name line whose end is `afterHeader` of `text`, line `lineIndex` of `lines` (Rule.block.read). */
function readYamlValue(lines: readonly string[], lineIndex: number, text: string, afterHeader: number): BlockSpan | undefined {
  const { next, same } = yamlPatterns()
  same.lastIndex = afterHeader
  const m = same.exec(text)
  if (m !== null) {
    const { secret, start } = capturedAt(m)
    return readerSpan(secret, start, lineIndex, lineIndex)
  }
  if (text !== lines[lineIndex] || lineIndex + 1 >= lines.length) return undefined
  const v = next.exec(lines[lineIndex + 1] as string)
  if (v === null) return undefined
  const { secret, start } = capturedAt(v)
  return readerSpan(secret, start, lineIndex + 1, lineIndex)
}

// What an env var's name ends in when it names a credential, and the keywords that wake both env rules.
const ENV_KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'apikey', 'api_key', 'access_key', 'private_key', 'credential', 'creds']
const CREDENTIAL_NAME_END =
  '(?:password|passwd|passphrase|pwd|pass|secret|token|api_?key|access_?key|private_?key|secret_?key|credentials?|creds)(?:[_.-]?[0-9]{1,3})?'

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
    regex: `(?i)"name"\\s*:\\s*"[A-Za-z0-9_.-]*?${CREDENTIAL_NAME_END}"\\s*,\\s*"value"\\s*:\\s*"((?:[^"\\\\\\s$]|\\$[^"\\\\\\s(])[^"\\\\\\s]{6,})"`,
    keywords: ENV_KEYWORDS,
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
  },
  {
    id: 'kubernetes-env-yaml-credential',
    fallback: true,
    title: 'Credential written into a container env var (YAML name and value lines)',
    severity: 'high',
    kind: 'generic',
    // kubernetes-env-credential's pair in YAML, `- name: DB_PASSWORD` then `value: …` on the next line, as
    // `kubectl get -o yaml`, `helm template` and `kustomize build` print it into CI logs. The regex finds the name
    // line (the whole line: a list item holding only the name), the rule's block reader the value line after it.
    regex: `(?im)^[ \\t]*-[ \\t]+name:[ \\t]*["']?[A-Za-z0-9_.-]*?${CREDENTIAL_NAME_END}["']?[ \\t]*$`,
    keywords: ENV_KEYWORDS,
    follows: ENV_NAME_LINE_FOLLOWS,
    // GitHub Actions' debug lines end in a secret's name too (`##[debug]Evaluating: secrets.NPM_TOKEN`, 9,014 of
    // the CI shape's lines): without the list item's `name:` they never reach the regex.
    requires: ['name:'],
    // The value is on the name's line or the next: a chunk's end, or `leakwatch mask`'s line-by-line output, does
    // not come between the two.
    block: { read: readYamlValue, reach: 1, lead: '-' },
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = g.password()
        const b = g.base62(32)
        return [
          // One line of a JSON log whose message is the manifest: the JSON view decodes its newlines.
          {
            line: JSON.stringify({
              level: 'info',
              msg: 'rendered',
              manifest: `        env:\n        - name: DB_PASSWORD\n          value: ${a}\n        - name: PORT\n          value: "8080"`
            }),
            secret: a
          },
          { line: JSON.stringify({ msg: `env:\n- name: STRIPE_API_KEY\n  value: "${b}"` }), secret: b }
        ]
      },
      negatives: [
        JSON.stringify({ msg: '- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db' }),
        JSON.stringify({ msg: '- name: DB_PASSWORD\n  value: $(DB_PASS)' }),
        JSON.stringify({ msg: '- name: SECRET_NAME\n  value: db-credentials' }),
        '- name: DB_PASSWORD'
      ]
    }
  }
]
