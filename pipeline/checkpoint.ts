// Durable collector positions. Written as a new file, fsynced, renamed over
// the old one and the directory fsynced: after a crash or power loss the file
// is either the previous complete checkpoint or the new one, never a torn mix.

import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { LeakwatchError } from './errors.ts'

export interface FilePosition {
  dev: number
  ino: number
  /** Bytes acknowledged by the bus. */
  offset: number
  /** Lines acknowledged by the bus (the next line's number minus one). */
  line: number
  /** sha256 of the first `headBytes` bytes: identifies the file across inode reuse. */
  head: string
  headBytes: number
}

export interface CheckpointData {
  version: 1
  files: Record<string, FilePosition>
  /** Highest line number acknowledged per stream, for collectors whose streams span several files. */
  streams?: Record<string, number>
  /**
   * Files read to their end and let go whose copy may still be listed (a rotated `0.log.<time>`), so a restart
   * tells them from a rotated copy it never saw, which it reads from the start.
   */
  finished?: FilePosition[]
  /**
   * Positions loaded at the last start whose file no listing has shown again yet (renamed while the collector was
   * down, and missed by its first listing): resumed where the file turns up, if its head still matches. Carried
   * over one restart only: the next run keeps them through its first listing.
   */
  moved?: FilePosition[]
}

export async function loadCheckpoint(path: string): Promise<CheckpointData> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, files: {} }
    throw new LeakwatchError('LW_ERR_CHECKPOINT_IO', `cannot read checkpoint ${path}`, { cause: err })
  }
  try {
    const data = JSON.parse(text) as CheckpointData
    if (data.version !== 1 || typeof data.files !== 'object' || data.files === null) throw new Error('unexpected shape')
    return data
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CHECKPOINT_IO', `checkpoint ${path} is corrupt; move it away to start over (already delivered lines may be sent again)`, {
      cause: err
    })
  }
}

export async function saveCheckpoint(path: string, data: CheckpointData): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(data), 'checkpoint')
}

/** Writes `text` to `path` so that a crash leaves the old content or the new, never a mix (LW_ERR_CHECKPOINT_IO). */
export async function writeFileAtomic(path: string, text: string, what = 'state file'): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await mkdir(dirname(path), { recursive: true })
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(text)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
    const dir = await open(dirname(path), 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  } catch (err) {
    // A failed save is retried every cycle with the same name; do not leave a stray file per failure mode.
    await rm(tmp, { force: true }).catch(() => {})
    throw new LeakwatchError('LW_ERR_CHECKPOINT_IO', `cannot write ${what} ${path}`, { cause: err })
  }
}
