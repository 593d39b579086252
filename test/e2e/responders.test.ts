// The responder role on the real Redis and BullMQ of the test harness, with
// findings arriving on a bus and Slack, the rotation webhook and the
// incidents API played by checking stand-ins (test/responders/standins.ts).

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, test } from 'node:test'
import { startResponder } from '../../app/responder.ts'
import { loadConfig } from '../../config/load.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import type { ActionRecord, Finding } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { retryDelayMs } from '../../pipeline/jobs.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import type { Incident } from '../../responders/incidents.ts'
import { ACTION_IDS } from '../../responders/slack-blocks.ts'
import { sign } from '../../responders/webhook.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { finding, gen } from '../responders/fixtures.ts'
import { slackSigned, startSlack, startWebhookReceiver } from '../responders/standins.ts'
import { capture, dumpRedis, forms, uniqueId, waitFor } from './helpers.ts'

let services: Services
before(async () => {
  services = await getServices()
})

const SLACK_TOKEN = `xoxb-${gen.digits(12)}-${gen.base62(24)}`
const whsec = (): string => `whsec_${randomBytes(32).toString('base64')}`

async function harness(overrides: Record<string, unknown>) {
  const id = uniqueId()
  const prefix = `rsp${id}`
  const config = loadConfig({
    env: {},
    overrides: { 'redis.url': services.redisUrl, 'redis.keyPrefix': prefix, 'responder.console': false, 'responder.groupId': `g${id}`, ...overrides }
  })
  const bus = createMemoryBus()
  const codec = createCodec({ payloadKey: undefined, compress: false })
  const metrics = createMetrics()
  const logs = capture()
  const log = createLogger({ level: 'debug', destination: logs })
  const runner = { bus, codec, metrics, logger: log }
  const publish = createPublisher(runner)
  const r = await startResponder(config, { log, metrics, runner, publish, embedded: false, stdout: undefined })
  return {
    prefix,
    metrics,
    logs,
    store: r.incidents,
    api: r.api,
    stop: r.stop,
    send: (fs: Finding[]) => publish(fs.map((f) => ({ topic: TOPICS.findings, key: f.fingerprint, value: f }))),
    actions: () => bus.messages(TOPICS.actions).map((m) => codec.decode(TOPICS.actions, m.value as Buffer) as ActionRecord)
  }
}

function slackOverrides(apiUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'responder.slack.token': SLACK_TOKEN,
    'responder.slack.apiUrl': apiUrl,
    'responder.slack.defaultChannel': 'C0SECURITY',
    'responder.slack.coalesceMs': 300,
    'responder.slack.backoffMs': 50,
    'responder.slack.maxBackoffMs': 300,
    ...extra
  }
}

function fieldText(blocks: Array<Record<string, unknown>>, label: string): string | undefined {
  for (const b of blocks) {
    const fields = (b.fields ?? []) as Array<{ text: string }>
    const f = fields.find((x) => x.text.startsWith(`*${label}*`))
    if (f !== undefined) return f.text
  }
  return undefined
}

test('1,000 occurrences of one secret: one Slack message, updated in place a handful of times, ending at 1000×', async () => {
  const slack = await startSlack(SLACK_TOKEN, { minIntervalMs: 900 })
  const h = await harness(slackOverrides(slack.apiUrl))
  const secret = gen.githubToken('ghp_')
  try {
    // Ten batches over about a second, as a noisy pod would log them.
    for (let b = 0; b < 10; b++) {
      await h.send(Array.from({ length: 100 }, (_, n) => finding(secret, `k8s/payments/api-${n % 7}/app`, b * 100 + n + 1, new Date(Date.now()).toISOString())))
      await new Promise((r) => setTimeout(r, 100))
    }
    const fp = finding(secret, 'x', 1, '').fingerprint
    await waitFor('1000 occurrences recorded', async () => ((await h.store.get(fp))?.occurrences === 1000 ? true : undefined), 30_000)
    await waitFor(
      'the message to show 1000×',
      () => (fieldText(slack.messages[0]?.blocks ?? [], 'Seen')?.includes('1000×') === true ? true : undefined),
      30_000
    )
    assert.equal(slack.messages.length, 1, 'one message per incident, never one per occurrence')
    const m = slack.messages[0] as (typeof slack.messages)[number]
    // Coalescing: occurrences within `coalesceMs` (300 ms here) fold into one chat.update, and every update
    // renders the incident as it is when it runs; ~1.3 s of arrivals gives a few updates, not 1,000.
    assert.ok(m.updates >= 1 && m.updates <= 12, `${m.updates} updates`)
    assert.equal(slack.stats.rejected.length, 0, `Block Kit problems: ${slack.stats.rejected.join('; ')}`)
    assert.equal(slack.stats.ratelimited, 0, 'the per-channel slot kept us under Slack’s limit')
    assert.match(m.text, /GitHub personal access token/)
    const everything = JSON.stringify(slack.messages) + (await dumpRedis(services.redisUrl, h.prefix)) + h.logs.text() + h.metrics.registry.render()
    for (const f of forms(secret)) assert.equal(everything.includes(f), false, 'no plaintext in Slack, Redis, logs or metrics')
  } finally {
    await h.stop()
    await slack.close()
  }
})

test('a Slack outage delays alerts and loses none: every incident is posted exactly once when Slack is back', async () => {
  const slack = await startSlack(SLACK_TOKEN, { minIntervalMs: 900 })
  // Routed to three channels so the per-channel limit does not serialise the recovery.
  const routes = [0, 1, 2].map((n) => ({ match: { namespace: `^team-${n}$` }, channel: `C0TEAM${n}` }))
  const h = await harness(slackOverrides(slack.apiUrl, { 'responder.slack.routes': routes }))
  try {
    slack.setDown(true)
    const secrets = [0, 1, 2].map(() => gen.password())
    await h.send(
      secrets.map((s, n) =>
        finding(s, `k8s/team-${n}/web/app`, 1, new Date().toISOString(), { source: { type: 'k8s', namespace: `team-${n}`, pod: 'web-1', container: 'app' } })
      )
    )
    // The outage window is shortened here (Slack backoff 50–300 ms); what matters is that the jobs retry through it.
    await waitFor('several failed attempts during the outage', () => (slack.stats.down >= 9 ? true : undefined), 30_000)
    assert.equal(slack.messages.length, 0)
    slack.setDown(false)
    await waitFor('all three incidents posted', () => (slack.messages.length === 3 ? true : undefined), 30_000)
    assert.deepEqual(slack.messages.map((m) => m.channel).sort(), ['C0TEAM0', 'C0TEAM1', 'C0TEAM2'])
    const retried = h.actions().filter((a) => a.action === 'slack' && a.outcome === 'retrying')
    assert.ok(retried.length >= 3, 'the outage shows on the actions topic as retries')
    assert.equal(h.actions().filter((a) => a.action === 'slack' && (a.outcome === 'dead-lettered' || a.outcome === 'failed')).length, 0)
    assert.equal(h.metrics.jobsDeadLetter.get(), 0)
    // Slack has the messages before the responder has stored their ts (the reply is still on its way back).
    await waitFor(
      'every incident to store its message',
      async () => {
        const stored = await Promise.all(secrets.map(async (s) => (await h.store.get(finding(s, 'x', 1, '').fingerprint))?.slack?.ts))
        return stored.every((ts) => ts !== undefined && ts !== '') ? true : undefined
      },
      30_000
    )
    for (const s of secrets) {
      const i = (await h.store.get(finding(s, 'x', 1, '').fingerprint)) as Incident
      assert.ok(i.slack?.ts !== undefined && i.slack.ts !== '', 'the incident remembers its message')
    }
  } finally {
    await h.stop()
    await slack.close()
  }
  // With the defaults, the retry budget of a Slack job outlasts far more than a one-minute outage.
  let budget = 0
  for (let n = 1; n < 60; n++) budget += retryDelayMs(n, { attempts: 60, backoffMs: 1000, maxBackoffMs: 300_000 }, new Error('503'), () => 0)
  assert.ok(budget > 4 * 3600_000, `default budget ${Math.round(budget / 60_000)} min`)
})

test('a rotation webhook that fails 3 times then succeeds rotates once, signed, with one webhook-id throughout', async () => {
  const key = whsec()
  const slack = await startSlack(SLACK_TOKEN, { minIntervalMs: 900 })
  const receiver = await startWebhookReceiver([key], (_d, attempt) => (attempt <= 3 ? 503 : 200))
  const h = await harness({
    ...slackOverrides(slack.apiUrl),
    'responder.webhook.url': `${receiver.url}/rotate`,
    'responder.webhook.secrets': [key],
    'responder.webhook.notify': false,
    'responder.webhook.backoffMs': 40,
    'responder.rotation.defaultMode': 'auto'
  })
  try {
    const secret = gen.githubToken('ghp_')
    const f = finding(secret, 'k8s/payments/api/app', 1, new Date().toISOString())
    await h.send([f])
    await waitFor('the incident resolved as rotated', async () => ((await h.store.get(f.fingerprint))?.resolution === 'rotated' ? true : undefined), 30_000)
    // The action record is published after the incident is stored: the last one may still be on its way.
    await waitFor('the successful rotation on the actions topic', async () =>
      h.actions().some((a) => a.action === 'rotate' && a.outcome === 'succeeded') ? true : undefined
    )
    assert.equal(receiver.deliveries.length, 4)
    assert.deepEqual(new Set(receiver.deliveries.map((d) => d.id)), new Set([`rotate-${f.fingerprint}-r1-0-webhook`]), 'webhook-id is stable across retries')
    assert.ok(receiver.deliveries.every((d) => d.validSignature))
    assert.equal(receiver.processed.length, 1)
    assert.equal(receiver.processed[0]?.type, 'rotation.requested')
    const inc = (await h.store.get(f.fingerprint)) as Incident
    assert.equal(inc.history.filter((e) => e.status === 'resolved').length, 1, 'rotated once')
    assert.deepEqual(
      h
        .actions()
        .filter((a) => a.action === 'rotate')
        .map((a) => [a.attempt, a.outcome]),
      [
        [1, 'retrying'],
        [2, 'retrying'],
        [3, 'retrying'],
        [4, 'succeeded']
      ]
    )
    // A replayed finding changes nothing: the next, different finding is the barrier that proves it was handled.
    await h.send([f])
    const g = finding(gen.password(), 'k8s/payments/api/app', 2, new Date().toISOString())
    await h.send([g])
    await waitFor('the barrier incident', async () => ((await h.store.get(g.fingerprint)) === undefined ? undefined : true), 10_000)
    assert.equal((await h.store.get(f.fingerprint))?.occurrences, 1)
    await waitFor(
      'the thread to tell the story',
      () => (slack.messages[0]?.replies.some((r) => /resolved \(rotated\)/.test(r.text)) ? true : undefined),
      30_000
    )
    const replies = slack.messages[0]?.replies.map((r) => r.text) ?? []
    assert.ok(
      replies.some((t) => /^rotating: automatic/.test(t)),
      replies.join(' | ')
    )
    assert.equal(replies.filter((t) => /resolved \(rotated\)/.test(t)).length, 1)
    for (const x of forms(secret)) assert.equal(JSON.stringify(receiver.deliveries).includes(x), false, 'no plaintext in webhooks')
  } finally {
    await h.stop()
    await receiver.close()
    await slack.close()
  }
})

test('a resolved incident whose secret appears again reopens as a regression, says so in its thread, and rotates again when automatic', async () => {
  const key = whsec()
  const slack = await startSlack(SLACK_TOKEN, { minIntervalMs: 900 })
  const receiver = await startWebhookReceiver([key])
  const h = await harness({
    ...slackOverrides(slack.apiUrl),
    'responder.webhook.url': `${receiver.url}/rotate`,
    'responder.webhook.secrets': [key],
    'responder.webhook.notify': false,
    'responder.rotation.defaultMode': 'auto'
  })
  try {
    const secret = gen.githubToken('ghp_')
    const first = finding(secret, 'k8s/payments/api/app', 1, new Date().toISOString())
    await h.send([first])
    await waitFor('rotated', async () => ((await h.store.get(first.fingerprint))?.status === 'resolved' ? true : undefined), 30_000)
    const again = finding(secret, 'k8s/payments/worker/app', 7, new Date(Date.now() + 1000).toISOString())
    await h.send([again])
    await waitFor('rotated a second time', async () => ((await h.store.get(first.fingerprint))?.rotation.round === 2 ? true : undefined), 30_000)
    await waitFor('resolved again', async () => ((await h.store.get(first.fingerprint))?.status === 'resolved' ? true : undefined), 30_000)
    const inc = (await h.store.get(first.fingerprint)) as Incident
    assert.equal(inc.regressions, 1)
    assert.equal(h.metrics.incidentsReopened.get(), 1)
    assert.deepEqual(
      receiver.processed.map((d) => d.id),
      [`rotate-${first.fingerprint}-r1-0-webhook`, `rotate-${first.fingerprint}-r2-0-webhook`]
    )
    await waitFor(
      'the regression in the thread',
      () => (slack.messages[0]?.replies.some((r) => /reopened: regression/.test(r.text)) ? true : undefined),
      30_000
    )
    assert.equal(slack.messages.length, 1, 'the same message, not a new one')
  } finally {
    await h.stop()
    await receiver.close()
    await slack.close()
  }
})

test('Slack buttons and the incidents API: signed clicks only, rotate with a 202 and a signed callback, false positive, dead letters', async () => {
  const key = whsec()
  const signingSecret = gen.base62(32)
  const apiToken = gen.base62(40)
  const slack = await startSlack(SLACK_TOKEN, { minIntervalMs: 900 })
  // The rotation endpoint takes the job and reports later; another endpoint refuses everything (400).
  const receiver = await startWebhookReceiver([key], (d) => (d.type === 'rotation.requested' ? 202 : 200))
  const refusing = await startWebhookReceiver([key], () => 400)
  const h = await harness({
    ...slackOverrides(slack.apiUrl),
    'responder.slack.signingSecret': signingSecret,
    'responder.webhook.url': `${receiver.url}/rotate`,
    'responder.webhook.secrets': [key],
    'responder.webhookEndpoints': [{ name: 'refuses', url: `${refusing.url}/x`, secrets: [key] }],
    'responder.rotation.policy': [{ match: { rule: '^generic-' }, mode: 'auto', actions: [{ type: 'webhook', endpoint: 'refuses' }] }],
    'responder.api.enabled': true,
    'responder.api.host': '127.0.0.1',
    'responder.api.port': 0,
    'responder.api.tokens': [apiToken]
  })
  const base = `http://127.0.0.1:${h.api?.port}`
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}`, 'x-leakwatch-actor': 'alice', ...(init.headers ?? {}) } })
  const click = (actionId: string, fp: string, headers?: Record<string, string>) => {
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U1', username: 'bob' }, actions: [{ action_id: actionId, value: fp }] }))}`
    return fetch(`${base}/slack/interactions`, { method: 'POST', headers: headers ?? slackSigned(signingSecret, body), body })
  }
  try {
    const a = finding(gen.githubToken('ghp_'), 'k8s/payments/api/app', 1, new Date().toISOString())
    const b = finding(gen.githubToken('ghp_'), 'k8s/payments/api/app', 2, new Date().toISOString())
    await h.send([a, b])
    await waitFor('both incidents posted', () => (slack.messages.length === 2 ? true : undefined), 30_000)
    const buttons = JSON.stringify(slack.messages[0]?.blocks)
    for (const id of Object.values(ACTION_IDS)) assert.ok(buttons.includes(id), `button ${id}`)

    // Forged and replayed clicks are refused.
    assert.equal((await click(ACTION_IDS.rotate, a.fingerprint, slackSigned(gen.base62(32), 'payload=%7B%7D'))).status, 401)
    const stale = `payload=${encodeURIComponent('{}')}`
    assert.equal((await click(ACTION_IDS.rotate, a.fingerprint, slackSigned(signingSecret, stale, Math.floor(Date.now() / 1000) - 600))).status, 401)

    assert.equal((await click(ACTION_IDS.rotate, a.fingerprint)).status, 200)
    await waitFor('the 202', async () => ((await h.store.get(a.fingerprint))?.actions.some((x) => x.outcome === 'accepted') ? true : undefined), 30_000)
    const pending = (await h.store.get(a.fingerprint)) as Incident
    assert.equal(pending.status, 'rotating')
    const webhookId = `rotate-${a.fingerprint}-r1-0-webhook`
    // The endpoint reports completion with a request signed like a webhook; an unsigned one is refused.
    const cb = JSON.stringify({ type: 'rotation.completed', data: { fingerprint: a.fingerprint, webhookId, status: 'succeeded', detail: 'new token issued' } })
    const ts = String(Math.floor(Date.now() / 1000))
    const post = (sig: string) =>
      fetch(`${base}/api/v1/callbacks/webhook`, {
        method: 'POST',
        headers: { 'webhook-id': 'cb-1', 'webhook-timestamp': ts, 'webhook-signature': sig },
        body: cb
      })
    assert.equal((await post(sign(whsec(), 'cb-1', ts, cb))).status, 401)
    assert.equal((await post(sign(key, 'cb-1', ts, cb))).status, 200)
    const done = (await h.store.get(a.fingerprint)) as Incident
    assert.equal(done.status, 'resolved')
    assert.equal(done.resolution, 'rotated')
    assert.ok(done.history.some((e) => e.actor === 'slack:bob' && /Rotate now pressed in Slack/.test(e.text)))

    assert.equal((await click(ACTION_IDS.falsePositive, b.fingerprint)).status, 200)
    await waitFor('false positive', async () => ((await h.store.get(b.fingerprint))?.resolution === 'false_positive' ? true : undefined), 10_000)

    // The API: authenticated, filtered, status changes with a reason.
    assert.equal((await fetch(`${base}/api/v1/incidents`)).status, 401)
    assert.equal((await fetch(`${base}/api/v1/incidents`, { headers: { authorization: `Bearer ${gen.base62(40)}` } })).status, 401)
    const listed = (await (await api('/api/v1/incidents?status=resolved')).json()) as { incidents: Incident[] }
    assert.deepEqual(listed.incidents.map((i) => i.fingerprint).sort(), [a.fingerprint, b.fingerprint].sort())
    assert.equal((await api('/api/v1/incidents?status=bogus')).status, 400)
    const reopen = await api(`/api/v1/incidents/${b.fingerprint}/status`, {
      method: 'POST',
      body: JSON.stringify({ status: 'open', reason: 'it is real after all' })
    })
    assert.equal(reopen.status, 200)
    assert.equal(((await reopen.json()) as Incident).history.at(-1)?.actor, 'alice')
    assert.equal(
      (await api(`/api/v1/incidents/${b.fingerprint}/status`, { method: 'POST', body: JSON.stringify({ status: 'open', reason: 'again' }) })).status,
      409
    )
    assert.equal((await api(`/api/v1/incidents/${b.fingerprint}/status`, { method: 'POST', body: JSON.stringify({ status: 'resolved' }) })).status, 400)
    assert.equal((await api(`/api/v1/incidents/${'0'.repeat(64)}`)).status, 404)
    const rot = await api(`/api/v1/incidents/${b.fingerprint}/rotate`, { method: 'POST', body: '{}' })
    assert.equal(rot.status, 202)
    assert.deepEqual(((await rot.json()) as { jobs: string[] }).jobs, [`rotate-${b.fingerprint}-r1-0-webhook`])

    // A rejected rotation (HTTP 400, not retried) is a dead letter, visible in the API and the metrics.
    const g = finding(gen.password(), 'ci/github/acme/api/build', 3, new Date().toISOString(), { rule: 'generic-password' })
    await h.send([g])
    const dead = await waitFor(
      'a dead letter',
      async () => {
        const r = (await (await api('/api/v1/dead-letters')).json()) as { count: number; deadLetters: Array<{ id: string; reason: string }> }
        return r.count > 0 ? r : undefined
      },
      30_000
    )
    assert.equal(dead.deadLetters[0]?.id, `rotate-${g.fingerprint}-r1-0-webhook`)
    assert.match(dead.deadLetters[0]?.reason ?? '', /LW_ERR_WEBHOOK_REJECTED: webhook .* answered HTTP 400/)
    await waitFor('the dead-letter gauge', () => (h.metrics.jobsDeadLetter.get() === 1 ? true : undefined), 10_000)
    assert.equal((await h.store.get(g.fingerprint))?.status, 'open', 'a failed rotation leaves the incident open')
    assert.equal((await api(`/api/v1/dead-letters/${dead.deadLetters[0]?.id}/retry`, { method: 'POST' })).status, 202)
    assert.equal((await api('/api/v1/dead-letters/nope/retry', { method: 'POST' })).status, 404)
  } finally {
    await h.stop()
    await receiver.close()
    await refusing.close()
    await slack.close()
  }
})
