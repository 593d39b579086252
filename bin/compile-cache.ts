// Node's compile cache for what the command loads after this: the TypeScript of
// the engine and its 180 rules is stripped and compiled once, then read back
// from the cache (a folder of this user's own: private-compile-cache.js) on every later start. It
// cuts a `leakwatch scan` start from ~0.3 s to ~0.1 s of CPU, which a CI step
// piping through `leakwatch mask` pays on every job. Best effort: on a
// read-only file system Node reports the failure and compiles as before;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
//
// Imported first by bin/leakwatch.ts: modules linked before this runs (the
// CLI's own static imports) are not cached, the commands' dynamic imports are.

import { enablePrivateCompileCache } from './private-compile-cache.js'

enablePrivateCompileCache()
