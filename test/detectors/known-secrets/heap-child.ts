// Run by heap.test.ts in its own process: builds the known-secret index from
// the real kube-apiserver (KUBECONFIG_PATH, the namespaces in KUBE_NAMESPACES),
// a real Vault (VAULT_URL, VAULT_TOKEN, the KV v2 mount VAULT_MOUNT) and a file, writes a heap
// snapshot, and only then reads the leak lines to prove the index works. The
// parent searches the snapshot for every value: this process must hold none.

import { readFileSync } from 'node:fs'
import { writeHeapSnapshot } from 'node:v8'
import { KubeConfig } from '@kubernetes/client-node'
import { createKnownSecretDetector, previewOf } from '../../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../../detectors/known-secrets/index.ts'
import { createFileSource } from '../../../detectors/known-secrets/source-file.ts'
import { createKubernetesSource } from '../../../detectors/known-secrets/source-kubernetes.ts'
import { createVaultSource } from '../../../detectors/known-secrets/source-vault.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import { createLogger } from '../../../pipeline/log.ts'

const env = process.env
const fingerprinter = createFingerprinter(undefined)
const logger = createLogger({ level: 'warn', destination: process.stderr })
const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
const kc = new KubeConfig()
kc.loadFromFile(env.KUBECONFIG_PATH ?? '')
const sources = [
  createKubernetesSource(
    {
      namespaces: (env.KUBE_NAMESPACES ?? '').split(',').filter(Boolean),
      excludeNamespaces: [],
      excludeLabels: [],
      excludeTypes: [],
      excludeKeys: [],
      maxRetryDelayMs: 1000
    },
    { kubeConfig: kc, index, logger }
  ),
  createVaultSource(
    {
      address: env.VAULT_URL ?? '',
      mount: env.VAULT_MOUNT ?? '',
      paths: ['apps/'],
      auth: { method: 'token', token: env.VAULT_TOKEN ?? '' },
      refreshIntervalMs: 60_000,
      timeoutMs: 5000
    },
    { index, logger }
  ),
  createFileSource({ path: env.VALUES_FILE ?? '', pollIntervalMs: 60_000 }, { index, logger })
]
for (const s of sources) s.start()
const synced = await Promise.all(sources.map(async (s) => await s.synced(10_000)))
// A canary the parent must find, so an empty search cannot pass for a clean heap.
;(globalThis as { canary?: string }).canary = (env.CANARY ?? '').split('').reverse().join('')
const snapshot = writeHeapSnapshot(env.SNAPSHOT_PATH)
// Now, and only now, the leak lines: each holds one value, the index must find them all.
const lines = readFileSync(env.LINES_FILE ?? '', 'utf8')
  .split('\n')
  .filter(Boolean)
const detector = createKnownSecretDetector({ index, maxContextChars: 200 })
const found = new Set(
  detector
    .detect({ v: '1', type: 'log-chunk', stream: 'x', source: { type: 'file' }, startLine: 1, offset: { start: 0, end: 0 }, lines, collectedAt: '' })
    .map((f) => f.location.line)
)
process.stdout.write(JSON.stringify({ synced, snapshot, stats: index.stats(), lines: lines.length, found: found.size }))
for (const s of sources) await s.stop()
