#!/usr/bin/env node
// The leakwatch command line. Exit codes: 0 ok / no findings, 1 findings,
// 2 usage or configuration error, 3 runtime failure.

import './compile-cache.ts'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import type { Role } from '../app/registry.ts'
import type { ScanFormat } from '../app/scan.ts'
import type { ErrorCode } from '../pipeline/errors.ts'

// Imported, not `import … from`: static imports are linked (type-stripped and compiled) before
// compile-cache.ts runs, so they missed the cache and loaded the TypeScript stripper on every start.
// Halves the CPU of `leakwatch scan` on an empty file (issue #15, bench/shape-speed.ts).
const { CI_HELP } = await import('../app/ci-help.ts')
const { INCIDENTS_HELP, incidentsCommand } = await import('../app/incidents-client.ts')
const { envVariables, loadConfig } = await import('../config/load.ts')
const { isLeakwatchError, LeakwatchError } = await import('../pipeline/errors.ts')

const HELP = `leakwatch — finds credentials leaking into logs, alerts and rotates them

Usage:
  leakwatch scan [paths...|-] [--format text|json|jsonl|sarif] [--config FILE]
                 [--rules FILE]... [--baseline FILE] [--write-baseline FILE]
                 [--exit-code N] [--reveal] [--known-secrets FILE]
      Scan files, directories (recursively, binaries skipped) or stdin.
      Exits 1 (or N) when anything is found, 2 when an input could not be
      read. Secrets are masked unless --reveal. --rules adds rules from a
      YAML/JSON file; --baseline suppresses the fingerprints a baseline lists,
      --write-baseline records the current findings as one (both need a
      fixed detector.fingerprintKey). --known-secrets also finds your own
      values (one per line, or one per file of a directory) raw, base64'd,
      URL-encoded or JSON-escaped; they are hashed, never printed.
  leakwatch mask [--rules FILE]... [--exit-code N] [--config FILE] [--forward URL]
                 [--known-secrets FILE]
      Copy stdin to stdout line by line with every secret masked
      (make test 2>&1 | leakwatch mask); findings go to stderr, and the exit
      code is 1 (or N) when anything was masked. --forward also streams the
      input to leakwatch's log ingest endpoint (token in LEAKWATCH_INGEST_TOKEN;
      job metadata from the CI environment); if it is down, mask warns and
      goes on. --known-secrets masks your own values as scan finds them.
  leakwatch rules import-gitleaks gitleaks.toml [-o out.yaml]
      Convert a gitleaks configuration into a rule file for --rules.
  leakwatch run all|collector|detector|responder [--config FILE] [--demo]
      Run the pipeline. 'all' runs every stage in one process with an
      in-process bus (no Kafka, no Redis); the other roles are the clustered
      deployment. --demo (with 'all') writes a demo application's logs, with
      made-up leaked credentials, into collector.files.path.
${INCIDENTS_HELP}${CI_HELP}  leakwatch audit analyze <audit.log...|-> [--learn 3d|0.5] [--format text|json|jsonl|sarif]
      Replay Kubernetes audit logs (plain or gzip; Event/EventList lines, the
      GKE, EKS and AKS export shapes) through the access detector: learn for
      the first 3d (or that fraction of the time the files span), then report
      unusual secret access. Exits 1 when anything is found. docs/access.md.
  leakwatch config env        List every environment variable the configuration reads.
  leakwatch config docs       Print the configuration reference (Markdown).
  leakwatch errors            Print the error codes (Markdown).
  leakwatch --help | --version

Configuration: YAML file (--config or LEAKWATCH_CONFIG), overridden by
LEAKWATCH_* environment variables. Unknown keys and variables are errors.
`

function pkg(): { version: string; homepage?: string } {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; homepage?: string }
}

function version(): string {
  return pkg().version
}

/** SARIF's tool.driver.informationUri: the package's homepage, else the README this copy ships with. */
function homepage(): string {
  return pkg().homepage ?? new URL('../README.md', import.meta.url).href
}

async function main(argv: string[]): Promise<number> {
  // Its own flags (--api, --status, …): parsed by app/incidents-client.ts, not mixed into the scan/run options.
  if (argv[0] === 'incidents') return await incidentsCommand(argv.slice(1), { env: process.env, stdout: process.stdout })
  if (argv[0] === 'ci' && !argv.includes('--help') && !argv.includes('-h'))
    return await (await import('../app/ci-backfill.ts')).ciCommand(argv.slice(1), {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      tool: { name: 'leakwatch', version: version(), informationUri: homepage() },
      cwd: process.cwd(),
      loadConfig: (file) => loadConfig({ file })
    })
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      config: { type: 'string', short: 'c' },
      format: { type: 'string', default: 'text' },
      demo: { type: 'boolean' },
      rules: { type: 'string', multiple: true, default: [] },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      'known-secrets': { type: 'string' },
      forward: { type: 'string' },
      'exit-code': { type: 'string', default: '1' },
      reveal: { type: 'boolean', default: false },
      output: { type: 'string', short: 'o' },
      learn: { type: 'string' }
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
      const { configDocs } = await import('../app/reference.ts')
      process.stdout.write(configDocs())
      return 0
    }
    throw new LeakwatchError('LW_ERR_USAGE', 'usage: leakwatch config env|docs')
  }
  if (command === 'errors') {
    const { errorDocs } = await import('../app/reference.ts')
    process.stdout.write(errorDocs())
    return 0
  }

  if (command === 'rules') {
    if (rest[0] !== 'import-gitleaks' || rest[1] === undefined || rest.length > 2)
      throw new LeakwatchError('LW_ERR_USAGE', 'usage: leakwatch rules import-gitleaks gitleaks.toml [-o out.yaml]')
    const { importGitleaks } = await import('../app/rules-import.ts')
    return importGitleaks({ input: rest[1], output: values.output, stdout: process.stdout, stderr: process.stderr })
  }

  const config = loadConfig({ file: values.config })
  const exitCode = Number(values['exit-code'])
  if (!/^\d{1,3}$/.test(values['exit-code']) || exitCode > 255)
    throw new LeakwatchError('LW_ERR_USAGE', `--exit-code must be an integer from 0 to 255, got ${JSON.stringify(values['exit-code'])}`)
  const setup = {
    fingerprintKey: config.detector.fingerprintKey,
    allow: config.detector.allow,
    ruleFiles: values.rules,
    maxContextChars: config.detector.maxContextChars
  }

  if (command === 'audit') {
    if (rest[0] !== 'analyze' || rest.length < 2)
      throw new LeakwatchError('LW_ERR_USAGE', 'usage: leakwatch audit analyze <audit.log...|-> [--learn 3d|0.5] [--format …]')
    const { ANALYZE_FORMATS, auditAnalyze } = await import('../app/audit-analyze.ts')
    const format = values.format as (typeof ANALYZE_FORMATS)[number]
    if (!ANALYZE_FORMATS.includes(format)) throw new LeakwatchError('LW_ERR_USAGE', `unknown --format ${String(format)} (${ANALYZE_FORMATS.join(', ')})`)
    return await auditAnalyze({
      paths: rest.slice(1),
      format,
      ...(values.learn === undefined ? {} : { learn: values.learn }),
      config: config.detector.access,
      fingerprintKey: config.detector.fingerprintKey,
      cluster: config.cluster,
      tool: { name: 'leakwatch', version: version(), informationUri: homepage() },
      cwd: process.cwd(),
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr
    })
  }

  // Each command loads what it runs: a `run collector` process holds no detector rules and no scanner.
  if (command !== 'mask' && values.forward !== undefined) throw new LeakwatchError('LW_ERR_USAGE', '--forward goes with mask')
  if (command === 'scan') {
    // A scan is a batch job: V8's efficiency mode (fewer helper threads, later optimising tiers) took a
    // quarter off the CPU of scanning a 16 MB log (issue #15, bench/shape-speed.ts). Set here, for scan
    // only: the long-running roles keep V8's defaults.
    setFlagsFromString('--efficiency-mode')
    const { SCAN_FORMATS, scan } = await import('../app/scan.ts')
    const format = values.format as ScanFormat
    if (!SCAN_FORMATS.includes(format)) throw new LeakwatchError('LW_ERR_USAGE', `unknown --format ${String(format)} (${SCAN_FORMATS.join(', ')})`)
    return await scan({
      ...setup,
      paths: rest,
      format,
      exitCode,
      reveal: values.reveal,
      baseline: values.baseline,
      writeBaseline: values['write-baseline'],
      knownSecrets: values['known-secrets'],
      tool: { name: 'leakwatch', version: version(), informationUri: homepage() },
      cwd: process.cwd(),
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr
    })
  }

  if (command === 'mask') {
    if (rest.length > 0) throw new LeakwatchError('LW_ERR_USAGE', 'usage: leakwatch mask (reads stdin, writes stdout)')
    // Output is the input itself: a format, a baseline or --reveal would be silently meaningless here.
    for (const flag of ['reveal', 'baseline', 'write-baseline', 'output'] as const)
      if (values[flag] !== undefined && values[flag] !== false) throw new LeakwatchError('LW_ERR_USAGE', `--${flag} does not go with mask`)
    if (values.format !== 'text') throw new LeakwatchError('LW_ERR_USAGE', '--format does not go with mask')
    const { mask } = await import('../app/mask.ts')
    const forward =
      values.forward === undefined
        ? undefined
        : (await import('../app/ci-forward.ts')).createForwarder({ url: values.forward, env: process.env, stderr: process.stderr })
    return await mask({
      ...setup,
      knownSecrets: values['known-secrets'],
      exitCode,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      ...(forward === undefined ? {} : { forward })
    })
  }

  if (command === 'run') {
    // Loaded on demand: scan and mask start in a CI step and need no Kafka, Redis or BullMQ client.
    const [{ ROLES }, { startApp }] = await Promise.all([import('../app/registry.ts'), import('../app/roles.ts')])
    const { startDemoWriter } = await import('../app/demo.ts')
    const role = rest[0] as Role | undefined
    if (role === undefined || !(ROLES as readonly string[]).includes(role)) throw new LeakwatchError('LW_ERR_USAGE', `usage: leakwatch run ${ROLES.join('|')}`)
    if (values.demo === true && role !== 'all') throw new LeakwatchError('LW_ERR_USAGE', '--demo goes with `run all`')
    // Only the long-running roles log through pino: a scan does not load it.
    const { createLogger } = await import('../pipeline/log.ts')
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

/** Errors in what the user gave us (exit 2), as opposed to failures while running (exit 3). */
const USER_ERRORS = new Set<ErrorCode>([
  'LW_ERR_USAGE',
  'LW_ERR_CONFIG_INVALID',
  'LW_ERR_CONFIG_UNREADABLE',
  'LW_ERR_SCAN_INPUT',
  'LW_ERR_RULE_INVALID',
  'LW_ERR_BASELINE_INVALID'
])

// A reader that stops early (`leakwatch scan | head`) is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (isLeakwatchError(err)) {
      process.stderr.write(`leakwatch: ${err.code}: ${err.message}\n`)
      process.exitCode = USER_ERRORS.has(err.code) ? 2 : 3
    } else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`leakwatch: LW_ERR_USAGE: ${(err as Error).message}\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`leakwatch: unexpected error: ${(err as Error).stack ?? String(err)}\n`)
      process.exitCode = 3
    }
  }
)
