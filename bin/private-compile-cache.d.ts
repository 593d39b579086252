// Types of private-compile-cache.js (plain JavaScript: it runs before Node's compile cache is on).
import type module from 'node:module'

export function enablePrivateCompileCache(env?: NodeJS.ProcessEnv, enable?: typeof module.enableCompileCache): string | undefined
