// The known-secret detector as configured: one index, the sources that feed
// it, and their metrics. Each detector replica builds its own index from the
// sources; there is no shared plaintext store to read it from.

import { KubeConfig } from '@kubernetes/client-node'
import RE2 from 're2'
import type { KnownSecretsConfig } from '../detectors/known-secrets/config.ts'
import { createKnownSecretDetector, previewOf } from '../detectors/known-secrets/detector.ts'
import type { KnownSecretIndex } from '../detectors/known-secrets/index.ts'
import { createKnownSecretIndex } from '../detectors/known-secrets/index.ts'
import { createFileSource } from '../detectors/known-secrets/source-file.ts'
import type { KnownSecretSource } from '../detectors/known-secrets/source-kubernetes.ts'
import { createKubernetesSource } from '../detectors/known-secrets/source-kubernetes.ts'
import { createVaultSource } from '../detectors/known-secrets/source-vault.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'

export interface KnownSecrets {
  index: KnownSecretIndex
  detector: ReturnType<typeof createKnownSecretDetector>
  /** Starts the sources and waits (at most `syncTimeoutMs`) for their first complete read. */
  start: () => Promise<void>
  stop: () => Promise<void>
}

export function createKnownSecrets(
  config: KnownSecretsConfig,
  deps: {
    fingerprinter: Fingerprinter
    metrics: Metrics
    logger: Logger
    maxContextChars: number
    /** `detector.maxFindingsPerLine`: known-secret findings per line; past it counted in leakwatch_detector_limits_total. */
    maxFindingsPerLine?: number
    /** `detector.allow.streams`: RE2 patterns on stream ids not scanned. */
    allowStreams?: readonly string[]
    fetch?: typeof fetch
  }
): KnownSecrets | undefined {
  const sourcesOn = config.kubernetes.enabled || config.vault.enabled || config.file.enabled
  if (!sourcesOn) return undefined
  const log = deps.logger.child({ component: 'known-secrets' })
  const ofBytes = deps.fingerprinter.ofBytes
  if (ofBytes === undefined) throw new TypeError('the known-secret index needs a fingerprinter with ofBytes (createFingerprinter)')
  const index = createKnownSecretIndex({
    minLength: config.minLengthChars,
    maxValueBytes: config.maxValueBytes,
    common: config.ignoreValues,
    fingerprint: ofBytes,
    preview: previewOf
  })
  const m = deps.metrics
  const skip = (source: string) => (reason: string) => m.knownSecretsSkipped.inc({ source, reason })
  const up = (source: string) => (state: string) => m.knownSecretsSourceUp.set(state === 'synced' ? 1 : 0, { source })
  const sources: KnownSecretSource[] = []

  if (config.kubernetes.enabled) {
    const kc = new KubeConfig()
    try {
      if (config.kubernetes.kubeconfigPath === undefined) kc.loadFromDefault()
      else kc.loadFromFile(config.kubernetes.kubeconfigPath)
    } catch (err) {
      throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'cannot load Kubernetes client configuration (detector.knownSecrets.kubernetes.kubeconfigPath)', {
        cause: err
      })
    }
    m.knownSecretsSourceUp.set(0, { source: 'kubernetes' })
    sources.push(
      createKubernetesSource(
        { ...config.kubernetes, maxRetryDelayMs: 30_000 },
        { kubeConfig: kc, index, logger: log, onSkip: skip('kubernetes'), onState: up('kubernetes') }
      )
    )
  }
  if (config.vault.enabled) {
    const v = config.vault
    if (v.authMethod === 'token' && v.token === undefined)
      throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'detector.knownSecrets.vault.token is required when authMethod is token')
    m.knownSecretsSourceUp.set(0, { source: 'vault' })
    sources.push(
      createVaultSource(
        {
          address: v.address,
          mount: v.mount,
          paths: v.paths,
          staticRoles: v.staticRoles,
          auth:
            v.authMethod === 'token'
              ? { method: 'token', token: v.token ?? '' }
              : { method: 'kubernetes', role: v.role, authMount: v.authMount, jwtPath: v.jwtPath },
          ...(v.namespace === undefined || v.namespace === '' ? {} : { namespace: v.namespace }),
          refreshIntervalMs: v.refreshIntervalMs,
          timeoutMs: v.timeoutMs
        },
        { index, logger: log, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }), onSkip: skip('vault'), onState: up('vault') }
      )
    )
  }
  if (config.file.enabled) {
    m.knownSecretsSourceUp.set(0, { source: 'file' })
    sources.push(
      createFileSource(
        { path: config.file.path, pollIntervalMs: config.file.pollIntervalMs },
        { index, logger: log, onSkip: skip('file'), onState: up('file') }
      )
    )
  }

  // The per-source gauge is a count over the origins: refreshed on a timer, not on the hot path.
  const gauge = (): void => {
    for (const source of ['kubernetes', 'vault', 'file']) m.knownSecretsIndexed.set(index.keys(`${source}/`).length, { source })
  }
  let timer: NodeJS.Timeout | undefined

  return {
    index,
    detector: createKnownSecretDetector({
      index,
      maxContextChars: deps.maxContextChars,
      ...(deps.maxFindingsPerLine === undefined ? {} : { maxFindingsPerLine: deps.maxFindingsPerLine }),
      onLimit: (limit) => m.detectorLimits.inc({ limit }),
      ...(deps.allowStreams === undefined ? {} : { allowStreams: deps.allowStreams.map((p) => new RE2(p, '')) })
    }),
    async start() {
      for (const s of sources) s.start()
      const ok = await Promise.all(sources.map(async (s) => await s.synced(config.syncTimeoutMs)))
      gauge()
      timer = setInterval(gauge, 5000)
      timer.unref()
      const stats = index.stats()
      if (ok.every(Boolean)) log.info({ values: stats.values, forms: stats.forms, indexBytes: stats.bytes }, 'known-secret index ready')
      else log.warn({ values: stats.values }, 'a known-secret source is not read yet; starting anyway, the index fills in as it arrives')
    },
    async stop() {
      clearInterval(timer)
      await Promise.all(sources.map(async (s) => await s.stop()))
    }
  }
}
