// What the known-secrets tests share, whichever source fills the index (a
// file, Vault, the Kubernetes API): a chunk of log lines to scan, an index
// with its detector, and the ways issue 4 says a value leaks into a log.

import { createKnownSecretDetector, previewOf } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import type { LogChunk } from '../../pipeline/events.ts'

/** `lines` as one chunk of an application pod's log. */
export function chunkOf(...lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'k8s/app/api/api',
    source: { type: 'k8s' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date().toISOString()
  }
}

/** An empty index, and `scan` for the findings its detector makes on some log lines. */
export function knownSecretScanner(fingerprint: (b: Uint8Array) => string) {
  const index = createKnownSecretIndex({ fingerprint, preview: previewOf })
  const detector = createKnownSecretDetector({ index, maxContextChars: 300 })
  const scan = (...lines: string[]) => detector.detect(chunkOf(...lines))
  return { index, scan }
}

/** The ways a value leaks that issue 4 names, each as a log line. */
export function leaks(value: string): Record<string, string> {
  return {
    raw: `login ok user=app password=${value}`,
    base64: `data: {"password": "${Buffer.from(value).toString('base64')}"}`,
    urlEncoded: `GET /login?user=app&pass=${encodeURIComponent(value)} 200`,
    jsonEscaped: JSON.stringify({ level: 'debug', config: JSON.stringify({ password: value }) }),
    url: `connecting to postgres://app:${encodeURIComponent(value)}@db.prod:5432/app?sslmode=require`
  }
}
