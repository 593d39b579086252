// What a value next to a secret-ish name is when it is not a secret, beyond
// the stopwords and placeholders of gates.ts (issue #15): a value encrypted at
// rest or a reference to where the secret is kept, a placeholder of one of the
// template languages an operator's configs pass through, and an identifier or
// digest. Each is a pure function of the captured value, run only on candidate
// hits (after a rule's regex matched), never on whole lines. Patterns are RE2:
// the value is attacker-controlled text.

import RE2 from 're2'

// SOPS (`ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`) and its kin: ansible-vault's
// header, Jasypt's `ENC(…)`, Kubernetes' encrypted-at-rest prefix
// `k8s:enc:`, and the references that secret managers and their injectors resolve
// at run time: Vault (`vault:secret/data/x#key`, `vault://`), helm-secrets and vals
// (`ref+vault://…`, `ref+awssecrets://…`), 1Password (`op://vault/item/field`),
// AWS (`awssm:`, `ssm:`, `arn:aws:secretsmanager:…`, `{{resolve:secretsmanager:…}}`),
// Azure Key Vault (`@Microsoft.KeyVault(…)`, `akv:`, `azurekv:`), Google Secret
// Manager (`sm://`, `gcp:secretmanager:`, `projects/p/secrets/s/versions/n`),
// Doppler, Infisical, Bitwarden, Kubernetes `secretKeyRef`, and CI secret
// expressions (`${{ secrets.X }}`, `$(SECRET)`, GitLab `$CI_X`, which the
// placeholder gate covers).
const STORE_REFERENCE =
  '^(?:ENC\\[(?:AES256_GCM|PGP|KMS|AGE)|ENC\\(|DEC\\(|\\$ANSIBLE_VAULT;|k8s:enc:|' +
  '(?i:vault|vaults|ref\\+[a-z0-9]+|op|awssm|awssecrets|awsssm|ssm|secretsmanager|sm|gcpsm|gcpsecrets|gcp:secretmanager|azurekv|akv|keyvault|doppler|infisical|bws|bitwarden|sops|kms|conjur|akeyless|cyberark|onepassword|1password|secret|secrets|k8s|kubernetes|env|file)://|' +
  '(?i:vault|awssm|ssm|azurekv|akv|gcpsm|sops|kms|doppler|infisical|secretsmanager|secretmanager):[A-Za-z0-9_/.#-]|' +
  'arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):|@Microsoft\\.KeyVault\\(|\\{\\{resolve:|projects/[^/\\s]+/secrets/[^/\\s]+)'
// Sealed Secrets' ciphertext: base64 of a blob that starts with the RSA-OAEP-encrypted session key's length,
// two bytes big-endian (512 → "Ag[A-D]" for kubeseal's default 4096-bit key, 256 → "AQ[A-D]" for a 2048-bit
// one), then that key and the AES-GCM payload: at least 720 or 364 base64 characters. The lengths keep random
// base64 (an STS session token of 356 characters starting AgD, 1 in 16,000) from reading as one.
const SEALED = '^(?:Ag[A-D][A-Za-z0-9+/]{717,}|AQ[A-D][A-Za-z0-9+/]{361,})={0,2}$'
// KMS ciphertext blobs as CLIs print them: AWS KMS (version 1 header 0x01 0x02 0x02 0x00 → "AQICAH"),
// Google Cloud KMS (a protobuf field 1 of 36 bytes → "CiQA"). Long: the key's id and the IV are inside.
const KMS_BLOB = '^(?:AQICAH|AQEDAH|CiQA)[A-Za-z0-9+/]{80,}={0,2}$'
// The three as one pattern: one call into RE2 (and one UTF-8 copy of the value) instead of three (issue #15).
const STORE_VALUE = new RE2(`(?:${STORE_REFERENCE})|(?:${SEALED})|(?:${KMS_BLOB})`)

/** A value encrypted at rest (SOPS, sealed-secrets, KMS ciphertext) or a reference to a secret store: not the secret itself. */
export function secretStoreValue(value: string): boolean {
  return STORE_VALUE.test(value)
}

// Placeholders of the template languages beyond gates.ts's: Python `{name}`/`{0}`/`{name!r:>10}` and
// `%(name)s`, printf verbs (`%s`, `%v`, `%-10s`), Jinja statements and comments (`{% … %}`, `{# … #}`),
// GitHub's `${{ … }}`, Terraform references (`var.x`, `local.x`, `data.a.b.c`, `module.m.out`,
// `each.value`), Helm's `.Values.x`, Ansible's `lookup(…)`, Mustache triple braces, Razor/`@Model.X`,
// Go's `{{.X}}` without spaces (gates.ts takes `{{ … }}` whole values only), Spring's `#{…}` and
// `${…}` inside a longer value (`jdbc:${DB}`: the value holds a substitution, not a secret), and
// values whose every character is one mask character, and values cut short with an ellipsis (docs and
// CLIs print `ops_eyJzaWdu...`: what is shown is not the secret).
const TEMPLATE =
  '^(?:\\{[A-Za-z_][\\w.]*(?:![rsa])?(?::[^{}]*)?\\}?|\\{[0-9]*\\}|%\\([\\w.-]+\\)[a-z]|%[-+ #0-9.]*[sdvqxXfgeEtTpo]|' +
  '\\{%.*%\\}|\\{#.*#\\}|\\$\\{\\{.*\\}\\}|(?:var|local|data|module|each|count|self|path|terraform)\\.[A-Za-z_][\\w.\\[\\]"-]*|' +
  '\\.Values\\.[\\w.]+|lookup\\(.*\\)|@Model\\.[\\w.]+|[*•●#?xX]{4,})$'
// A substitution anywhere in the value: `${…}` (shell, Spring, Terraform, JS), `{{…}}` (Go, Helm, Jinja,
// Mustache), `<%= … %>` (ERB, EJS), `#{…}` (Ruby, Spring EL). A real secret holds none of these.
const EMBEDDED = '\\$\\{[^}\\s]*\\}|\\{\\{[^}]*\\}\\}|<%=?[^%]*%>|#\\{[^}]*\\}'
// The two as one pattern: one call into RE2 (and one UTF-8 copy of the value) instead of two (issue #15).
const TEMPLATE_VALUE = new RE2(`(?:${TEMPLATE})|(?:${EMBEDDED})`)

/**
 * A template or format placeholder of any language an operator's configs and logs pass through, or
 * a value cut short with an ellipsis unless `dotsAreData` (a format whose alphabet holds '.').
 */
export function templateValue(value: string, dotsAreData = false): boolean {
  return TEMPLATE_VALUE.test(value) || (!dotsAreData && (value.endsWith('...') || value.endsWith('…')))
}

// Identifiers and digests: UUIDs of any version and case (request, session, tenant, trace and
// correlation ids), W3C trace context, a digest named by its algorithm (`sha256:…`, `sha512-…`
// subresource integrity, `md5=`), Docker image digests, a lower-case path (`/en/docs/auth`: random
// base64 of 20+ characters holds an upper-case letter), a lower-case network-path reference (`//registry.npmjs.org/`,
// an .npmrc key that a generic value cut at its ':' took: fuzz seed 20261212, mask-scan case 1601; base64 has
// no '.', base64url no '/'), a reverse-DNS name (`com.apple.xpc.activity/4505`:
// a TLD, then short segments; dotted tokens such as Dynatrace's have long random segments), and an ARN or a URN that names a
// resource (the secret's address, not its value).
// A named digest's body is the algorithm's length in hex or in base64 (padded or not): a random
// base64url credential can start `md5-` or `sha1-` (CI seed of session 12: `md5-E-…`, 27 characters),
// but almost never with a body of exactly a digest's length. BLAKE2b's length is chosen by its user.
const HEX_OR_B64 = (hex: number, b64: number, pad: string): string => `(?:[0-9a-fA-F]{${hex}}|[A-Za-z0-9+/_-]{${b64}}${pad})`
const DIGEST =
  '(?i:' +
  [
    `md5[:=-]${HEX_OR_B64(32, 22, '(?:==)?')}`,
    `sha-?1[:=-]${HEX_OR_B64(40, 27, '=?')}`,
    `sha-?224[:=-]${HEX_OR_B64(56, 38, '(?:==)?')}`,
    `(?:sha-?256|blake3)[:=-]${HEX_OR_B64(64, 43, '=?')}`,
    `sha-?384[:=-]${HEX_OR_B64(96, 64, '')}`,
    `sha-?512[:=-]${HEX_OR_B64(128, 86, '(?:==)?')}`,
    'blake2b(?:-?[0-9]{3})?[:=-](?:[0-9a-fA-F]{16,128}|[A-Za-z0-9+/_-]{22,86}={0,2})',
    `crc32c?[:=-]${HEX_OR_B64(8, 6, '(?:==)?')}`
  ].join('|') +
  ')|'
const IDENTIFIER = new RE2(
  '^(?:\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}?|' +
    '[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}|' +
    DIGEST +
    '[\\w./:-]+@sha256:[0-9a-f]{64}|(?:/[a-z0-9@._-]+){2,}/?|//[a-z0-9-]+(?:\\.[a-z0-9-]+)+(?::[0-9]{1,5})?(?:/[a-z0-9._~%-]*)*|[a-z]{2,6}(?:\\.[a-z][a-z0-9-]{0,19}){2,}(?:/[A-Za-z0-9._-]+)?|arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+|urn:[a-z0-9-]+:.+)$'
)

/** An identifier or a digest named as one: never a credential whatever name it is assigned to. */
export function identifierValue(value: string): boolean {
  return IDENTIFIER.test(value)
}
