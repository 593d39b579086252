// The chart's CI collector Deployment, run as deployed: the configuration two
// of its replicas would load (the rendered ConfigMap, the container's
// LEAKWATCH_* variables, the Secret's keys as files) starts `run collector`
// twice against the real Kafka and Redis (test/global-setup.ts). Both become
// ready on /readyz, a GitLab job event redelivered to the other replica is
// taken once through Redis, and the ingest endpoint takes a log with a token
// read from the mounted file. Only addresses and ports are rewritten (they are
// the cluster's); everything else is what the pod gets.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { parseAllDocuments } from 'yaml'
import type { App } from '../../app/roles.ts'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { getServices } from '../harness/services.ts'
import { jobEvent, runnerTrace, startGitlabStandin } from '../support/gitlab-standin.ts'
import { helmBinary } from '../support/helm.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const root = resolve(import.meta.dirname, '../..')
const gen = seededGen('ci-collector-run')
const scratch = mkdtempSync(join(tmpdir(), 'lw-ci-run-'))
const apiToken = `glpat-${gen.base62(20)}`
const standin = await startGitlabStandin({ token: apiToken })
after(async () => {
  await standin.close()
  rmSync(scratch, { recursive: true, force: true })
})

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Obj = Record<string, any>

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done))
  const { port } = s.address() as AddressInfo
  await new Promise((done) => s.close(done))
  return port
}

function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => {
        text += c.toString('utf8')
      })
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', fail)
    req.end(body)
  })
}

test('two replicas of the chart-rendered CI collector: ready, a redelivered GitLab event taken once through Redis, ingest with the mounted token', async () => {
  const { kafkaBrokers, redisUrl } = await getServices()
  const valuesFile = join(scratch, 'values.json')
  writeFileSync(valuesFile, JSON.stringify({ ciCollector: { enabled: true, gitlab: { enabled: true, url: standin.url }, ingest: { enabled: true } } }))
  const rendered = execFileSync(helmBinary(), ['template', 'lw', join(root, 'deploy/helm/leakwatch'), '--namespace', 'leakwatch', '--values', valuesFile], {
    encoding: 'utf8'
  })
  const objs = parseAllDocuments(rendered)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
  const deployment = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'lw-leakwatch-ci-collector') as Obj
  const container = deployment.spec.template.spec.containers[0]
  const configFile = join(scratch, 'leakwatch.yaml')
  writeFileSync(configFile, objs.find((o) => o.kind === 'ConfigMap')?.data['leakwatch.yaml'])

  // The Secret's keys, as the kubelet writes them (a trailing newline, as `--from-file` of an editor's file keeps it).
  const secretDir = container.volumeMounts.find((m: Obj) => m.name === 'ci-secrets').mountPath as string
  const files = join(scratch, 'ci')
  mkdirSync(files)
  const webhookToken = gen.base62(32)
  const ingestToken = gen.base62(40)
  const volume = deployment.spec.template.spec.volumes.find((v: Obj) => v.name === 'ci-secrets')
  const secret: Record<string, string> = {
    'gitlab-webhook-token': webhookToken,
    'gitlab-token': apiToken,
    'ingest-tokens': `${gen.base62(40)}\n${ingestToken}`
  }
  for (const item of volume.secret.items) writeFileSync(join(files, item.path), `${secret[item.key]}\n`)

  const env: Record<string, string> = {}
  for (const e of container.env) {
    if (!e.name.startsWith('LEAKWATCH_') || e.name === 'LEAKWATCH_CONFIG') continue
    if (e.valueFrom?.secretKeyRef !== undefined) env[e.name] = gen.base62(48)
    else env[e.name] = String(e.value).replace(secretDir, files)
  }
  // Both replicas hold the same keys, as the pods of one Deployment do.
  const payloadKey = env.LEAKWATCH_KAFKA_PAYLOAD_KEY as string
  const prefix = `cirun-${randomUUID().slice(0, 8)}`
  const apps: App[] = []
  const ports: Array<{ http: number; gitlab: number; ingest: number }> = []
  try {
    for (let i = 0; i < 2; i++) {
      const p = { http: await freePort(), gitlab: await freePort(), ingest: await freePort() }
      ports.push(p)
      const config = loadConfig({
        file: configFile,
        env: { ...env, LEAKWATCH_KAFKA_PAYLOAD_KEY: payloadKey },
        overrides: {
          'kafka.brokers': kafkaBrokers,
          'kafka.topicPrefix': `${prefix}-`,
          'kafka.partitions': 1,
          'kafka.replicationFactor': 1,
          'redis.url': redisUrl,
          'redis.keyPrefix': prefix,
          'http.host': '127.0.0.1',
          'http.port': p.http,
          'collector.gitlab.host': '127.0.0.1',
          'collector.gitlab.port': p.gitlab,
          'collector.ciIngest.host': '127.0.0.1',
          'collector.ciIngest.port': p.ingest
        }
      })
      assert.equal(config.collector.gitlab.deliveries, 'redis', 'the deployed replicas share deliveries')
      assert.equal(config.collector.podLogs.mode, 'off')
      apps.push(await startApp('collector', config, { logger: silentLogger() }))
    }
    // Readiness as the kubelet asks it.
    for (const p of ports) await waitFor(async () => (await http(p.http, 'GET', '/readyz')).status === 200, `replica on ${p.http} ready`, 60_000, 50)

    const job = {
      projectId: 7,
      projectPath: 'platform/deploy',
      id: 990_001,
      name: 'deploy',
      status: 'success' as const,
      ref: 'main',
      sha: gen.hex(40),
      pipelineId: 11,
      username: 'release-bot',
      finishedAt: '2026-12-06T13:00:00.000Z',
      trace: runnerTrace(['step 1', 'step 2'])
    }
    standin.addJob(job)
    const hook = {
      'content-type': 'application/json',
      'x-gitlab-event': 'Job Hook',
      'x-gitlab-token': webhookToken,
      'idempotency-key': randomUUID()
    }
    const body = JSON.stringify(jobEvent(job, standin.url))
    // GitLab retried the delivery and the Service sent the retry to the other replica.
    const statuses = [
      (await http(ports[0]?.gitlab ?? 0, 'POST', '/hooks/gitlab', hook, body)).status,
      (await http(ports[1]?.gitlab ?? 0, 'POST', '/hooks/gitlab', hook, body)).status
    ]
    assert.deepEqual(statuses, [202, 200])
    const wrong = await http(
      ports[1]?.gitlab ?? 0,
      'POST',
      '/hooks/gitlab',
      { ...hook, 'x-gitlab-token': gen.base62(32), 'idempotency-key': randomUUID() },
      body
    )
    assert.equal(wrong.status, 401, 'the token is the mounted one')

    const ingest = await http(
      ports[1]?.ingest ?? 0,
      'POST',
      '/api/v1/ci/logs',
      {
        authorization: `Bearer ${ingestToken}`,
        'content-type': 'text/plain; charset=utf-8',
        'x-leakwatch-repository': 'acme/billing',
        'x-leakwatch-job-id': '4711'
      },
      'line one\nline two\n'
    )
    assert.equal(ingest.status, 202, ingest.body)
  } finally {
    for (const a of apps) await a.stop()
  }
})
