// The GitHub collector as it runs (`leakwatch run collector`, a child process)
// into the real Kafka, killed with SIGKILL in the middle of a job's log and
// started again: every line of the log is on the topic, the lines sent twice
// around the kill are the same, and the secrets in it give one finding id
// each: nothing lost, nothing doubled at the incident level.

import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { githubLog } from '../support/github-log.ts'
import type { Standin } from '../support/github-standin.ts'
import { deliver, githubCollectorSection, startGithubStandin } from '../support/github-standin.ts'
import { readLogChunks } from '../support/kafka-read.ts'
import { seededGen, subSeed } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const repo = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'lw-ci-kafka-'))
const SECRET = 'e2e-webhook-secret'
const PAYLOAD_KEY = `ci-e2e-${randomBytes(8).toString('hex')}`.padEnd(40, 'k')
let services: Services
let gh: Standin
before(async () => {
  services = await getServices()
  gh = await startGithubStandin()
})
after(async () => {
  await gh.close()
  rmSync(dir, { recursive: true, force: true })
  setTimeout(() => process.exit(process.exitCode ?? 0), 10_000).unref()
})

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

test('run collector killed with SIGKILL mid-log and restarted: every line on Kafka, each secret one finding id', async () => {
  const gen = seededGen('e2e-kill')
  const at = [45, 9_000, 30_000, 52_000]
  const tokens = at.map(() => gen.githubToken('ghp_'))
  const start = new Date(Math.floor((Date.now() - 300_000) / 1000) * 1000)
  const g = githubLog({ seed: subSeed('e2e-log'), bytes: 6_000_000, plant: new Map(at.map((l, i) => [l, `  token: ${tokens[i]}`])), start })
  const parts: Buffer[] = []
  for await (const c of g.generate()) parts.push(c)
  const log = Buffer.concat(parts)
  let expected = 0
  for (let i = log.indexOf(10); i !== -1; i = log.indexOf(10, i + 1)) expected++
  // The first download stops at half the log until the first collector is killed: it cannot have finished the
  // job when it is killed, however fast it reads (a whole 6 MB job once fitted between two polls under CI).
  let firstDownload = true
  let release: () => void = () => {}
  const killed = new Promise<void>((resolve) => {
    release = resolve
  })
  const half = log.indexOf(10, log.length >> 1) + 1
  const job = gh.addJob({
    id: 8001,
    log: async function* () {
      const held = firstDownload
      firstDownload = false
      yield log.subarray(0, held ? half : log.length)
      if (!held) return
      await killed
      yield log.subarray(half)
    },
    startedAt: start.toISOString().replace('.000Z', 'Z')
  })

  const webhookPort = await freePort()
  const prefix = `ci${randomBytes(4).toString('hex')}.`
  const statePath = join(dir, 'jobs.json')
  writeFileSync(
    join(dir, 'leakwatch.yaml'),
    JSON.stringify({
      log: { level: 'info' },
      http: { enabled: false },
      kafka: { brokers: services.kafkaBrokers, topicPrefix: prefix },
      collector: githubCollectorSection(gh, {
        dir,
        port: webhookPort,
        webhookSecret: SECRET,
        statePath,
        github: { maxBatchBytes: 128 * 1024, maxChunkLines: 300 }
      })
    })
  )
  const env = { PATH: process.env.PATH ?? '', HOME: dir, LEAKWATCH_CONFIG: join(dir, 'leakwatch.yaml'), LEAKWATCH_KAFKA_PAYLOAD_KEY: PAYLOAD_KEY }
  let output = ''
  const startCollector = (): ChildProcess => {
    const child = spawn(process.execPath, ['bin/leakwatch.ts', 'run', 'collector'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    return child
  }
  const acked = (): number => {
    try {
      const s = JSON.parse(readFileSync(statePath, 'utf8')) as { pending: Array<{ ackedLine: number }>; done: Record<string, number> }
      return s.pending[0]?.ackedLine ?? (Object.keys(s.done).length > 0 ? Number.POSITIVE_INFINITY : 0)
    } catch {
      return 0
    }
  }
  const listening = async (): Promise<boolean> => (await fetch(`http://127.0.0.1:${webhookPort}/healthz`).catch(() => undefined))?.ok === true

  const first = startCollector()
  try {
    await waitFor(listening, `the collector listening; output:\n${output}`, 60_000, 20)
    const res = await deliver(`http://127.0.0.1:${webhookPort}/webhooks/github`, 'workflow_job', gh.workflowJobPayload(job), SECRET)
    assert.equal(res.status, 202, res.body)
    await waitFor(() => acked() > expected / 4, `a quarter of the log acknowledged; output:\n${output}`, 60_000, 2)
    const killedAt = acked()
    assert.ok(killedAt < expected, `killed mid-log (acknowledged ${killedAt} of ${expected})`)
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    release()

    const second = startCollector()
    try {
      await waitFor(() => acked() === Number.POSITIVE_INFINITY, `the job finished after the restart; output:\n${output}`, 120_000, 20)
    } finally {
      second.kill('SIGTERM')
      await new Promise((r) => second.once('exit', r))
    }
  } finally {
    if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL')
    release()
  }
  assert.equal(gh.requests.filter((q) => q.endsWith('/jobs/8001/logs')).length, 2, 'fetched once per collector start')
  assert.deepEqual(gh.violations, [])

  const chunks = await readLogChunks(services.kafkaBrokers, prefix, createCodec({ payloadKey: PAYLOAD_KEY, compress: true }), 60_000)
  const lines = new Map<number, string>()
  let copies = 0
  for (const c of chunks)
    c.lines.forEach((text, i) => {
      copies++
      const n = c.startLine + i
      const had = lines.get(n)
      if (had !== undefined) assert.equal(had, text, `line ${n} sent twice is the same both times`)
      lines.set(n, text)
    })
  assert.equal(lines.size, expected, 'every line of the log on Kafka')
  for (let n = 1; n <= expected; n++) assert.ok(lines.has(n), `line ${n} on Kafka`)
  const engine = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter('e2e-key'), maxContextChars: 120 })
  const byId = new Map<string, number>()
  for (const c of chunks) for (const f of engine.detect(c)) if (f.rule === 'github-pat-classic') byId.set(f.id, f.location.line)
  assert.deepEqual(
    [...byId.values()].sort((a, b) => a - b),
    at,
    `one finding id per secret (${copies - expected} lines sent twice around the kill)`
  )
  for (const t of tokens) assert.ok(!output.includes(t), 'no secret in the collector output')
})
