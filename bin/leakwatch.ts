#!/usr/bin/env node
// The leakwatch command line. Exit codes: 0 ok / no findings, 1 findings,
// 2 usage or configuration error, 3 runtime failure.

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { configSchema } from '../config/schema.ts'
import type { Role } from '../pipeline/app.ts'
import { ROLES, startApp } from '../pipeline/app.ts'
import { envName, envVariables, loadConfig } from '../pipeline/config.ts'
import { ERROR_CODES, isLeakwatchError, LeakwatchError } from '../pipeline/errors.ts'
import { createLogger } from '../pipeline/log.ts'
import { leaves } from '../pipeline/schema.ts'
import { startDemoWriter } from './demo.ts'
import { scan } from './scan.ts'

const HELP = `leakwatch — finds credentials leaking into logs, alerts and rotates them

Usage:
  leakwatch scan [paths...|-] [--format text|json|jsonl] [--config FILE]
      Scan files, directories (recursively, binaries skipped) or stdin.
      Exits 1 when anything is found. Secrets are always masked.
  leakwatch run all|collector|detector|responder [--config FILE] [--demo]
      Run the pipeline. 'all' runs every stage in one process with an
      in-process bus (no Kafka, no Redis); the other roles are the clustered
      deployment. --demo (with 'all') writes a demo application's logs, with
      made-up leaked credentials, into collector.files.path.
  leakwatch config env        List every environment variable the configuration reads.
  leakwatch config docs       Print the configuration reference (Markdown).
  leakwatch errors            Print the error codes (Markdown).
  leakwatch --help | --version

Configuration: YAML file (--config or LEAKWATCH_CONFIG), overridden by
LEAKWATCH_* environment variables. Unknown keys and variables are errors.
`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function configDocs(): string {
  const rows = leaves(configSchema).map((l) => {
    const def = l.schema.defaultValue === undefined ? (l.schema.optional ? '(unset)' : '(required)') : `\`${JSON.stringify(l.schema.defaultValue)}\``
    return `| \`${l.path}\` | \`${envName(l.path)}\` | ${l.schema.type.replaceAll('|', '\\|')} | ${def} | ${l.schema.description} |`
  })
  return `${['| option | environment | type | default | description |', '|---|---|---|---|---|', ...rows].join('\n')}\n`
}

function errorDocs(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.retriable ? 'yes' : 'no'} | ${e.description} |`)
  return `${['| code | retriable | meaning |', '|---|---|---|', ...rows].join('\n')}\n`
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      config: { type: 'string', short: 'c' },
      format: { type: 'string', default: 'text' },
      demo: { type: 'boolean' }
    }
  })
  const [command, ...rest] = positionals
  if (values.version === true) {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  if (values.help === true || command === undefined || command === 'help') {
    process.stdout.write(HELP)
    return command === undefined && values.help !== true ? 2 : 0
  }

  if (command === 'config') {
    if (rest[0] === 'env') {
      process.stdout.write(`${[...envVariables()].map(([e, p]) => `${e}\t${p}`).join('\n')}\n`)
      return 0
    }
    if (rest[0] === 'docs') {
      process.stdout.write(configDocs())
      return 0
    }
    throw new LeakwatchError('LW_ERR_USAGE', 'usage: leakwatch config env|docs')
  }
  if (command === 'errors') {
    process.stdout.write(errorDocs())
    return 0
  }

  const config = loadConfig({ file: values.config })

  if (command === 'scan') {
    const format = values.format
    if (format !== 'text' && format !== 'json' && format !== 'jsonl')
      throw new LeakwatchError('LW_ERR_USAGE', `unknown --format ${String(format)} (text, json, jsonl)`)
    return await scan({
      paths: rest,
      format,
      fingerprintKey: config.detector.fingerprintKey,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr
    })
  }

  if (command === 'run') {
    const role = rest[0] as Role | undefined
    if (role === undefined || !(ROLES as readonly string[]).includes(role)) throw new LeakwatchError('LW_ERR_USAGE', `usage: leakwatch run ${ROLES.join('|')}`)
    if (values.demo === true && role !== 'all') throw new LeakwatchError('LW_ERR_USAGE', '--demo goes with `run all`')
    const logger = createLogger({ level: config.log.level })
    const app = await startApp(role, config, { logger })
    const demo = values.demo === true ? startDemoWriter(config.collector.files.path) : undefined
    logger.info({ role, http: app.http?.port }, 'leakwatch running')
    if (demo !== undefined)
      process.stderr.write(`demo: writing an application's logs to ${config.collector.files.path}; leaks appear below within seconds. Ctrl-C to stop.\n`)
    await new Promise<void>((resolve) => {
      const onSignal = (sig: string): void => {
        logger.info({ signal: sig }, 'shutting down')
        resolve()
      }
      process.once('SIGTERM', onSignal)
      process.once('SIGINT', onSignal)
    })
    demo?.stop()
    await app.stop()
    return 0
  }
  throw new LeakwatchError('LW_ERR_USAGE', `unknown command ${command}; see leakwatch --help`)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (isLeakwatchError(err)) {
      process.stderr.write(`leakwatch: ${err.code}: ${err.message}\n`)
      process.exitCode = err.code === 'LW_ERR_USAGE' || err.code === 'LW_ERR_CONFIG_INVALID' || err.code === 'LW_ERR_CONFIG_UNREADABLE' ? 2 : 3
    } else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`leakwatch: LW_ERR_USAGE: ${(err as Error).message}\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`leakwatch: unexpected error: ${(err as Error).stack ?? String(err)}\n`)
      process.exitCode = 3
    }
  }
)
