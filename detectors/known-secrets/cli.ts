// `leakwatch scan|mask --known-secrets FILE`: the same index and forms as the
// detector role, filled once from a file of values (or a directory with one
// value per file), so anyone can check logs against their own list.

import RE2 from 're2'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import type { DetectorLimit, LimitAt, SecretDetector, SecretSpan } from '../secrets.ts'
import { createKnownSecretDetector, foldIntoKnownSecrets, previewOf, withKnownSecrets } from './detector.ts'
import { createKnownSecretIndex } from './index.ts'
import { loadKnownSecretsFile } from './source-file.ts'

/**
 * Wraps the engine's detect with the known secrets of `file`: one finding
 * per leaked value, as in the detector stage. Fingerprints match the
 * engine's when `fingerprintKey` is the one the engine uses (with no key, both
 * are random per run and only spans tell the two apart).
 */
export async function withKnownSecretsFile(
  file: string,
  secrets: SecretDetector,
  setup: {
    fingerprintKey: string | undefined
    maxContextChars: number
    allow: { streams: string[] }
    fingerprints?: ReadonlySet<string> | undefined
    onLimit?: ((limit: DetectorLimit, at: LimitAt) => void) | undefined
  }
): Promise<{ detect: (c: LogChunk, spans?: (s: SecretSpan) => void) => Finding[]; indexed: number }> {
  const fingerprinter = createFingerprinter(setup.fingerprintKey)
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  let loaded: Awaited<ReturnType<typeof loadKnownSecretsFile>>
  try {
    loaded = await loadKnownSecretsFile(file, index)
  } catch (err) {
    // A path named on the command line: a usage error like any other unreadable input of `scan` (exit 2).
    throw new LeakwatchError('LW_ERR_SCAN_INPUT', `cannot read --known-secrets ${file} (${(err as Error).message})`, { cause: err })
  }
  const known = createKnownSecretDetector({
    index,
    maxContextChars: setup.maxContextChars,
    allowStreams: setup.allow.streams.map((p) => new RE2(p, '')),
    ...(setup.fingerprints === undefined ? {} : { fingerprints: setup.fingerprints }),
    ...(setup.onLimit === undefined ? {} : { onLimit: setup.onLimit })
  })
  const both = withKnownSecrets(secrets, known)
  // The engine's spans passed on: mask masks every reading the rules saw.
  return { detect: (c, spans) => foldIntoKnownSecrets(both.detect(c, spans)), indexed: loaded.indexed }
}
