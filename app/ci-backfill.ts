// `leakwatch ci backfill`: the logs of the CI jobs that finished in a recent
// window, through any CI provider (collectors/ci/provider.ts): the provider
// lists the jobs and opens each log; collectors/ci/ship.ts cuts it into the
// pipeline's chunks. Without --kafka the chunks go straight to the detector in
// this process and findings are printed like `scan` prints them, each with the
// job's repository, job and a link to its line; with --kafka they are produced
// to `leakwatch.logs.v1` for the pipeline's detectors.
//
// Resuming: a state file records the jobs done and how far the current one
// got (its last line printed, or acknowledged by Kafka). A second run with the
// same provider and repository skips the jobs done and starts the current one
// after that line. json and sarif print once at the end, so their findings so
// far are kept in the state file too (masked, as printed).

import { readFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import type { CiJobMeta, CiProvider, CiProviderName } from '../collectors/ci/provider.ts'
import { CI_PROVIDERS } from '../collectors/ci/provider.ts'
import type { Config } from '../config/schema.ts'
import { writeFileAtomic } from '../pipeline/checkpoint.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import { escapeControls } from '../pipeline/escape.ts'
import type { Finding, LogChunk } from '../pipeline/events.ts'
import type { OutRecord, Publish } from '../pipeline/runner.ts'
import type { SarifTool } from './sarif.ts'
import { toSarif } from './sarif.ts'
import type { ScanFormat } from './scan.ts'
import { createCliDetector, findingRecord, formatText, SCAN_FORMATS } from './scan.ts'

export interface BackfillDeps {
  env: NodeJS.ProcessEnv
  stdout: Writable & { isTTY?: boolean; hasColors?: () => boolean }
  stderr: Writable
  tool: SarifTool
  cwd: string
  loadConfig: (file: string | undefined) => Config
  fetch?: typeof fetch
  now?: () => number
  /** Instead of the Kafka bus of the configuration (tests). */
  publish?: Publish
  /** Instead of the provider built from the configuration (tests, other providers). */
  provider?: CiProvider
}

/** `7d`, `12h`, `30m`, or an ISO date: the start of the window. */
export function parseSince(text: string, nowMs: number): Date {
  const m = /^(\d{1,6})([mhd])$/.exec(text.trim())
  if (m !== null) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']
    return new Date(nowMs - Number(m[1]) * unit)
  }
  const t = Date.parse(text)
  if (Number.isNaN(t)) throw new LeakwatchError('LW_ERR_USAGE', `--since ${JSON.stringify(text)}: expected 30m, 12h, 7d or a date`)
  return new Date(t)
}

interface State {
  version: 1
  provider: string
  repository: string
  /** jobId → when it was done. */
  done: Record<string, string>
  /** jobId → the last line printed (or acknowledged by Kafka) of a job not done. */
  partial?: Record<string, number>
  /** json and sarif only: findings printed at the end, kept across runs. */
  findings?: Array<Record<string, unknown>>
}

function defaultStatePath(provider: string, repository: string): string {
  return `.leakwatch/ci-backfill/${provider}-${repository.replaceAll('/', '_')}.json`
}

function readState(path: string, provider: string, repository: string): State {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return { version: 1, provider, repository, done: {} }
  }
  try {
    const s = JSON.parse(text) as State
    if (s.version !== 1 || s.provider !== provider || s.repository !== repository || typeof s.done !== 'object') throw new Error('other shape')
    return s
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CHECKPOINT_IO', `backfill state ${path} is not for ${provider} ${repository} or is corrupt; pass another --state`, {
      cause: err
    })
  }
}

async function providerFor(opts: BackfillOptions, config: Config, deps: BackfillDeps): Promise<CiProvider | undefined> {
  if (opts.provider === 'github') return githubProvider(config, opts.apiUrl, deps)
  if (opts.provider === 'gitlab')
    return (await import('../collectors/ci/gitlab/setup.ts')).gitlabBackfillProvider(config.collector.gitlab, opts.apiUrl, deps.env)
  return undefined
}

async function githubProvider(config: Config, apiUrl: string | undefined, deps: BackfillDeps): Promise<CiProvider> {
  const [{ githubAuthFromConfig, githubClientFromConfig }, { tokenAuth }] = await Promise.all([
    import('../collectors/ci/github/collector.ts'),
    import('../collectors/ci/github/auth.ts')
  ])
  const gh = { ...config.collector.github, ...(apiUrl === undefined ? {} : { apiUrl }) }
  const fromEnv = deps.env.GITHUB_TOKEN ?? deps.env.GH_TOKEN
  const configured = gh.tokenFile !== undefined || (gh.app.id !== undefined && gh.app.privateKeyFile !== undefined)
  if (!configured && (fromEnv === undefined || fromEnv === ''))
    throw new LeakwatchError('LW_ERR_USAGE', 'no GitHub credentials: set collector.github.tokenFile or app.*, or GITHUB_TOKEN')
  const auth = configured ? githubAuthFromConfig(gh, deps) : tokenAuth(fromEnv as string)
  return githubClientFromConfig(gh, auth, deps)
}

async function kafkaPublish(config: Config, stderr: Writable): Promise<{ publish: Publish; close: () => Promise<void> }> {
  const [{ createKafkaBus }, { createCodec }, { createPublisher }, { createMetrics }, { createLogger }, { kafkaBusOptions }] = await Promise.all([
    import('../pipeline/bus-kafka.ts'),
    import('../pipeline/codec.ts'),
    import('../pipeline/runner.ts'),
    import('../pipeline/metrics.ts'),
    import('../pipeline/log.ts'),
    import('./roles.ts')
  ])
  if (config.kafka.payloadKey === undefined) throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'kafka.payloadKey is required for `ci backfill --kafka`')
  const logger = createLogger({ level: config.log.level, destination: { write: (s: string) => void stderr.write(s) } })
  const metrics = createMetrics()
  const codec = createCodec({
    payloadKey: config.kafka.payloadKey,
    compress: config.kafka.compress,
    compressMinBytes: config.kafka.compressMinBytes,
    recordKey: config.kafka.recordKey,
    recordVerifyKeys: config.kafka.recordVerifyKeys,
    payloadDecryptKeys: config.kafka.payloadDecryptKeys
  })
  const bus = await createKafkaBus(kafkaBusOptions(config, 'ci-backfill', logger), logger)
  return { publish: createPublisher({ bus, codec, metrics, logger }), close: () => bus.close() }
}

export interface BackfillOptions {
  provider: CiProviderName
  repository: string
  since: Date
  format: ScanFormat
  exitCode: number
  kafka: boolean
  statePath: string
  apiUrl?: string | undefined
  ruleFiles: string[]
}

export async function backfill(opts: BackfillOptions, config: Config, deps: BackfillDeps): Promise<number> {
  const provider = deps.provider ?? (await providerFor(opts, config, deps))
  if (provider === undefined) throw new LeakwatchError('LW_ERR_USAGE', `ci backfill: provider ${opts.provider} is not available in this build`)
  const state = readState(opts.statePath, provider.name, opts.repository)
  const save = (): Promise<void> => writeFileAtomic(opts.statePath, JSON.stringify(state), 'backfill state')
  const gh = config.collector.github
  const shipOpts = {
    format: provider.logFormat,
    maxLineBytes: gh.maxLineBytes,
    maxChunkLines: gh.maxChunkLines,
    maxChunkBytes: gh.maxChunkBytes,
    maxBatchBytes: gh.maxBatchBytes,
    maxInFlightBytes: gh.maxInFlightBytes
  }

  let sink: { publish: Publish; close: () => Promise<void> } | undefined
  let detector: ReturnType<typeof createCliDetector> | undefined
  if (opts.kafka) sink = deps.publish === undefined ? await kafkaPublish(config, deps.stderr) : { publish: deps.publish, close: async () => {} }
  else
    detector = createCliDetector({
      fingerprintKey: config.detector.fingerprintKey,
      allow: config.detector.allow,
      ruleFiles: opts.ruleFiles,
      maxContextChars: config.detector.maxContextChars
    })

  const color = opts.format === 'text' && deps.stdout.isTTY === true && (deps.stdout.hasColors?.() ?? false)
  if (opts.format === 'json' || opts.format === 'sarif') state.findings = state.findings ?? []
  const collected = state.findings
  const sarifFindings: Array<Finding & { url: string }> = []
  let found = 0
  let failed = 0
  let jobs = 0
  let lines = 0

  function emit(f: Finding, job: CiJobMeta): void {
    found++
    const url = job.lineUrl(f.location.line)
    const where = { repository: job.repository, job: job.job, jobId: job.jobId, workflow: job.workflow, runId: job.runId, url }
    const extra = {
      ...where,
      ...(job.branch === undefined ? {} : { branch: job.branch }),
      ...(job.commit === undefined ? {} : { commit: job.commit }),
      ...(job.actor === undefined ? {} : { actor: job.actor })
    }
    if (opts.format === 'text')
      deps.stdout.write(`${formatText(f, `${job.repository} ${job.workflow} / ${job.job} #${job.jobId}`, { color })}    ${escapeControls(url)}\n`)
    else if (opts.format === 'jsonl') deps.stdout.write(`${JSON.stringify({ ...findingRecord(f, undefined), ...extra })}\n`)
    else collected?.push({ ...findingRecord(f, undefined), ...extra })
  }

  try {
    for await (const job of provider.listJobs(opts.repository, opts.since)) {
      if (state.done[job.jobId] !== undefined) continue
      jobs++
      state.partial = state.partial ?? {}
      const partial = state.partial
      const resumeAfter = partial[job.jobId] ?? 0
      const observe = provider.observeLines?.(job)
      const local = detector
      const publish: Publish =
        sink?.publish ??
        (async (records: OutRecord[]) => {
          for (const r of records) for (const f of local?.detector.detect(r.value as LogChunk) ?? []) emit(f, job)
        })
      try {
        const bytes = await provider.fetchLog(job)
        const shipped = await (await import('../collectors/ci/ship.ts')).shipJobLog(
          job,
          bytes,
          shipOpts,
          {
            publish,
            onAcked: async (line) => {
              partial[job.jobId] = line
              await save()
            },
            ...(observe === undefined ? {} : { labelsOf: observe })
          },
          resumeAfter
        )
        lines += shipped.lines
        state.done[job.jobId] = new Date(deps.now?.() ?? Date.now()).toISOString()
        delete partial[job.jobId]
        await save()
        deps.stderr.write(
          `leakwatch: ci backfill: ${escapeControls(job.repository)} ${escapeControls(job.workflow)} / ${escapeControls(job.job)} #${job.jobId}: ${shipped.lines} lines${resumeAfter > 0 ? ` (resumed after line ${resumeAfter})` : ''}; ${found} finding(s) so far\n`
        )
      } catch (err) {
        if (!(err instanceof LeakwatchError) || (err.code !== 'LW_ERR_CI_FETCH_FAILED' && err.code !== 'LW_ERR_CI_FETCH_REJECTED')) throw err
        failed++
        deps.stderr.write(`leakwatch: ${err.code}: job #${job.jobId} skipped: ${escapeControls(err.message)}\n`)
        if (!err.retriable) {
          state.done[job.jobId] = 'rejected'
          await save()
        }
      }
    }
  } finally {
    await sink?.close()
  }

  if (opts.format === 'json') deps.stdout.write(`${JSON.stringify(collected ?? [], null, 2)}\n`)
  if (opts.format === 'sarif') {
    for (const r of collected ?? []) sarifFindings.push(r as unknown as Finding & { url: string })
    const sarif = toSarif(sarifFindings, detector?.rules ?? [], deps.tool, deps.cwd) as {
      runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: unknown } }> }> }>
    }
    // A CI finding's artifact is the job log at its line: an absolute https URI is what SARIF viewers open.
    sarif.runs[0]?.results.forEach((res, i) => {
      const loc = res.locations[0]
      if (loc !== undefined) loc.physicalLocation.artifactLocation = { uri: sarifFindings[i]?.url }
    })
    deps.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`)
  }
  deps.stderr.write(
    `leakwatch: ci backfill: ${jobs} job(s), ${lines} lines${opts.kafka ? ' produced to Kafka' : `, ${collected?.length ?? found} finding(s)`}${failed > 0 ? `, ${failed} job(s) failed` : ''}\n`
  )
  if (!opts.kafka && (collected?.length ?? found) > 0) return opts.exitCode
  return failed > 0 ? 2 : 0
}

export async function ciCommand(argv: string[], deps: BackfillDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      provider: { type: 'string' },
      repo: { type: 'string' },
      project: { type: 'string' },
      since: { type: 'string', default: '7d' },
      'api-url': { type: 'string' },
      format: { type: 'string', default: 'text' },
      kafka: { type: 'boolean', default: false },
      state: { type: 'string' },
      config: { type: 'string', short: 'c' },
      rules: { type: 'string', multiple: true, default: [] },
      'exit-code': { type: 'string', default: '1' }
    }
  })
  if (positionals[0] !== 'backfill' || positionals.length > 1)
    throw new LeakwatchError('LW_ERR_USAGE', 'usage: leakwatch ci backfill --provider github --repo owner/name --since 7d')
  const provider = values.provider as CiProviderName | undefined
  if (provider === undefined || !(CI_PROVIDERS as readonly string[]).includes(provider))
    throw new LeakwatchError('LW_ERR_USAGE', `--provider ${CI_PROVIDERS.filter((p) => p !== 'generic').join('|')} is required`)
  const repository = values.repo ?? values.project
  if (repository === undefined || repository === '') throw new LeakwatchError('LW_ERR_USAGE', '--repo owner/name (or --project ID) is required')
  if (provider === 'github' && !(await import('../collectors/ci/github/webhook.ts')).validRepository(repository))
    throw new LeakwatchError('LW_ERR_USAGE', `--repo ${JSON.stringify(repository)}: expected owner/name`)
  const format = values.format as ScanFormat
  if (!SCAN_FORMATS.includes(format)) throw new LeakwatchError('LW_ERR_USAGE', `unknown --format ${String(format)} (${SCAN_FORMATS.join(', ')})`)
  const exitCode = Number(values['exit-code'])
  if (!/^\d{1,3}$/.test(values['exit-code']) || exitCode > 255) throw new LeakwatchError('LW_ERR_USAGE', '--exit-code must be an integer from 0 to 255')
  if (values.kafka && format !== 'text') throw new LeakwatchError('LW_ERR_USAGE', '--format does not go with --kafka: findings come from the pipeline')
  const config = deps.loadConfig(values.config)
  return backfill(
    {
      provider,
      repository,
      since: parseSince(values.since, deps.now?.() ?? Date.now()),
      format,
      exitCode,
      kafka: values.kafka,
      statePath: values.state ?? defaultStatePath(provider, repository),
      apiUrl: values['api-url'],
      ruleFiles: values.rules
    },
    config,
    deps
  )
}
