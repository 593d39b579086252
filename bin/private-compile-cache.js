// Node's compile cache in a folder of this user's own. Node's default, os.tmpdir()/node-compile-cache, is one
// folder for every user of the machine (a CI runner's), and what Node keeps there is code it runs: the
// TypeScript it stripped, as JavaScript text, and V8's compiled code, each behind a checksum anyone can
// recompute. Another user who made that folder first, or can write it, could put code into a process that
// holds Vault tokens and fingerprint keys. So the cache goes to os.tmpdir()/leakwatch-compile-cache-<uid>,
// made owner-only, and is used only while that folder (not a link) is this uid's and no one else can write
// it; otherwise the command starts without a cache (slower, never someone else's code). NODE_COMPILE_CACHE
// (the operator's own choice of folder) and NODE_DISABLE_COMPILE_CACHE are honoured as Node honours them.
// Plain JavaScript: it runs before the cache is on, when a TypeScript file would load Node's stripper.

import { lstatSync, mkdirSync } from 'node:fs'
import module from 'node:module'
import { tmpdir } from 'node:os'

/** Turns on Node's compile cache in a private folder (see above); the folder, or undefined where none is trusted. */
export function enablePrivateCompileCache(env = process.env, enable = module.enableCompileCache) {
  if (enable === undefined) return undefined
  const uid = process.getuid?.()
  // Where the operator named a folder, or there are no uids (Windows: os.tmpdir() is the user's own), Node's choice.
  if (env.NODE_COMPILE_CACHE || uid === undefined) return enable()?.directory
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined
  const dir = `${tmpdir()}/leakwatch-compile-cache-${uid}`
  try {
    mkdirSync(dir, { mode: 0o700 })
  } catch {}
  try {
    const st = lstatSync(dir)
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return undefined
  } catch {
    return undefined
  }
  return enable(dir)?.directory
}
