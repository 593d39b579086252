// A resolver for leakwatch's own TypeScript files, registered by bin/leakwatch.js before the command
// line loads. A `leakwatch scan` loads ~200 of them (135 are rule files), and Node's default ESM resolver
// spends more on each than compiling it from the cache: a realpath, stats, a walk up to the nearest
// package.json to learn the module format. Half of the module graph's CPU on a 135-module graph went
// there (issue #15). A relative `.ts` specifier written inside this package needs none of that: the
// format is known (package.json says "type": "module"), and the package has no symlinks of its own.
//
// Anything else — node: builtins, files under node_modules, other extensions — goes to Node's resolver
// unchanged; so does a dependency's bare specifier, once, its answer then reused for the package's other
// modules. A misspelt import fails when the file is read (ENOENT naming the path) instead of with
// ERR_MODULE_NOT_FOUND; `tsc --noEmit` catches it first.

import type { ResolveHookSync } from 'node:module'

/** The resolve hook for the package rooted at `root` (a file: URL ending in '/'). */
export function ownModulesResolver(root: string): ResolveHookSync {
  // A dependency (`re2`) that several of the package's modules import resolves to the same URL from each of
  // them, but Node resolves it again per importing module: a walk up node_modules and a package.json read.
  const dependencies = new Map<string, ReturnType<ResolveHookSync>>()
  return (specifier, context, nextResolve) => {
    const parent = context.parentURL
    if (parent === undefined || !parent.startsWith(root) || parent.includes('/node_modules/', root.length - 1)) return nextResolve(specifier, context)
    if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.ts')) {
      const url = new URL(specifier, parent).href
      // `../` may climb out of the package, or into a dependency: those are Node's to resolve.
      if (url.startsWith(root) && !url.includes('/node_modules/', root.length - 1)) return { url, format: 'module-typescript', shortCircuit: true }
      return nextResolve(specifier, context)
    }
    // A bare specifier of a package (not a builtin, a path or a URL), without import attributes: what Node
    // answered for one of the package's modules it answers for all of them under the same conditions (the
    // package has no node_modules of its own below its root). A require() (createRequire, for yaml) comes
    // without importAttributes at all.
    const attributes: object | undefined = context.importAttributes
    if (/^[@a-z]/.test(specifier) && !specifier.includes(':') && (attributes === undefined || Object.keys(attributes).length === 0)) {
      const key = `${specifier}\u0000${context.conditions.join()}`
      const known = dependencies.get(key)
      if (known !== undefined) return { ...known, shortCircuit: true }
      const resolved = nextResolve(specifier, context)
      dependencies.set(key, resolved)
      return resolved
    }
    return nextResolve(specifier, context)
  }
}
