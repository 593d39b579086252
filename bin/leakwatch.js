#!/usr/bin/env node
// The installed command's entry point (package.json "bin", the image's ENTRYPOINT): plain JavaScript,
// so that Node needs no TypeScript stripper for it. It turns on the compile cache and then loads the
// command line, bin/leakwatch.ts, whose TypeScript (and that of everything it imports) then comes
// stripped from the cache. Started as `node bin/leakwatch.ts`, the entry file itself is stripped,
// which loads the stripper: ~40 ms of CPU on every start (issue #15, bench/shape-speed.ts).
// bin/own-modules.ts then resolves the package's own imports without Node's per-module file system
// walk (another ~25 ms of a `leakwatch scan` start), and bin/rules-bundle.ts serves the 135 built-in
// rule files as one module (another ~10 ms), kept beside the compile cache (another ~8 ms).

import module from 'node:module'
import { enablePrivateCompileCache } from './private-compile-cache.js'

enablePrivateCompileCache()
if (module.registerHooks !== undefined) {
  // The hooks only save start-up time: where they cannot be registered (registerHooks is still a release
  // candidate API, and a preloaded tool may wrap it), the command line loads the same modules without them.
  try {
    const [{ ownModulesResolver }, { rulesBundleLoader }] = await Promise.all([import('./own-modules.ts'), import('./rules-bundle.ts')])
    const root = new URL('../', import.meta.url).href
    module.registerHooks({
      resolve: ownModulesResolver(root),
      load: rulesBundleLoader(`${root}detectors/rules/registry.ts`, module.getCompileCacheDir?.())
    })
  } catch {}
}
await import('./leakwatch.ts')
