// `detector.knownSecrets`: the index and its sources. Every source is opt-in:
// reading the cluster's Secrets needs get/list/watch on secrets, the most
// powerful read grant there is, so an operator turns it on knowingly.
// There is no option for the index key: it is random per process because the
// index never leaves the process that built it (each replica builds its own),
// so a shared or fixed key would add nothing but a key to protect.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

export const knownSecretsConfigSchema = s.object({
  minLengthChars: s.number({
    integer: true,
    min: 6,
    default: 8,
    description: 'Shortest value indexed, in characters; shorter ones would match ordinary words. Skips are counted in leakwatch_known_secrets_skipped_total.'
  }),
  maxValueBytes: s.number({
    integer: true,
    min: 64,
    default: 64 * 1024,
    description: 'Longest value indexed (bundles and archives in Secrets are not what leaks into a log line).'
  }),
  ignoreValues: s.array(s.string(), {
    default: [],
    description:
      'Values never indexed, on top of the built-in list of common non-secrets (`true`, `admin`, `postgres`, `changeme`, …); compared case-insensitively.'
  }),
  syncTimeoutMs: s.number({
    integer: true,
    min: 0,
    default: 30_000,
    description: 'How long the detector waits for the sources to be read before it starts consuming (then it starts anyway and the index fills in).'
  }),
  kubernetes: s.object({
    enabled: s.boolean({
      default: false,
      description: "Index the cluster's Secrets (informer: list + watch). Needs get/list/watch on secrets: see the RBAC trade-off in the README."
    }),
    kubeconfigPath: s.optional(s.string({ description: 'Kubeconfig file; unset: in-cluster service account, else KUBECONFIG or ~/.kube/config.' })),
    namespaces: s.array(s.string(), { default: [], description: 'Namespaces whose Secrets are indexed (a Role per namespace suffices); empty: all.' }),
    excludeNamespaces: s.array(s.string(), { default: [], description: 'Namespaces whose Secrets are never indexed.' }),
    excludeLabels: s.array(s.string(), {
      default: ['leakwatch.io/ignore'],
      description: 'Secrets carrying one of these labels (`key` or `key=value`) are not indexed; sent to the API server as a selector.'
    }),
    excludeTypes: s.array(s.string(), {
      default: ['helm.sh/release.v1'],
      description: 'Secret types never indexed (Helm release records hold manifests, not credentials); sent as a field selector.'
    }),
    excludeKeys: s.array(s.string(), {
      default: ['ca.crt', 'tls.crt', 'service-ca.crt', 'namespace'],
      description: 'Data keys never indexed: certificates are public, `namespace` of a token Secret is a name.'
    })
  }),
  vault: s.object({
    enabled: s.boolean({ default: false, description: 'Index the fields of Vault KV v2 secrets, re-read every `refreshIntervalMs`.' }),
    address: s.string({ default: 'http://127.0.0.1:8200', pattern: /^https?:\/\//, description: 'Vault address.' }),
    mount: s.string({ default: 'secret', description: 'KV v2 mount path.' }),
    paths: s.array(s.string(), { default: [], description: 'Secret paths in the mount; a trailing `/` reads every secret below it (LIST on metadata).' }),
    staticRoles: s.array(
      s.object({
        mount: s.string({ description: 'Mount path of a database secrets engine.' }),
        roles: s.optional(s.array(s.string(), { description: 'Static roles to read; unset = every static role of the mount (LIST on static-roles).' }))
      }),
      {
        default: [],
        description:
          'Database static roles whose current password is indexed (`<mount>/static-creds/<role>`): a finding names the role, which `vault-rotate-role` rotates when its own `role` is unset.'
      }
    ),
    authMethod: s.literal(['kubernetes', 'token'] as const, {
      default: 'kubernetes',
      description: "`kubernetes`: log in with the pod's service-account token; `token`: use `token`."
    }),
    token: s.optional(s.string({ description: 'Vault token for authMethod `token` (from a Secret, through the environment).' })),
    role: s.string({ default: 'leakwatch', description: 'Vault role of the Kubernetes auth login.' }),
    authMount: s.string({ default: 'kubernetes', description: 'Mount path of the Kubernetes auth method.' }),
    jwtPath: s.string({
      default: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      description: 'Service-account token presented to Vault by the Kubernetes auth login.'
    }),
    namespace: s.optional(s.string({ description: 'Vault Enterprise namespace (X-Vault-Namespace).' })),
    refreshIntervalMs: s.number({ integer: true, min: 1000, default: 5 * 60 * 1000, description: 'How often the paths are read again.' }),
    timeoutMs: s.number({ integer: true, min: 100, default: 10_000, description: 'Timeout of one Vault request.' })
  }),
  file: s.object({
    enabled: s.boolean({ default: false, description: 'Index the values of `path`.' }),
    path: s.string({
      default: './known-secrets.txt',
      description: 'File of values, one per line (`#` comments), or a directory with one value per file (a Secret mounted as a volume). Reloaded on change.'
    }),
    pollIntervalMs: s.number({ integer: true, min: 100, default: 2000, description: 'How often the file is checked for changes.' })
  })
})

export type KnownSecretsConfig = Infer<typeof knownSecretsConfigSchema>
