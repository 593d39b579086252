// The manifests and the Helm chart against the real API server: `kubectl apply
// --dry-run=server` runs admission, defaulting and schema validation (what
// `helm template` and a YAML parser cannot), and the service accounts can do
// exactly what each role needs, shown with `kubectl auth can-i` — a grant that
// widens fails here as surely as one that is missing.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import type { KubeCluster } from '../harness/kube.ts'
import { ensureServerBinaries, getKube } from '../harness/kube.ts'

const root = resolve(import.meta.dirname, '../..')
const scratch = mkdtempSync(join(tmpdir(), 'lw-deploy-cluster-'))
let kube: KubeCluster
let kubectlBin: string

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

async function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return await run(kubectlBin, ['--kubeconfig', kube.kubeconfigPath, ...args], input)
}

function helmBinary(): string {
  return process.env.HELM ?? join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin', 'helm')
}

before(async () => {
  kube = await getKube()
  kubectlBin = (await ensureServerBinaries(['kubectl'])).kubectl as string
  // The namespace exists for real: a dry-run of the namespaced objects is checked against it.
  const ns = await kubectl(['apply', '-f', join(root, 'deploy/kubernetes/namespace.yaml')])
  assert.equal(ns.code, 0, ns.stderr)
})

after(async () => {
  rmSync(scratch, { recursive: true, force: true })
  if (kube?.external === true) await kubectl(['delete', 'namespace', 'leakwatch', '--wait=false'])
})

test('every manifest in deploy/kubernetes passes kubectl apply --dry-run=server', async () => {
  const files = [
    // The audit policy is the API server's file, not an object: audit-collector.test.ts starts kube-apiserver with it.
    ...readdirSync(join(root, 'deploy/kubernetes')).filter((f) => f.endsWith('.yaml') && f !== 'audit-policy.yaml'),
    ...readdirSync(join(root, 'deploy/kubernetes/optional')).map((f) => `optional/${f}`)
  ]
  assert.ok(files.length >= 6)
  for (const f of files) {
    const r = await kubectl(['apply', '--dry-run=server', '-f', join(root, 'deploy/kubernetes', f)])
    assert.equal(r.code, 0, `${f}: ${r.stderr}`)
    assert.match(r.stdout, /\(server dry run\)/, f)
  }
})

/** Every network-facing collector of the chart on, each option that adds an object set. */
const NETWORK_COLLECTORS: Record<string, unknown> = {
  // A fixed address of the test API server's service range (--service-cluster-ip-range=10.0.0.0/24), in
  // its static band (the first 16 addresses, KEP-3070): Services given no address are allocated from above
  // it, so none takes this one first. 10.0.0.50 was in the dynamic band, and a Service another test made
  // there failed this one with "provided IP is already allocated" (CI rehearsal of session 15).
  auditWebhook: { enabled: true, clusterIP: '10.0.0.10', networkPolicy: { from: [{ ipBlock: { cidr: '192.0.2.0/24' } }] } },
  ciCollector: {
    enabled: true,
    gitlab: { enabled: true, url: 'https://gitlab.example.test' },
    ingest: { enabled: true },
    github: { enabled: true, appId: '12345' },
    networkPolicy: { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
    ingress: { enabled: true, className: 'nginx', host: 'hooks.example.test', tlsSecret: 'leakwatch-hooks-tls' }
  }
}

test('the Helm chart, with default values and with its options set, passes kubectl apply --dry-run=server', async () => {
  const variants: Record<string, Record<string, unknown>> = {
    default: {},
    options: {
      collector: { dockerContainersPath: '/var/lib/docker/containers', excludeNamespaces: ['kube-system'] },
      responder: { slack: { existingSecret: 'lw-slack', defaultChannel: 'C0LEAKS' }, webhook: { existingSecret: 'lw-webhook' } }
    },
    // The network-facing collectors: Deployments, Services, PodDisruptionBudgets, NetworkPolicies and the hooks' Ingress.
    collectors: NETWORK_COLLECTORS
  }
  for (const [name, values] of Object.entries(variants)) {
    const file = join(scratch, `${name}.yaml`)
    writeFileSync(file, JSON.stringify(values))
    const rendered = await run(helmBinary(), ['template', 'lw', join(root, 'deploy/helm/leakwatch'), '--namespace', 'leakwatch', '--values', file])
    assert.equal(rendered.code, 0, rendered.stderr)
    const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], rendered.stdout)
    assert.equal(r.code, 0, `${name}: ${r.stderr}`)
  }
})

/** What `kubectl auth can-i --list` says a service account may do, as `verb resource` lines (cluster scope and in a namespace). */
async function canI(sa: string, namespace: string, checks: Array<[string, string]>): Promise<string[]> {
  const allowed: string[] = []
  for (const [verb, resource] of checks) {
    const r = await kubectl(['auth', 'can-i', verb, resource, '-n', namespace, `--as=system:serviceaccount:leakwatch:${sa}`])
    if (r.stdout.trim() === 'yes') allowed.push(`${verb} ${resource}`)
  }
  return allowed
}

const CHECKS: Array<[string, string]> = [
  ['get', 'pods'],
  ['list', 'pods'],
  ['watch', 'pods'],
  ['get', 'namespaces'],
  ['list', 'namespaces'],
  ['get', 'secrets'],
  ['list', 'secrets'],
  ['watch', 'secrets'],
  ['create', 'secrets'],
  ['patch', 'secrets'],
  ['delete', 'secrets'],
  ['patch', 'deployments.apps'],
  ['create', 'pods'],
  ['create', 'pods/exec'],
  ['get', 'configmaps'],
  ['create', 'serviceaccounts/token'],
  ['*', '*']
]

test('each service account can do what its role needs and nothing more (kubectl auth can-i, applied for real)', async () => {
  for (const f of ['rbac.yaml', 'optional/known-secrets-rbac.yaml']) {
    const r = await kubectl(['apply', '-f', join(root, 'deploy/kubernetes', f)])
    assert.equal(r.code, 0, `${f}: ${r.stderr}`)
  }
  // The node agent reads pod metadata for the pods on its node and namespaces' labels; nothing else.
  for (const ns of ['default', 'kube-system', 'leakwatch'])
    assert.deepEqual(await canI('leakwatch-agent', ns, CHECKS), ['get pods', 'list pods', 'watch pods', 'get namespaces', 'list namespaces'], `agent in ${ns}`)
  // The detector with the optional known-secrets source reads Secrets, and cannot change them.
  assert.deepEqual(await canI('leakwatch-detector', 'default', CHECKS), ['get secrets', 'list secrets', 'watch secrets'])
  // The detector and responder Deployments' account has no Kubernetes API rights at all (no token is mounted).
  assert.deepEqual(await canI('leakwatch', 'default', CHECKS), [])
})

test('the CI collectors run under their own account, which can do nothing (manifest and chart, applied for real)', async () => {
  for (const f of ['rbac.yaml', 'optional/known-secrets-rbac.yaml', 'optional/ci-collectors.yaml']) {
    const r = await kubectl(['apply', '-f', join(root, 'deploy/kubernetes', f)])
    assert.equal(r.code, 0, `${f}: ${r.stderr}`)
  }
  const file = join(scratch, 'ci.yaml')
  writeFileSync(file, JSON.stringify(NETWORK_COLLECTORS))
  const rendered = await run(helmBinary(), ['template', 'lwc', join(root, 'deploy/helm/leakwatch'), '--namespace', 'leakwatch', '--values', file])
  assert.equal(rendered.code, 0, rendered.stderr)
  assert.match(rendered.stdout, /serviceAccountName: lwc-leakwatch-ci\n\s+automountServiceAccountToken: false/)
  const applied = await kubectl(['apply', '-f', '-'], rendered.stdout)
  assert.equal(applied.code, 0, applied.stderr)
  // The account exists (a missing one would answer no to everything too) and mounts no token.
  for (const sa of ['leakwatch-ci', 'lwc-leakwatch-ci']) {
    const got = await kubectl(['get', 'serviceaccount', sa, '-n', 'leakwatch', '-o', 'jsonpath={.automountServiceAccountToken}'])
    assert.equal(got.stdout, 'false', `${sa}: ${got.stderr}`)
  }
  const deployment = await kubectl([
    'get',
    'deployment',
    'leakwatch-ci-collector',
    '-n',
    'leakwatch',
    '-o',
    'jsonpath={.spec.template.spec.automountServiceAccountToken}'
  ])
  assert.equal(deployment.stdout, 'false', deployment.stderr)
  for (const sa of ['leakwatch-ci', 'lwc-leakwatch-ci']) {
    assert.deepEqual(await canISub(sa, 'default', [...CHECKS, ...ROTATION_CHECKS]), [], sa)
    // Beyond the table: every rule the account has is one every authenticated account has (self reviews, discovery).
    for (const ns of ['default', 'leakwatch']) assert.deepEqual(await canIList(sa, ns), await canIList('leakwatch', ns), `${sa} in ${ns}`)
  }
  // The audit webhook keeps the release's account without grants.
  assert.deepEqual(await canISub('lwc-leakwatch', 'default', CHECKS), [])
})

/**
 * canI, with `resource/subresource` asked as kubectl wants it (`--subresource`): `deployments.apps/scale` alone would be read
 * as deployments. Four kubectl processes at a time: each is a short, separate authorization check.
 */
async function canISub(sa: string, namespace: string, checks: Array<[string, string]>): Promise<string[]> {
  const answers: boolean[] = []
  for (let i = 0; i < checks.length; i += 4) {
    const batch = checks.slice(i, i + 4).map(async ([verb, resource]) => {
      const [res = resource, sub] = resource.split('/')
      const r = await kubectl([
        'auth',
        'can-i',
        verb,
        res,
        ...(sub === undefined ? [] : [`--subresource=${sub}`]),
        '-n',
        namespace,
        `--as=system:serviceaccount:leakwatch:${sa}`
      ])
      return r.stdout.trim() === 'yes'
    })
    answers.push(...(await Promise.all(batch)))
  }
  return checks.filter((_, i) => answers[i]).map(([verb, resource]) => `${verb} ${resource}`)
}

/** `kubectl auth can-i --list` of a service account: every rule it has in namespace, as kubectl prints them. */
async function canIList(sa: string, namespace: string): Promise<string> {
  const r = await kubectl(['auth', 'can-i', '--list', '-n', namespace, `--as=system:serviceaccount:leakwatch:${sa}`])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /selfsubjectaccessreviews/, 'the list names at least the rules every account has')
  return r.stdout
}

// Every verb the rotation could be tempted to use on what it touches, and the usual escalations.
const ROTATION_CHECKS: Array<[string, string]> = [
  ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((v): [string, string] => [v, 'secrets']),
  ...['deployments.apps', 'statefulsets.apps', 'daemonsets.apps'].flatMap((r) =>
    ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((v): [string, string] => [v, r])
  ),
  ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((v): [string, string] => [v, 'externalsecrets.external-secrets.io']),
  ['patch', 'deployments.apps/scale'],
  ['patch', 'externalsecrets.external-secrets.io/status'],
  ['get', 'pods'],
  ['list', 'pods'],
  ['watch', 'pods'],
  ['create', 'pods'],
  ['create', 'pods/exec'],
  ['get', 'namespaces'],
  ['list', 'namespaces'],
  ['get', 'configmaps'],
  ['patch', 'configmaps'],
  ['create', 'serviceaccounts/token'],
  ['*', '*']
]

test('the optional Kubernetes rotation RBAC gives the responder exactly the calls rotation makes, and nobody else anything', async () => {
  for (const f of ['rbac.yaml', 'optional/known-secrets-rbac.yaml', 'optional/kubernetes-rotation-rbac.yaml']) {
    const r = await kubectl(['apply', '-f', join(root, 'deploy/kubernetes', f)])
    assert.equal(r.code, 0, `${f}: ${r.stderr}`)
  }
  // kubectl resolves externalsecrets.external-secrets.io through discovery: without the CRD it would answer no for any grant.
  const crd = await kubectl(['apply', '--server-side', '-f', join(root, 'test/fixtures/crds/external-secrets.io_externalsecrets.yaml')])
  assert.equal(crd.code, 0, crd.stderr)
  // `kubectl wait` fails outright while the CRD has no status.conditions yet (seen on a loaded machine): poll the condition itself.
  const deadline = Date.now() + 60_000
  for (;;) {
    const got = await kubectl(['get', 'crd/externalsecrets.external-secrets.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'])
    if (got.stdout === 'True') break
    assert.ok(Date.now() < deadline, `the ExternalSecret CRD is not Established after 60 s: ${got.stdout} ${got.stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  // responders/kubernetes.ts: get + patch the Secret an incident names, list + patch workloads, patch the ExternalSecret.
  for (const ns of ['default', 'leakwatch'])
    assert.deepEqual(
      await canISub('leakwatch-responder', ns, ROTATION_CHECKS),
      [
        'get secrets',
        'patch secrets',
        'list deployments.apps',
        'patch deployments.apps',
        'list statefulsets.apps',
        'patch statefulsets.apps',
        'list daemonsets.apps',
        'patch daemonsets.apps',
        'patch externalsecrets.external-secrets.io'
      ],
      `responder in ${ns}`
    )
  // Applying it widens no other account.
  assert.deepEqual(await canISub('leakwatch-agent', 'default', ROTATION_CHECKS), ['get pods', 'list pods', 'watch pods', 'get namespaces', 'list namespaces'])
  assert.deepEqual(await canISub('leakwatch-detector', 'default', ROTATION_CHECKS), ['get secrets', 'list secrets', 'watch secrets'])
  assert.deepEqual(await canISub('leakwatch', 'default', [...CHECKS, ...ROTATION_CHECKS]), [])
})

test('the Helm chart with responder.kubernetesRotation.enabled gives its responder account the same grants as the optional manifest', async () => {
  const file = join(scratch, 'rotation.yaml')
  writeFileSync(file, JSON.stringify({ responder: { kubernetesRotation: { enabled: true } } }))
  const rendered = await run(helmBinary(), ['template', 'lwr', join(root, 'deploy/helm/leakwatch'), '--namespace', 'leakwatch', '--values', file])
  assert.equal(rendered.code, 0, rendered.stderr)
  assert.match(rendered.stdout, /serviceAccountName: lwr-leakwatch-responder\n\s+automountServiceAccountToken: true/)
  const r = await kubectl(['apply', '-f', '-'], rendered.stdout)
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(await canISub('lwr-leakwatch-responder', 'default', ROTATION_CHECKS), [
    'get secrets',
    'patch secrets',
    'list deployments.apps',
    'patch deployments.apps',
    'list statefulsets.apps',
    'patch statefulsets.apps',
    'list daemonsets.apps',
    'patch daemonsets.apps',
    'patch externalsecrets.external-secrets.io'
  ])
  // The detector keeps the release's shared account, which mounts no token and has no grant.
  assert.deepEqual(await canISub('lwr-leakwatch', 'default', ROTATION_CHECKS), [])
})
