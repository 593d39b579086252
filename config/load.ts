// Configuration = defaults ← YAML file ← environment. Every option has exactly
// one environment variable, derived from its path (kafka.brokers →
// LEAKWATCH_KAFKA_BROKERS), so the mapping never drifts from the schema. An
// unknown LEAKWATCH_* variable is an error like an unknown key: a misspelled
// variable in a manifest must not be silently ignored.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type * as Yaml from 'yaml'
import { LeakwatchError } from '../pipeline/errors.ts'
import { parseErrorPosition } from '../pipeline/parse-error.ts'
import { leaves, parse } from '../pipeline/schema.ts'
import type { Config } from './schema.ts'
import { configSchema } from './schema.ts'

let yaml: typeof Yaml | undefined
/**
 * The YAML library, required on first use: loading it was a tenth of the CPU of a `leakwatch scan`
 * start (issue #15), and most runs read no YAML file. logLevel 'error': its warnings quote the line.
 */
function parseYaml(text: string): unknown {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml
  return yaml.parse(text, { logLevel: 'error' })
}

/** Variables that are not options but steer the loader itself. */
/**
 * LEAKWATCH_API_URL/TOKEN are read by `leakwatch incidents`, which talks to a responder's API;
 * LEAKWATCH_INGEST_TOKEN and LEAKWATCH_STEP by `leakwatch mask --forward` (app/ci-forward.ts).
 */
export const LOADER_ENV = ['LEAKWATCH_CONFIG', 'LEAKWATCH_API_URL', 'LEAKWATCH_API_TOKEN', 'LEAKWATCH_INGEST_TOKEN', 'LEAKWATCH_STEP'] as const

export function envName(path: string): string {
  return (
    'LEAKWATCH_' +
    path
      .split('.')
      .map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
      .join('_')
  )
}

/** Every environment variable the configuration reads, with its option path. */
export function envVariables(): Map<string, string> {
  return new Map(leaves(configSchema).map((l) => [envName(l.path), l.path]))
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const p of parts.slice(0, -1)) {
    const next = node[p]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = {}
    node = node[p] as Record<string, unknown>
  }
  node[parts[parts.length - 1] ?? ''] = value
}

export interface LoadOptions {
  file?: string | undefined
  env?: NodeJS.ProcessEnv
  /** Applied last: command-line overrides, as dotted paths. */
  overrides?: Record<string, unknown>
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env
  const file = opts.file ?? env.LEAKWATCH_CONFIG
  let doc: Record<string, unknown> = {}
  if (file !== undefined && file !== '') {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new LeakwatchError('LW_ERR_CONFIG_UNREADABLE', `cannot read configuration file ${file}`, { cause: err })
    }
    let parsed: unknown
    try {
      // logLevel 'error': the YAML library's warnings (an unknown tag, …) quote the line they are about, on stderr.
      parsed = parseYaml(text)
    } catch (err) {
      // Not kept as the cause: the parser's message quotes the line, and config values are never echoed.
      throw new LeakwatchError('LW_ERR_CONFIG_UNREADABLE', `configuration file ${file} is not valid YAML: ${parseErrorPosition(err)}`)
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed))
        throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `configuration file ${file} must be a mapping at the top level`)
      doc = parsed as Record<string, unknown>
    }
  }

  const known = new Map(leaves(configSchema).map((l) => [envName(l.path), l]))
  const unknown: string[] = []
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('LEAKWATCH_') || text === undefined) continue
    if ((LOADER_ENV as readonly string[]).includes(name)) continue
    const leaf = known.get(name)
    if (leaf === undefined) {
      unknown.push(name)
      continue
    }
    let value: unknown
    try {
      value = leaf.schema.fromEnv(text)
    } catch {
      throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `environment variable ${name} (${leaf.path}) is not valid JSON`)
    }
    setPath(doc, leaf.path, value)
  }
  if (unknown.length > 0) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `unknown environment variable(s): ${unknown.join(', ')} (run \`leakwatch config env\` for the list)`)
  }
  for (const [path, value] of Object.entries(opts.overrides ?? {})) setPath(doc, path, value)
  return parse(configSchema, doc, 'LW_ERR_CONFIG_INVALID', file === undefined ? 'configuration' : `configuration (${file})`)
}
