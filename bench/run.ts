// `npm run bench`: every benchmark, one module each, listed here
// alphabetically like the other registries. A module declares its own flags;
// the shared ones are below. `--only engine,collector` runs a subset.
//
// Benchmarks write under .cache/bench/ (ignored): generated corpora hold
// realistic tokens and must never be committed.

import { join } from 'node:path'
import type { ParseArgsOptionsConfig } from 'node:util'
import { parseArgs } from 'node:util'
import { benchmark as access } from './access.ts'
import { benchmark as accuracy } from './accuracy.ts'
import { benchmark as auditConsumer } from './audit-consumer.ts'
import { benchmark as accessEval } from './audit-eval.ts'
import { benchmark as auditWebhook } from './audit-webhook.ts'
import { benchmark as auditWebhookLoad } from './audit-webhook-load.ts'
import { benchmark as ci } from './ci.ts'
import { benchmark as collector } from './collector.ts'
import { benchmark as engine } from './engine.ts'
import { benchmark as knownSecrets } from './known-secrets.ts'
import { benchmark as responder } from './responder.ts'
import { benchmark as secretShape } from './secret-shape.ts'
import { benchmark as shapes } from './shape-speed.ts'
import { benchmark as worstCase } from './worst-case.ts'

export interface BenchContext {
  /** Flag values: the shared ones and the module's own, as parseArgs returns them. */
  flags: Record<string, string | boolean | Array<string | boolean> | undefined>
  /**
   * This run's working folder: .cache/bench/<size>mb-seed<seed>/ (the corpus, its manifest, samples,
   * reports). One per size and seed, so runs of different sizes, by several engineers at once, never
   * regenerate a corpus under each other's feet.
   */
  root: string
  /** The repository root, for child processes and config files. */
  repo: string
  /** The command line as typed, printed with the results. */
  command: string
  log: (msg: string) => void
}

export interface Benchmark {
  name: string
  description: string
  options: ParseArgsOptionsConfig
  run: (ctx: BenchContext) => Promise<void>
}

export const BENCHMARKS: readonly Benchmark[] = [
  access,
  accessEval,
  accuracy,
  auditConsumer,
  auditWebhook,
  auditWebhookLoad,
  ci,
  collector,
  engine,
  knownSecrets,
  responder,
  secretShape,
  shapes,
  worstCase
]

const SHARED: ParseArgsOptionsConfig = {
  only: { type: 'string', default: BENCHMARKS.map((b) => b.name).join(',') },
  'size-mb': { type: 'string', default: '200' },
  seed: { type: 'string', default: '20250601' },
  repeat: { type: 'string', default: '3' },
  core: { type: 'string', default: '0' },
  help: { type: 'boolean', default: false }
}

async function main(): Promise<void> {
  const options: ParseArgsOptionsConfig = { ...SHARED }
  for (const b of BENCHMARKS) Object.assign(options, b.options)
  const { values } = parseArgs({ options, allowPositionals: false })
  if (values.help === true) {
    process.stdout.write(
      `npm run bench -- [flags]\n\n${Object.entries(options)
        .map(([k, o]) => `  --${k}${o.type === 'string' ? ` <${o.default ?? ''}>` : ''}`)
        .join('\n')}\n\n${BENCHMARKS.map((b) => `${b.name}: ${b.description}`).join('\n')}\n`
    )
    return
  }
  const repo = join(import.meta.dirname, '..')
  const ctx: BenchContext = {
    flags: values,
    root: join(repo, '.cache', 'bench', `${Number(values['size-mb'])}mb-seed${Number(values.seed)}`),
    repo,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    log: (msg) => process.stderr.write(`${msg}\n`)
  }
  const only = String(values.only).split(',')
  for (const name of only)
    if (!BENCHMARKS.some((b) => b.name === name)) throw new Error(`unknown benchmark ${name}: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
  for (const b of BENCHMARKS) if (only.includes(b.name)) await b.run(ctx)
}

if (import.meta.main) await main()
