// A resolver for leakwatch's own TypeScript files, registered by bin/leakwatch.js before the command
// line loads. A `leakwatch scan` loads ~200 of them (135 are rule files), and Node's default ESM resolver
// spends more on each than compiling it from the cache: a realpath, stats, a walk up to the nearest
// package.json to learn the module format. Half of the module graph's CPU on a 135-module graph went
// there (issue #15). A relative `.ts` specifier written inside this package needs none of that: the
// format is known (package.json says "type": "module"), and the package has no symlinks of its own.
//
// Anything else — bare specifiers, node: builtins, dependencies, files under node_modules, other
// extensions — goes to Node's resolver unchanged. A misspelt import fails when the file is read
// (ENOENT naming the path) instead of with ERR_MODULE_NOT_FOUND; `tsc --noEmit` catches it first.

import type { ResolveHookSync } from 'node:module'

/** The resolve hook for the package rooted at `root` (a file: URL ending in '/'). */
export function ownModulesResolver(root: string): ResolveHookSync {
  return (specifier, context, nextResolve) => {
    const parent = context.parentURL
    if (
      parent !== undefined &&
      (specifier.startsWith('./') || specifier.startsWith('../')) &&
      specifier.endsWith('.ts') &&
      parent.startsWith(root) &&
      !parent.includes('/node_modules/', root.length - 1)
    ) {
      const url = new URL(specifier, parent).href
      // `../` may climb out of the package, or into a dependency: those are Node's to resolve.
      if (url.startsWith(root) && !url.includes('/node_modules/', root.length - 1)) return { url, format: 'module-typescript', shortCircuit: true }
    }
    return nextResolve(specifier, context)
  }
}
