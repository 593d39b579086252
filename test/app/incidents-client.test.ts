// `leakwatch incidents` against a real incidents API (memory store and
// in-process jobs behind it), over HTTP on 127.0.0.1.

import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { incidentsCommand } from '../../app/incidents-client.ts'
import { loadConfig } from '../../config/load.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { createMemoryJobs } from '../../pipeline/jobs.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { createActions } from '../../responders/actions.ts'
import type { ApiServer } from '../../responders/api.ts'
import { startApi } from '../../responders/api.ts'
import { createMemoryIncidentStore } from '../../responders/incidents.ts'
import { ctx, finding, gen } from '../responders/fixtures.ts'
import { rawRequest } from '../support/raw-http.ts'

const token = gen.base62(40)
const store = createMemoryIncidentStore()
const logged: string[] = []
let api: ApiServer
let close: () => Promise<void>
const f = finding(gen.githubToken('ghp_'), 'k8s/payments/api/app', 1, '2025-01-01T00:00:00.000Z')

before(async () => {
  const config = loadConfig({ env: {} }).responder
  const actions = createActions({ config, store, metrics: createMetrics(), logger: silentLogger(), publish: async () => {}, webhooks: new Map() })
  const jobs = createMemoryJobs(actions.handlers, { attempts: 1, backoffMs: 10, concurrency: 1 }, silentLogger())
  actions.bind(jobs)
  api = await startApi(
    { host: '127.0.0.1', port: 0, tokens: [token], slackSigningSecret: undefined },
    {
      store,
      actions,
      jobs,
      logger: createLogger({ level: 'debug', destination: { write: (s: string) => logged.push(s) } })
    }
  )
  close = async () => {
    await api.close()
    await jobs.close()
  }
  await store.record(f, ctx())
})
after(async () => {
  await close()
})

async function run(...args: string[]): Promise<string> {
  const parts: string[] = []
  const stdout = new Writable({
    write(c: Buffer, _e, cb) {
      parts.push(c.toString())
      cb()
    }
  })
  const code = await incidentsCommand(args, { env: { LEAKWATCH_API_URL: `http://127.0.0.1:${api.port}`, LEAKWATCH_API_TOKEN: token }, stdout })
  assert.equal(code, 0)
  return parts.join('')
}

test('list, get by short id, resolve with a reason, and the history shows who did it', async () => {
  assert.match(await run('list'), new RegExp(`^${f.fingerprint.slice(0, 16)}  critical open`))
  assert.equal(await run('list', '--status', 'resolved'), 'no incidents\n')
  assert.match(await run('resolve', f.fingerprint.slice(0, 10), '--resolution', 'wont_fix', '--reason', 'revoked upstream'), /resolved\/wont_fix/)
  const got = JSON.parse(await run('get', f.fingerprint, '--json')) as { status: string; history: Array<{ actor: string; text: string }> }
  assert.equal(got.status, 'resolved')
  assert.match(got.history.at(-1)?.actor ?? '', /^cli:/)
  assert.equal(await run('dead-letters'), 'no dead letters\n')
})

test('errors are coded: usage mistakes, a wrong token, an impossible change', async () => {
  const stdout = new Writable({ write: (_c, _e, cb) => cb() })
  const env = { LEAKWATCH_API_URL: `http://127.0.0.1:${api.port}`, LEAKWATCH_API_TOKEN: token }
  await assert.rejects(incidentsCommand(['resolve', f.fingerprint], { env, stdout }), (e: unknown) => isLeakwatchError(e, 'LW_ERR_USAGE'))
  await assert.rejects(incidentsCommand(['list'], { env: {}, stdout }), (e: unknown) => isLeakwatchError(e, 'LW_ERR_USAGE'))
  await assert.rejects(
    incidentsCommand(['list'], { env: { ...env, LEAKWATCH_API_TOKEN: gen.base62(40) }, stdout }),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_API_REQUEST') && /HTTP 401/.test(e.message)
  )
  await assert.rejects(
    incidentsCommand(['rotate', f.fingerprint], { env, stdout }),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_API_REQUEST') && /HTTP 409/.test(e.message)
  )
})

test('a malformed request target gets a 400 with a coded reason, unauthenticated, and is never logged', async () => {
  const secret = gen.githubToken('ghp_')
  for (const target of [`http://[/${secret}`, `//[/${secret}`, `/api/v1/incidents\x1b[31m${secret}`]) {
    const r = await rawRequest(api.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    assert.equal(r.status, 400, `${JSON.stringify(target)}: ${r.text}`)
    assert.match(r.text, /LW_ERR_HTTP_REQUEST/)
    assert.equal(r.text.includes(secret), false)
  }
  assert.equal(logged.join('').includes(secret), false, logged.join(''))
})

test('a dead-letter id with a malformed percent escape gets a 400, not a 500, and is not echoed or logged', async () => {
  // Found by the fuzz harness (seed 20261207, api case 53458): decodeURIComponent threw on a lone '%'.
  const secret = `${gen.base62(10)}%zz${gen.base62(8)}`
  const r = await rawRequest(
    api.port,
    `POST /api/v1/dead-letters/${secret}/retry HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
  )
  assert.equal(r.status, 400, r.text)
  assert.match(r.text, /malformed percent-encoding/)
  assert.equal(r.text.includes(secret.slice(0, 10)) || logged.join('').includes(secret.slice(0, 10)), false)
})

test('text output escapes control characters of incident fields (a stream name cannot forge a line)', async () => {
  const ESC = String.fromCharCode(27)
  const evil = finding(gen.githubToken('ghp_'), `k8s/ns/pod/app\n${ESC}[2J0000000000000000  critical open\u202e`, 1, '2025-01-01T00:00:00.000Z')
  await store.record(evil, ctx())
  const text = await run('get', evil.fingerprint)
  // The incident's line and its one history line, each whole.
  assert.equal(text.trimEnd().split('\n').length, 2, JSON.stringify(text))
  assert.equal(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(text.replaceAll('\n', '')), false, JSON.stringify(text))
  assert.match(text, /k8s\/ns\/pod\/app\\n\\x1b\[2J0000000000000000 {2}critical open\\u202e/)
})
