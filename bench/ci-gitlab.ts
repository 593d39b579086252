// GitLab CI collector throughput, standalone (not in `npm run bench`):
//
//   node bench/ci-gitlab.ts [--mb 50] [--runs 3]
//
// One finished job whose trace is `--mb` MB of runner-shaped output
// (timestamps, sections, ANSI colours, a few long lines split with `+`) is
// served by the GitLab stand-in; the clock runs from the job event's POST to
// the collector's "delivered" (every chunk acknowledged by the publisher). The
// publisher encodes each chunk with the pipeline's codec (sealed, compressed)
// into the in-process bus, so encoding is counted but no broker is. The
// stand-in serves from the same process: MB/s is a lower bound for one core.

import { request } from 'node:http'
import { parseArgs } from 'node:util'
import { createGitlabCollector } from '../collectors/ci/gitlab/collector.ts'
import { gitlabConfigSchema } from '../collectors/ci/gitlab.config.ts'
import { createMemoryBus } from '../pipeline/bus-memory.ts'
import { createCodec } from '../pipeline/codec.ts'
import { silentLogger } from '../pipeline/log.ts'
import { createMetrics } from '../pipeline/metrics.ts'
import { createPublisher } from '../pipeline/runner.ts'
import { parse } from '../pipeline/schema.ts'
import { jobEvent, runnerTrace, startGitlabStandin } from '../test/support/gitlab-standin.ts'

const { values } = parseArgs({ options: { mb: { type: 'string', default: '50' }, runs: { type: 'string', default: '3' } } })
const mb = Number(values.mb)
const runs = Number(values.runs)
const token = 'bench-token-'.padEnd(32, 'x')
const standin = await startGitlabStandin({ token })

// Script lines like a test run's: mostly short, a JSON blob now and then, every 997th line 12 KB (split by the runner).
const lines: string[] = []
let size = 0
for (let i = 0; size < mb * 1024 * 1024; i++) {
  const l =
    i % 997 === 0
      ? `payload ${'x'.repeat(12_000)}`
      : i % 7 === 0
        ? `{"level":"info","msg":"request done","path":"/api/v1/items/${i}","status":200,"ms":${i % 100}}`
        : `\x1b[32m✓\x1b[0m test case ${i} passed (${i % 50} ms)`
  lines.push(l)
  size += l.length + 34
}
const trace = runnerTrace(lines, { splitAt: 4096 })
const results: number[] = []
for (let run = 0; run < runs; run++) {
  const job = {
    projectId: 1,
    projectPath: 'bench/project',
    id: 100 + run,
    name: 'bench',
    status: 'success' as const,
    ref: 'main',
    sha: 'a'.repeat(40),
    pipelineId: 1,
    username: 'bench',
    finishedAt: '2026-12-06T00:00:00Z',
    trace
  }
  standin.addJob(job)
  const bus = createMemoryBus()
  const publish = createPublisher({ bus, codec: createCodec({ payloadKey: 'k'.repeat(40), compress: true }), metrics: createMetrics(), logger: silentLogger() })
  let done: (() => void) | undefined
  const delivered = new Promise<void>((resolve) => {
    done = resolve
  })
  const c = createGitlabCollector(parse(gitlabConfigSchema, { enabled: true, url: standin.url, port: 0 }, 'LW_ERR_CONFIG_INVALID', 'gitlab'), {
    publish,
    logger: silentLogger(),
    metrics: createMetrics(),
    webhookTokens: [token],
    apiToken: token,
    onJob: () => done?.()
  })
  const ac = new AbortController()
  const started = c.start(ac.signal)
  while (c.port() === 0) await new Promise((r) => setTimeout(r, 5))
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: c.port(),
        path: '/hooks/gitlab',
        method: 'POST',
        headers: { 'x-gitlab-event': 'Job Hook', 'x-gitlab-token': token, 'content-type': 'application/json' }
      },
      (res) => {
        res.resume()
        res.on('end', resolve)
      }
    )
    req.on('error', reject)
    req.end(JSON.stringify(jobEvent(job, standin.url)))
  })
  await delivered
  const s = (performance.now() - t0) / 1000
  results.push(s)
  ac.abort()
  await c.close()
  await started
  process.stdout.write(
    `run ${run + 1}: ${(trace.length / 1e6).toFixed(1)} MB trace, hook → all lines acknowledged ${s.toFixed(2)} s, ${(trace.length / 1e6 / s).toFixed(1)} MB/s\n`
  )
}
results.sort((a, b) => a - b)
const median = results[Math.floor(results.length / 2)] ?? 0
process.stdout.write(`median ${median.toFixed(2)} s, ${(trace.length / 1e6 / median).toFixed(1)} MB/s\n`)
await standin.close()
