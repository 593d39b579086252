// Hard negatives: log records that look like they hold a credential and do
// not. Digests, ids, trace ids, encoded payloads, public keys and
// certificates, masked values, template placeholders, and the lines services,
// CI jobs and the API server write about secrets without containing one, in
// every record shape leakwatch ingests. A finding on any of these is a false
// positive; the noise test requires none, and the benchmark uses the same
// lines as the background its planted secrets hide in.
//
// Everything is drawn from a seeded PRNG, so a seed gives the same lines on
// every run and a false positive can be reproduced from its seed.

import { createRng, type Rng } from '../../detectors/gen.ts'
import { auditEventLine, criLine, githubLine, gitlabLines, jsonLogLine } from './records.ts'

const HEX = '0123456789abcdef'
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const WORDS = [
  'account',
  'api',
  'app',
  'audit',
  'auth',
  'backend',
  'billing',
  'cache',
  'cart',
  'catalog',
  'checkout',
  'client',
  'cluster',
  'config',
  'customer',
  'data',
  'db',
  'default',
  'deploy',
  'events',
  'gateway',
  'inventory',
  'invoice',
  'job',
  'ledger',
  'main',
  'metrics',
  'notify',
  'order',
  'orders',
  'payment',
  'payments',
  'platform',
  'postgres',
  'primary',
  'profile',
  'queue',
  'reader',
  'redis',
  'report',
  'search',
  'service',
  'session',
  'shipping',
  'storage',
  'stream',
  'tenant',
  'user',
  'users',
  'worker',
  'writer'
]
const SECRETISH = ['secret', 'token', 'password', 'credentials', 'key', 'api-key', 'auth']
const NAMESPACES = ['payments', 'checkout', 'platform', 'data', 'ci', 'kube-system', 'monitoring']

// Values: each is what a scanner meets next to a secret-ish word and must leave alone.
const hex = (r: Rng, n: number): string => r.chars(HEX, n)
const uuid = (r: Rng): string => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${r.pick(['8', '9', 'a', 'b'])}${hex(r, 3)}-${hex(r, 12)}`
const bytes = (r: Rng, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => r.int(256)))
const b64 = (r: Rng, n: number): string => bytes(r, n).toString('base64')
const word = (r: Rng): string => r.pick(WORDS)
const cap = (w: string): string => (w[0] ?? '').toUpperCase() + w.slice(1)
const kebab = (r: Rng, n = 2 + r.int(2)): string => Array.from({ length: n }, () => word(r)).join('-')
const snake = (r: Rng, n = 2 + r.int(2)): string => Array.from({ length: n }, () => word(r)).join('_')
const camel = (r: Rng, n = 2 + r.int(3)): string => word(r) + Array.from({ length: n - 1 }, () => cap(word(r))).join('')
const pascal = (r: Rng, n = 2 + r.int(3)): string => Array.from({ length: n }, () => cap(word(r))).join('')
const podName = (r: Rng): string => `${kebab(r, 2)}-${r.chars('bcdfghjklmnpqrstvwxz2456789', 10)}-${r.chars('bcdfghjklmnpqrstvwxz2456789', 5)}`
const ip = (r: Rng): string => `10.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`
const digits = (r: Rng, n: number): string => r.chars('0123456789', n)

/** An SSH public key blob: the key type then its parameters, each length-prefixed (RFC 4253). */
function sshBlob(parts: Buffer[]): string {
  return Buffer.concat(parts.flatMap((p) => [Buffer.from([0, 0, (p.length >> 8) & 0xff, p.length & 0xff]), p])).toString('base64')
}
const sshEd25519 = (r: Rng): string => `ssh-ed25519 ${sshBlob([Buffer.from('ssh-ed25519'), bytes(r, 32)])}`
const sshRsa = (r: Rng): string => `ssh-rsa ${sshBlob([Buffer.from('ssh-rsa'), Buffer.from([1, 0, 1]), Buffer.concat([Buffer.from([0]), bytes(r, 256)])])}`
const sshEcdsa = (r: Rng): string =>
  `ecdsa-sha2-nistp256 ${sshBlob([Buffer.from('ecdsa-sha2-nistp256'), Buffer.from('nistp256'), Buffer.concat([Buffer.from([4]), bytes(r, 64)])])}`
const sshKey = (r: Rng): string => r.pick([sshEd25519, sshRsa, sshEcdsa])(r)

/** A PEM block of something public: certificates, public keys, requests, CRLs. */
function pem(r: Rng): string {
  const label = r.pick([
    'CERTIFICATE',
    'CERTIFICATE',
    'PUBLIC KEY',
    'RSA PUBLIC KEY',
    'CERTIFICATE REQUEST',
    'X509 CRL',
    'EC PARAMETERS',
    'PGP PUBLIC KEY BLOCK',
    'PGP SIGNATURE',
    'SSH SIGNATURE'
  ])
  const body = b64(r, label === 'EC PARAMETERS' ? 10 : 300 + r.int(900))
  const lines = body.match(/.{1,64}/g) ?? []
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join('\n')
}

const b64url = (s: string): string => Buffer.from(s).toString('base64url')
/** Looks like a JWT and is not one a server would accept: unsigned, truncated, or not JSON inside. */
function notAJwt(r: Rng): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
  const payload = b64url(JSON.stringify({ sub: `user-${digits(r, 6)}`, iat: 1_760_000_000 + r.int(1e6) }))
  return r.pick([
    `${b64url('{"alg":"none","typ":"JWT"}')}.${payload}.`,
    `${header}.${payload}`,
    `${header}.${payload.slice(0, 12)}…`,
    `${header}.${b64url(`not json ${kebab(r)}`)}.${r.chars(B62, 43)}`,
    header
  ])
}

const masks = [
  '****',
  '********',
  '[REDACTED]',
  '[FILTERED]',
  '<redacted>',
  '***REDACTED***',
  '(hidden)',
  'xxxxxxxxxxxxxxxx',
  '•••••••',
  '[MASKED]',
  '<hidden>',
  '***'
]
const placeholder = (r: Rng): string => {
  const name = r.pick(['DB_PASSWORD', 'API_KEY', 'NPM_TOKEN', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'CLIENT_SECRET', 'SLACK_TOKEN', 'VAULT_TOKEN'])
  const lower = name.toLowerCase()
  const camelName = lower.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
  return r.pick([
    `\${${name}}`,
    `$${name}`,
    `\${${name}:-}`,
    `\${${name}:?must be set}`,
    `\${env:${name}}`,
    `$(${name})`,
    `{{${name}}}`,
    `{{- .Values.${camelName} -}}`,
    `[[ .${camelName} ]]`,
    `var.${lower}`,
    `data.vault_generic_secret.${lower}.data["value"]`,
    `<nil>`,
    `{{ .Values.${camelName} }}`,
    `{{ .Values.auth.${camelName} | quote }}`,
    `{{ secrets.${name} }}`,
    `\${{ secrets.${name} }}`,
    `%(${lower})s`,
    `<${lower.replace(/_/g, '-')}>`,
    `$(cat /run/secrets/${lower})`,
    `#{ENV['${name}']}`,
    `{{ env "${name}" }}`,
    `__${name}__`,
    `@@${name}@@`,
    `%${name}%`,
    `process.env.${name}`,
    `os.environ["${name}"]`
  ])
}

type Maker = (r: Rng) => string

/** Base64 of a value nobody would use (Kubernetes Secret manifests carry values base64-encoded). */
const encodedPlaceholder = (r: Rng): string =>
  Buffer.from(r.pick(['changeme', 'password', 'REPLACE_ME', '<set-in-ci>', 'xxxxxxxx', 'TODO', '${DB_PASSWORD}', 'redacted', 'secret'])).toString('base64')

/** A JSON Web Key Set: public RSA keys and their certificate chains. */
const jwks = (r: Rng): string =>
  JSON.stringify({
    keys: [
      {
        kty: 'RSA',
        use: 'sig',
        alg: 'RS256',
        kid: hex(r, 40),
        n: bytes(r, 256).toString('base64url'),
        e: 'AQAB',
        x5c: [b64(r, 700)],
        x5t: bytes(r, 20).toString('base64url')
      }
    ]
  })

// The kinds of hard negative, each a family of lines. A line holding '\n' is multi-line text.
export const NOISE_KINDS: Record<string, Maker> = {
  'cloud-ids': (r) =>
    r.pick([
      `assumed role arn:aws:iam::${digits(r, 12)}:role/${kebab(r)} session=${kebab(r)}-${digits(r, 10)}`,
      `secret_arn=arn:aws:secretsmanager:eu-west-1:${digits(r, 12)}:secret:prod/${kebab(r)}-${r.chars(B62, 6)}`,
      `"SecretId": "arn:aws:secretsmanager:us-east-1:${digits(r, 12)}:secret:${word(r)}/${word(r)}-${r.chars(B62, 6)}"`,
      `kms key: arn:aws:kms:eu-west-1:${digits(r, 12)}:key/${uuid(r)}`,
      `secretVersion: projects/${digits(r, 12)}/secrets/${kebab(r)}/versions/${1 + r.int(30)}`,
      `keyVaultSecretUri: https://${word(r)}-kv.vault.azure.net/secrets/${kebab(r)}/${hex(r, 32)}`,
      `/subscriptions/${uuid(r)}/resourceGroups/${kebab(r)}/providers/Microsoft.KeyVault/vaults/${word(r)}-kv`,
      `client_id=${uuid(r)} tenant_id=${uuid(r)} subscription_id=${uuid(r)}`,
      `dsn: https://${hex(r, 32)}@o${digits(r, 6)}.ingest.sentry.io/${digits(r, 7)}`,
      `Change-Id: I${hex(r, 40)}`
    ]),
  'public-key': (r) =>
    r.pick([
      jwks(r),
      `[Peer]\nPublicKey = ${b64(r, 32)}\nAllowedIPs = ${ip(r)}/32\nEndpoint = vpn.corp.example:51820`,
      `public_key: ${b64(r, 32)}`,
      `"publicKey":"${b64(r, 91)}"`,
      `age recipient: age1${r.chars('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}`,
      `gpg: key ${hex(r, 16).toUpperCase()}: public key "CI Release <release@acme.example>" imported`
    ]),
  'config-ref': (r) => {
    const p = placeholder(r)
    return r.pick([
      `spring.datasource.password=${p}`,
      `helm upgrade --install ${word(r)} ./chart --set auth.password=${p} --set image.tag=1.${r.int(30)}.${r.int(9)}`,
      `password = var.${snake(r)}_password`,
      `token    = data.vault_generic_secret.${snake(r)}.data["token"]`,
      `  password: "{{ vault_${snake(r)}_password }}"`,
      `  env:\n    NPM_TOKEN: \${{ secrets.NPM_TOKEN }}\n    GH_TOKEN: \${{ github.token }}`,
      `Settings(database_url='postgresql://db:5432/app', password=SecretStr('**********'))`,
      `"password":null,"token":null`,
      `password=None token=None`,
      `--password-file=/run/secrets/${snake(r)}`,
      `--token-file /var/run/secrets/${word(r)}/token`,
      `kubectl get secret ${kebab(r)} -o jsonpath='{.data.password}' | base64 -d`,
      `PGPASSWORD= psql -h db.internal -U app`,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${kebab(r)}\ntype: Opaque\ndata:\n  password: ${encodedPlaceholder(r)}\n  api-key: ${encodedPlaceholder(r)}`,
      `"data":{"password":"${encodedPlaceholder(r)}","token":"${encodedPlaceholder(r)}"}`
    ])
  },
  'versioned-name': (r) =>
    r.pick([
      `secret: ${kebab(r)}-${2020 + r.int(7)}`,
      `token: ${kebab(r)}-v${1 + r.int(5)}-token`,
      `apiKey: ${snake(r)}_key_v${1 + r.int(5)}`,
      `credentials: ${kebab(r)}-credentials-${1 + r.int(9)}`,
      `signing_key: ${word(r)}-signing-key-${2020 + r.int(7)}-${1 + r.int(12)}`,
      `client_secret: ${kebab(r)}/${word(r)}/v${1 + r.int(4)}`
    ]),
  uuid: (r) =>
    r.pick([
      `request_id=${uuid(r)} method=GET path=/api/v1/${word(r)}s status=200 duration_ms=${r.int(900)}`,
      `"correlationId":"${uuid(r)}","tenantId":"${uuid(r)}"`,
      `processing ${word(r)} ${uuid(r)} for account ${uuid(r)}`,
      `X-Request-Id: ${uuid(r)}`,
      `idempotency_key=${uuid(r)} token_type=refresh`,
      `session ${uuid(r)} token refreshed, expires_in=3600`
    ]),
  'git-sha': (r) =>
    r.pick([
      `commit ${hex(r, 40)} (HEAD -> main, origin/main)`,
      `HEAD is now at ${hex(r, 7)} Merge pull request #${r.int(9000)} from acme/${kebab(r)}`,
      `GIT_COMMIT=${hex(r, 40)}`,
      `"revision":"${hex(r, 40)}","branch":"main"`,
      `Updating ${hex(r, 7)}..${hex(r, 7)}`,
      `CI_COMMIT_SHA=${hex(r, 40)}`,
      `GITHUB_SHA: ${hex(r, 40)}`,
      `build ${hex(r, 12)} published`,
      `commit_token=${hex(r, 40)}`
    ]),
  digest: (r) =>
    r.pick([
      `sha256sum: ${hex(r, 64)}  ${word(r)}-linux-amd64.tar.gz`,
      `${hex(r, 40)}  ${word(r)}.zip`,
      `checksum sha512:${hex(r, 128)}`,
      `md5=${hex(r, 32)} size=${r.int(1e7)}`,
      `ETag: "${hex(r, 32)}"`,
      `"sha1":"${hex(r, 40)}","sha256":"${hex(r, 64)}"`,
      `content_hash=${hex(r, 64)}`,
      `cache key: ${word(r)}-${hex(r, 64)}`,
      `secret_hash=${hex(r, 64)}`,
      `key_fingerprint=SHA256:${b64(r, 32).replace(/=+$/, '')}`
    ]),
  'image-digest': (r) =>
    r.pick([
      `image: registry.corp.example/${word(r)}/${word(r)}@sha256:${hex(r, 64)}`,
      `Successfully pulled image "ghcr.io/acme/${word(r)}@sha256:${hex(r, 64)}" in 1.2s`,
      `"imageID":"docker-pullable://nginx@sha256:${hex(r, 64)}"`,
      `digest: sha256:${hex(r, 64)} size: ${r.int(9000)}`,
      `Using docker image sha256:${hex(r, 64)} for ruby:3.3 with digest ruby@sha256:${hex(r, 64)} ...`
    ]),
  'container-id': (r) =>
    r.pick([
      `containerID: containerd://${hex(r, 64)}`,
      `"containerID":"cri-o://${hex(r, 64)}"`,
      `Created container ${hex(r, 64)}`,
      `cgroup /kubepods/burstable/pod${uuid(r)}/${hex(r, 64)}`,
      `docker rm ${hex(r, 12)}`
    ]),
  'npm-integrity': (r) =>
    r.pick([
      `"integrity": "sha512-${b64(r, 64)}"`,
      `"integrity":"sha1-${b64(r, 20)}"`,
      `  resolved "https://registry.npmjs.org/${word(r)}/-/${word(r)}-1.${r.int(20)}.${r.int(9)}.tgz#${hex(r, 40)}"\n  integrity sha512-${b64(r, 64)}`,
      `npm http fetch GET 200 https://registry.npmjs.org/${word(r)} 31ms (cache revalidated) integrity=sha384-${b64(r, 48)}`
    ]),
  'k8s-ids': (r) =>
    r.pick([
      `uid: ${uuid(r)}\nresourceVersion: "${digits(r, 8)}"\ngeneration: ${1 + r.int(40)}`,
      `"metadata":{"name":"${kebab(r)}","namespace":"${r.pick(NAMESPACES)}","uid":"${uuid(r)}","resourceVersion":"${digits(r, 8)}"}`,
      `pod ${r.pick(NAMESPACES)}/${podName(r)} (uid ${uuid(r)}) scheduled on node ip-${ip(r).replace(/\./g, '-')}`,
      `Operation cannot be fulfilled on secrets "${kebab(r)}": the object has been modified; resourceVersion ${digits(r, 8)}`,
      `ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${podName(r)}, uid: ${uuid(r)}}]`
    ]),
  trace: (r) =>
    r.pick([
      `traceparent: 00-${hex(r, 32)}-${hex(r, 16)}-01`,
      `trace_id=${hex(r, 32)} span_id=${hex(r, 16)} level=info msg="token validated"`,
      `"traceId":"${hex(r, 32)}","spanId":"${hex(r, 16)}","parentSpanId":"${hex(r, 16)}"`,
      `X-B3-TraceId: ${hex(r, 32)}`,
      `X-Amzn-Trace-Id: Root=1-${hex(r, 8)}-${hex(r, 24)};Parent=${hex(r, 16)};Sampled=1`,
      `tracestate: congo=${b64(r, 12)},rojo=00f067aa0ba902b7`
    ]),
  'base64-data': (r) => {
    const json = Buffer.from(JSON.stringify({ user: word(r), role: r.pick(['admin', 'viewer', 'editor']), exp: 1_760_000_000 + r.int(1e6) })).toString('base64')
    const text = Buffer.from(
      `${cap(word(r))} ${word(r)} ${word(r)} report generated for ${word(r)} at ${new Date(1_760_000_000_000 + r.int(1e9)).toISOString()}`
    ).toString('base64')
    return r.pick([
      `payload=${json}`,
      `"data":"${text}"`,
      `config.json: ${json}`,
      `cursor=${Buffer.from(JSON.stringify({ offset: r.int(1e5), id: uuid(r) })).toString('base64url')}`,
      `X-Pagination-Token: ${Buffer.from(JSON.stringify({ page: r.int(300) })).toString('base64')}`,
      `ca.crt: ${Buffer.from(pem(r).replace(/-----(BEGIN|END) [A-Z ]+-----/g, '-----$1 CERTIFICATE-----')).toString('base64')}`,
      `state=${b64(r, 24)} nonce=${b64(r, 12)}`
    ])
  },
  identifier: (r) => {
    const s = r.pick(SECRETISH)
    return r.pick([
      `secretName: ${kebab(r)}-${s}`,
      `${r.pick(['tokenSecretRef', 'apiKeySecretName', 'passwordSecretKey', 'existingSecret', 'credentialsSecret'])}: ${kebab(r)}`,
      `"secret": "${camel(r)}"`,
      `token: ${camel(r)}Token`,
      `apiKey: ${pascal(r)}ApiKey`,
      `SECRET_KEY_NAME=${snake(r).toUpperCase()}`,
      `client_secret: ${snake(r)}_client_secret`,
      `credentials: ${kebab(r)}-credentials`,
      `handler=${pascal(r)}Handler.${camel(r)} token=${camel(r)}`,
      `secret_key: ${snake(r)}`,
      `signing_key: ${pascal(r)}SigningKey`,
      `ACCESS_KEY: ${snake(r).toUpperCase()}_ACCESS_KEY`,
      `tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token`,
      `credentials: /etc/${word(r)}/service-account.json`,
      `auth_token=${camel(r, 4)}`
    ])
  },
  'ssh-public-key': (r) =>
    r.pick([
      `${sshKey(r)} ${word(r)}@${word(r)}-ci`,
      `Added key to known_hosts: github.com ${sshEd25519(r)}`,
      `"publicKey":"${sshKey(r)}"`,
      `authorized_keys: ${sshKey(r)} deploy`,
      `ssh_public_key = "${sshRsa(r)}"`
    ]),
  pem: (r) => pem(r),
  masked: (r) => {
    const m = r.pick(masks)
    return r.pick([
      `password: ${m}`,
      `DB_PASSWORD=${m}`,
      `"token":"${m}"`,
      `api_key=${m}`,
      `secret: ${m}`,
      `Authorization: Bearer ${m}`,
      `client_secret=${m}`,
      `AWS_SECRET_ACCESS_KEY=${m}`,
      `--password ${m}`,
      `https://deploy:${m}@git.corp.example/acme/app.git`,
      `token=ghp_${'*'.repeat(8)}${r.chars(B62, 2)} (masked)`,
      `Secret source: Actions, value ${m}`
    ])
  },
  placeholder: (r) => {
    const p = placeholder(r)
    return r.pick([
      `password: ${p}`,
      `DB_PASSWORD=${p}`,
      `"apiKey": "${p}"`,
      `token = ${p}`,
      `--token ${p}`,
      `Authorization: Bearer ${p}`,
      `//registry.npmjs.org/:_authToken=${p}`,
      `postgres://app:${p}@db.internal:5432/orders`,
      `client_secret: ${p}`,
      `X-Api-Key: ${p}`,
      `export AWS_SECRET_ACCESS_KEY=${p}`,
      `  password ${p}`
    ])
  },
  'log-about-secrets': (r) =>
    r.pick([
      `password reset email sent to user ${digits(r, 5)}`,
      `token expired for session ${uuid(r)}`,
      `refresh token rotated for client ${camel(r)}`,
      `invalid password for user ${word(r)}${digits(r, 3)} (attempt ${1 + r.int(5)} of 5)`,
      `secretName: db-creds`,
      `Secret ${r.pick(NAMESPACES)}/${kebab(r)}-${r.pick(SECRETISH)} updated, rolling restart of deployment/${kebab(r)}`,
      `secret/${kebab(r)} created`,
      `Error from server (Forbidden): secrets "${kebab(r)}" is forbidden: User "system:serviceaccount:ci:deployer" cannot get resource "secrets" in API group "" in the namespace "${r.pick(NAMESPACES)}"`,
      `- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: ${kebab(r)}\n      key: password`,
      `envFrom: [{secretRef: {name: ${kebab(r)}-env}}]`,
      `auth:\n  username: ${word(r)}\n  password: ""\n  existingSecret: ${kebab(r)}\n  secretKeys:\n    adminPasswordKey: postgres-password`,
      `redis:\n  auth:\n    enabled: true\n    password: ''`,
      `vault kv get -field=password secret/data/${word(r)}/${word(r)}`,
      `Reading secret from path=kv/data/ci/${kebab(r)} version=${1 + r.int(9)}`,
      `vault: token lookup ok ttl=768h policies=[default ${word(r)}]`,
      `lease_id=database/creds/${word(r)}/${uuid(r)} lease_duration=3600`,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${kebab(r)}\ntype: Opaque\nstringData:\n  API_KEY: "<set-in-ci>"\n  DB_PASSWORD: "\${DB_PASSWORD}"`,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${kebab(r)}\ndata:\n  password: ""\n  token: ""`,
      `Authorization: Bearer <redacted>`,
      `authorization header missing or malformed: expected "Bearer <token>"`,
      `WWW-Authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:${word(r)}/${word(r)}:pull"`,
      `WARNING! Your password will be stored unencrypted in /root/.docker/config.json.`,
      `echo "$REGISTRY_PASSWORD" | docker login -u ci --password-stdin registry.corp.example`,
      `Login Succeeded`,
      `::add-mask::***`,
      `GITHUB_TOKEN Permissions\n  Contents: read\n  Metadata: read\n  Packages: write`,
      `Secret source: Actions`,
      `at com.acme.${word(r)}.TokenService.refresh(TokenService.java:${r.int(400)})`,
      `Config{Host:"db", Port:5432, User:"app", Password:"", SSLMode:"require"}`,
      `password_policy: min_length=12 require_symbols=true`,
      `api key created for project ${kebab(r)} (id ${digits(r, 6)}), shown once`,
      `rotating credentials for ${kebab(r)}: old key disabled, new key stored in secret manager`,
      `The provided token has expired. Please run 'aws sso login' to refresh.`,
      `set secret_key_base from SECRET_KEY_BASE_FILE=/run/secrets/secret_key_base`,
      `token_url=https://auth.example.com/oauth/token client_id=${kebab(r)}`,
      `keyring: unlocked with passphrase from agent`,
      `using credentials from ~/.aws/credentials profile=${word(r)}`,
      `tls: private key does not match public key`,
      `openssl genrsa -out /tmp/${word(r)}.key 2048`,
      `password_hash_algorithm=bcrypt cost=${r.pick(['10', '12', '14'])}`,
      `Masked secrets: ***, *** and ***`
    ]),
  jwt: (r) =>
    r.pick([
      `token: ${notAJwt(r)}`,
      `Authorization: Bearer ${notAJwt(r)}`,
      `jwt parse error: token contains an invalid number of segments: ${notAJwt(r)}`,
      `"id_token_hint":"${notAJwt(r)}"`
    ]),
  'url-no-credentials': (r) =>
    r.pick([
      `GET https://api.github.com/repos/acme/${kebab(r)}/actions/runs?per_page=100 200`,
      `postgres://db.internal:5432/${word(r)}?sslmode=require`,
      `connecting to redis://redis-master.${r.pick(NAMESPACES)}.svc.cluster.local:6379/0`,
      `amqp://rabbitmq.${r.pick(NAMESPACES)}:5672/%2F`,
      `mongodb+srv://cluster0.${r.chars('abcdefghijklmnopqrstuvwxyz0123456789', 5)}.mongodb.net/?retryWrites=true&w=majority`,
      `git clone https://git.corp.example/${word(r)}/${kebab(r)}.git`,
      `git@github.com:acme/${kebab(r)}.git`,
      `ssh://git@gitlab.corp.example:2222/${word(r)}/${kebab(r)}.git`,
      `https://user@git.corp.example/${word(r)}.git`,
      `https://docs.example.com:443/guides/auth@v2/tokens`,
      `redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&response_type=code&scope=openid`,
      `s3://${kebab(r)}/backups/${digits(r, 8)}.tar.gz`,
      `jdbc:postgresql://db.internal:5432/${word(r)}?user=${word(r)}&ssl=true`,
      `http://[::1]:8080/healthz`,
      `https://${word(r)}.example.com/reset-password?token=&email=${word(r)}%40example.com`,
      `proxy=http://proxy.corp:3128 no_proxy=.svc,.cluster.local`
    ])
}

export type NoiseShape = 'plain' | 'json' | 'cri' | 'audit' | 'github-actions' | 'gitlab'
// Weights: pod logs (plain, JSON, CRI) dominate, audit events are few but long.
const SHAPE_WEIGHTS: ReadonlyArray<[NoiseShape, number]> = [
  ['plain', 26],
  ['json', 26],
  ['cri', 26],
  ['audit', 6],
  ['github-actions', 10],
  ['gitlab', 6]
]

function wrap(shape: NoiseShape, text: string): string[] {
  switch (shape) {
    case 'plain':
      return text.split('\n')
    case 'json':
      return [jsonLogLine(text)]
    case 'cri':
      return text.split('\n').map((l) => criLine(l))
    case 'audit':
      return [auditEventLine(text)]
    case 'github-actions':
      return text.split('\n').map(githubLine)
    case 'gitlab':
      return gitlabLines(text.split('\n'))
  }
}

export interface NoiseRecord {
  kind: string
  shape: NoiseShape
  /** Physical lines: several for multi-line text in line-oriented shapes. */
  lines: string[]
}

/** Records until at least `n` physical lines; every kind appears in every shape once `n` is a few thousand. */
export function noiseRecords(n: number, seed = 1): NoiseRecord[] {
  const r = createRng(seed)
  const kinds = Object.entries(NOISE_KINDS)
  const total = SHAPE_WEIGHTS.reduce((a, [, w]) => a + w, 0)
  const out: NoiseRecord[] = []
  let count = 0
  for (let i = 0; count < n; i++) {
    // Kinds in turn, shapes by weight: every kind meets every shape.
    const [kind, make] = kinds[i % kinds.length] as [string, Maker]
    let x = r.int(total)
    let shape: NoiseShape = 'plain'
    for (const [s, w] of SHAPE_WEIGHTS) {
      if (x < w) {
        shape = s
        break
      }
      x -= w
    }
    const lines = wrap(shape, make(r))
    out.push({ kind, shape, lines })
    count += lines.length
  }
  return out
}

/** `n` lines of hard negatives, reproducible from `seed` (the last multi-line record may be cut short). */
export function noiseLines(n: number, seed = 1): string[] {
  return noiseRecords(n, seed)
    .flatMap((rec) => rec.lines)
    .slice(0, n)
}
