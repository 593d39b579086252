// A file of known values, for secrets that live outside Kubernetes and Vault:
// one value per line (`#` comments and blank lines ignored), or a directory
// with one value per file, the layout of a Secret mounted as a volume (its
// `..data` links and other dot-entries skipped). Read as bytes and indexed
// without a JS string of any value; the read buffer is zeroed afterwards.
// Reloaded when its size, mtime or inode changes (polled: inotify misses the
// symlink swap kubelet does when a mounted Secret is updated).

import type { Stats } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { Logger } from '../../pipeline/log.ts'
import type { KnownSecretIndex } from './index.ts'
import type { SkipReason } from './skip.ts'
import type { KnownSecretSource } from './source-kubernetes.ts'
import type { SourceState } from './source-state.ts'
import { createPoller, createSyncState } from './source-state.ts'

export interface FileLoadResult {
  indexed: number
  skipped: Partial<Record<SkipReason, number>>
}

/** Indexes the values of `path` (file or directory), forgetting those of a previous load that are gone. */
export async function loadKnownSecretsFile(path: string, index: KnownSecretIndex, onSkip?: (r: SkipReason) => void): Promise<FileLoadResult> {
  const result: FileLoadResult = { indexed: 0, skipped: {} }
  const seen = new Set<string>()
  const name = basename(path)
  const put = (origin: string, bytes: Uint8Array): void => {
    // A copy per value: the index zeroes what it is given, the file buffer is zeroed by the caller.
    const r = index.set({ source: 'file', name: origin }, Uint8Array.prototype.slice.call(bytes))
    seen.add(`file/${origin}`)
    if (r === 'indexed') result.indexed++
    else {
      result.skipped[r] = (result.skipped[r] ?? 0) + 1
      onSkip?.(r)
    }
  }
  let info: Stats
  try {
    info = await stat(path)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_KNOWN_SECRETS_SOURCE', `cannot read the known-secrets file ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (info.isDirectory()) {
    for (const entry of (await readdir(path)).sort()) {
      if (entry.startsWith('.')) continue
      const full = join(path, entry)
      if (!(await stat(full)).isFile()) continue
      const buf = await readFile(full)
      put(`${name}/${entry}`, buf)
      buf.fill(0)
    }
  } else {
    const buf = await readFile(path)
    let line = 0
    for (let start = 0; start <= buf.length; ) {
      let end = buf.indexOf(0x0a, start)
      if (end < 0) end = buf.length
      line++
      let e = end
      if (e > start && buf[e - 1] === 0x0d) e--
      const bytes = buf.subarray(start, e)
      if (bytes.length > 0 && bytes[0] !== 0x23) put(`${name}:${line}`, bytes)
      start = end + 1
    }
    buf.fill(0)
  }
  for (const k of index.keys(`file/${name}${info.isDirectory() ? '/' : ':'}`)) if (!seen.has(k)) index.delete(k)
  return result
}

export function createFileSource(
  opts: { path: string; pollIntervalMs: number },
  deps: { index: KnownSecretIndex; logger: Logger; onSkip?: (r: SkipReason) => void; onState?: (s: SourceState) => void }
): KnownSecretSource & { reload: () => Promise<void> } {
  const log = deps.logger.child({ component: 'known-secrets-file' })
  const sync = createSyncState(deps.onState)
  let version = ''

  async function versionOf(): Promise<string> {
    const info = await stat(opts.path)
    if (!info.isDirectory()) return `${info.ino}:${info.size}:${info.mtimeMs}`
    // A mounted Secret changes by swapping its `..data` link: its target's inode tells.
    const data = await stat(join(opts.path, '..data')).catch(() => undefined)
    const entries = (await readdir(opts.path)).filter((e) => !e.startsWith('.'))
    const parts = await Promise.all(entries.sort().map(async (e) => await stat(join(opts.path, e)).then((s) => `${e}:${s.ino}:${s.size}:${s.mtimeMs}`)))
    return `${data?.ino ?? ''}|${parts.join('|')}`
  }

  async function reload(): Promise<void> {
    try {
      const v = await versionOf()
      if (v === version && sync.get() === 'synced') return
      const r = await loadKnownSecretsFile(opts.path, deps.index, deps.onSkip)
      version = v
      log.info({ indexed: r.indexed, skipped: r.skipped }, 'known-secrets file loaded')
      sync.set('synced')
    } catch (err) {
      sync.set('unavailable')
      log.warn({ code: (err as { code?: string }).code, reason: (err as Error).message }, 'cannot read the known-secrets file; the index keeps what it had')
    }
  }

  const poller = createPoller(reload, opts.pollIntervalMs)

  return {
    reload,
    start: poller.start,
    synced: sync.synced,
    state: sync.get,
    stop: poller.stop
  }
}
