// The log shapes of the benchmark corpus and the hard negatives inside them:
// what a scanner meets between two leaked credentials. Every value that looks
// random here is an identifier, a digest or an encoded payload, never a
// credential, so any finding on these lines is a false positive.
//
// Structure comes from a seeded PRNG so two corpora of one seed have the same
// shape; the planted secrets (bench/corpus.ts) come from the rules' own
// generators, seeded from the same seed, so a corpus is the same on every run.

import type { Rng } from '../detectors/gen.ts'

const HEX = '0123456789abcdef'
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const LOWER_NUM = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** The formats of the corpus files; each file holds one. */
export type Shape = 'json' | 'plain' | 'nginx' | 'ci' | 'cri'
export const SHAPES: readonly Shape[] = ['json', 'plain', 'nginx', 'ci', 'cri']

/** A clock that moves forward by a few milliseconds per line, like a busy service. */
export class LogClock {
  ms: number
  constructor(start: number) {
    this.ms = start
  }
  tick(rng: Rng): Date {
    this.ms += rng.int(40)
    return new Date(this.ms)
  }
}

const uuid = (r: Rng): string =>
  `${r.chars(HEX, 8)}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-${r.pick(['8', '9', 'a', 'b'])}${r.chars(HEX, 3)}-${r.chars(HEX, 12)}`
const podSuffix = (r: Rng): string => `${r.chars('bcdfghjklmnpqrstvwxz2456789', 10)}-${r.chars('bcdfghjklmnpqrstvwxz2456789', 5)}`
const ip = (r: Rng): string => `10.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`
const base64Of = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

const SERVICES = ['orders-api', 'payments', 'checkout', 'inventory', 'auth-gateway', 'search', 'notifications', 'billing-worker', 'catalog', 'shipping']
const NAMESPACES = ['prod', 'staging', 'payments', 'platform', 'data', 'default']
const PATHS = ['/api/v1/orders', '/api/v1/cart', '/api/v2/products', '/healthz', '/metrics', '/api/v1/users', '/static/js/app.js', '/graphql', '/login']
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'kube-probe/1.30',
  'Prometheus/2.53.0',
  'okhttp/4.12.0',
  'python-requests/2.32.3',
  'Go-http-client/1.1'
]

/**
 * A hard negative: a value a naive high-entropy or keyword scanner reports,
 * in the context it appears in. Weighted toward what real logs carry most.
 */
export function hardNegative(r: Rng): string {
  switch (r.int(16)) {
    case 0:
      return `image=registry.acme.io/${r.pick(SERVICES)}@sha256:${r.chars(HEX, 64)}`
    case 1:
      return `commit=${r.chars(HEX, 40)}`
    case 2:
      return `etag="${r.chars(HEX, 32)}"`
    case 3:
      return `traceparent=00-${r.chars(HEX, 32)}-${r.chars(HEX, 16)}-01`
    case 4:
      return `integrity=sha512-${Buffer.from(r.chars(B62, 64)).toString('base64')}`
    case 5:
      // Pagination cursors are base64 of JSON: the base64 decoder sees them.
      return `cursor=${base64Of(`{"last_id":${r.int(1e9)},"ts":${1_700_000_000 + r.int(1e7)}}`)}`
    case 6:
      return `payload=${Buffer.from(r.chars(B62, 48 + r.int(48))).toString('base64')}`
    case 7:
      return `checksum=sha256:${r.chars(HEX, 64)}`
    case 8:
      return `x-amz-request-id=${r.chars('0123456789ABCDEF', 16)} x-amz-id-2=${base64Of(r.chars(B62, 56))}`
    case 9:
      return `customer=cus_${r.chars(B62, 14)} payment_intent=pi_${r.chars(B62, 24)}`
    case 10:
      return `pod=${r.pick(SERVICES)}-${podSuffix(r)} uid=${uuid(r)}`
    case 11:
      return `token=${r.pick(['<redacted>', '********', `\${VAULT_TOKEN}`, '[MASKED]', 'null', '***'])}`
    case 12:
      return `password=${r.pick(['********', '<redacted>', `\${DB_PASSWORD}`, '{{ .Values.db.password }}', 'REDACTED', '***'])}`
    case 13:
      return `session_key_id=${uuid(r)} key_version=${r.int(20)}`
    case 14:
      return `api_key_hash=${r.chars(HEX, 64)}`
    default:
      return `job_id=${r.chars(LOWER_NUM, 20)} build=${r.chars(HEX, 12)}`
  }
}

const JSON_MSGS: ReadonlyArray<(r: Rng) => Record<string, unknown>> = [
  (r) => ({
    msg: 'request completed',
    method: r.pick(['GET', 'POST', 'PUT']),
    path: `${r.pick(PATHS)}/${r.int(1e6)}`,
    status: r.pick([200, 200, 200, 201, 204, 404, 500]),
    duration_ms: r.int(900) / 10
  }),
  (r) => ({ msg: 'cache miss', key: `order:${uuid(r)}`, ttl_s: 300 }),
  (r) => ({ msg: 'uploaded object', bucket: 'acme-artifacts', key: `reports/${r.int(9999)}.csv`, etag: r.chars(HEX, 32), sha256: r.chars(HEX, 64) }),
  (r) => ({ msg: 'pulled image', image: `registry.acme.io/${r.pick(SERVICES)}@sha256:${r.chars(HEX, 64)}` }),
  (r) => ({ msg: 'token refreshed', subject: `system:serviceaccount:${r.pick(NAMESPACES)}:${r.pick(SERVICES)}`, expires_in: 3600, token: '[REDACTED]' }),
  (r) => ({ msg: 'auth ok', user_id: r.int(1e6), session_key_id: uuid(r), mfa: r.chance(0.5) }),
  (r) => ({ msg: 'published event', topic: 'orders.v1', partition: r.int(12), offset: r.int(1e8), payload: Buffer.from(r.chars(B62, 60)).toString('base64') }),
  (r) => ({ msg: 'payment captured', customer: `cus_${r.chars(B62, 14)}`, payment_intent: `pi_${r.chars(B62, 24)}`, amount: r.int(100000), currency: 'eur' }),
  () => ({ msg: 'config loaded', db: { host: 'postgres.prod', user: 'app', password: '********' }, redis: 'redis://redis.prod:6379/0' }),
  (r) => ({ msg: 'slow query', duration_ms: 500 + r.int(5000), query_hash: r.chars(HEX, 40), rows: r.int(10000) }),
  (r) => ({ msg: 'next page', cursor: base64Of(`{"last_id":${r.int(1e9)},"ts":${1_700_000_000 + r.int(1e7)}}`) }),
  (r) => ({
    msg: 'webhook delivered',
    endpoint: 'https://hooks.partner.example/acme',
    attempt: 1 + r.int(3),
    signature_header: 'webhook-signature',
    latency_ms: r.int(800)
  })
]

function jsonLine(r: Rng, t: Date): string {
  const base: Record<string, unknown> = {
    level: r.pick(['info', 'info', 'info', 'debug', 'warn', 'error']),
    ts: t.toISOString(),
    logger: r.pick(SERVICES),
    caller: `${r.pick(['handler', 'store', 'queue', 'http'])}/${r.pick(['orders', 'cart', 'users'])}.go:${10 + r.int(400)}`,
    ...r.pick(JSON_MSGS)(r),
    request_id: uuid(r),
    trace_id: r.chars(HEX, 32),
    span_id: r.chars(HEX, 16)
  }
  return JSON.stringify(base)
}

const JAVA_FRAMES = [
  'com.acme.orders.OrderService.place(OrderService.java:%d)',
  'com.acme.orders.OrderController.create(OrderController.java:%d)',
  'org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:%d)',
  'jakarta.servlet.http.HttpServlet.service(HttpServlet.java:%d)',
  'org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:%d)',
  'com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:%d)',
  'java.base/java.lang.Thread.run(Thread.java:%d)'
]

function stackTrace(r: Rng): string[] {
  switch (r.int(3)) {
    case 0: {
      const lines = [
        `${r.pick(['java.lang.IllegalStateException', 'java.sql.SQLTransientConnectionException', 'java.lang.NullPointerException'])}: ${r.pick(['Connection is not available, request timed out after 30000ms', 'order not found', 'Cannot invoke "String.length()" because "key" is null'])}`
      ]
      const n = 4 + r.int(8)
      for (let i = 0; i < n; i++) lines.push(`\tat ${r.pick(JAVA_FRAMES).replace('%d', String(20 + r.int(900)))}`)
      if (r.chance(0.3)) lines.push(`Caused by: java.net.SocketTimeoutException: Read timed out`, `\t... ${r.int(40)} common frames omitted`)
      return lines
    }
    case 1: {
      const lines = ['Traceback (most recent call last):']
      const n = 2 + r.int(5)
      for (let i = 0; i < n; i++) {
        lines.push(
          `  File "/app/${r.pick(['worker', 'api', 'tasks'])}/${r.pick(['billing', 'export', 'sync'])}.py", line ${1 + r.int(500)}, in ${r.pick(['run', 'handle', '_fetch', 'process_batch'])}`
        )
        lines.push(
          `    ${r.pick(['result = client.get(url, timeout=5)', 'row = cursor.fetchone()', 'return self._session.request(method, url, **kwargs)', 'data = json.loads(body)'])}`
        )
      }
      lines.push(
        r.pick([
          "KeyError: 'customer_id'",
          "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.partner.example', port=443): Read timed out.",
          'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)'
        ])
      )
      return lines
    }
    default: {
      const lines = [
        r.pick(['Error: connect ECONNREFUSED 10.0.3.7:5432', "TypeError: Cannot read properties of undefined (reading 'id')", 'Error: socket hang up'])
      ]
      const n = 3 + r.int(6)
      for (let i = 0; i < n; i++)
        lines.push(
          `    at ${r.pick(['TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)', `OrderService.place (/app/dist/orders.js:${r.int(900)}:${r.int(60)})`, 'process.processTicksAndRejections (node:internal/process/task_queues:105:5)', `async Router.handle (/app/node_modules/express/lib/router/index.js:${r.int(600)}:${r.int(40)})`])}`
        )
      return lines
    }
  }
}

function plainPrefix(r: Rng, t: Date, level: string): string {
  const ts = t.toISOString().replace('T', ' ').replace('Z', '')
  return `${ts}  ${level.padStart(5)} 1 --- [${r.pick(['nio-8080-exec-3', 'main', 'scheduling-1', 'kafka-consumer-2', 'HikariPool-1 housekeeper'])}] ${r.pick(['c.a.orders.OrderController', 'c.a.billing.InvoiceJob', 'o.s.web.servlet.DispatcherServlet', 'c.z.hikari.pool.HikariPool'])} :`
}

function plainLines(r: Rng, t: Date): string[] {
  if (r.chance(0.012)) return [`${plainPrefix(r, t, 'ERROR')} ${r.pick(['Request processing failed', 'Job failed', 'Unhandled exception'])}`, ...stackTrace(r)]
  const msgs = [
    () => `Fetched order id=${r.int(1e7)} in ${r.int(200)} ms`,
    () => `Completed initialization in ${r.int(50)} ms`,
    () => `HikariPool-1 - Pool stats (total=10, active=${r.int(10)}, idle=${r.int(10)}, waiting=0)`,
    () => `Invoice ${r.chars('0123456789ABCDEF', 8)} rendered, ${hardNegative(r)}`,
    () => `Sent message to orders.v1 key=${uuid(r)} ${hardNegative(r)}`,
    () => `Validated token for subject=${r.pick(SERVICES)} (kid=${r.chars(HEX, 16)})`,
    () => `Loaded ${r.int(500)} products from cache, key prefix catalog:v${r.int(9)}`
  ]
  return [`${plainPrefix(r, t, r.pick(['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN']))} ${r.pick(msgs)()}`]
}

function nginxLine(r: Rng, t: Date): string {
  const d = t.toUTCString().split(' ') // Sun, 01 Jun 2025 10:00:00 GMT
  const ts = `${d[1]}/${d[2]}/${d[3]}:${d[4]} +0000`
  const q = r.chance(0.3) ? `?page=${r.int(50)}&sort=${r.pick(['asc', 'desc'])}&cursor=${base64Of(`{"id":${r.int(1e6)}}`)}` : ''
  return `${ip(r)} - - [${ts}] "${r.pick(['GET', 'GET', 'GET', 'POST'])} ${r.pick(PATHS)}${q} HTTP/1.1" ${r.pick([200, 200, 200, 304, 404, 502])} ${r.int(90000)} "${r.pick(['-', 'https://shop.acme.io/cart', 'https://shop.acme.io/'])}" "${r.pick(AGENTS)}" ${(r.int(2000) / 1000).toFixed(3)} ${r.chars(HEX, 32)}`
}

/** An error-log record: nginx writes a message's own newlines as they are, then the client and server after its end. */
function nginxError(r: Rng, t: Date, msg: string[]): string[] {
  const ts = t.toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/')
  const lines = [...msg]
  lines[0] = `${ts} [warn] 12#12: *${r.int(1e6)} ${lines[0] ?? ''}`
  lines[lines.length - 1] = `${lines.at(-1) ?? ''}, client: ${ip(r)}, server: shop.acme.io`
  return lines
}

const CI_STEPS: ReadonlyArray<(r: Rng) => string> = [
  () => '##[group]Run actions/checkout@v4',
  (r) => `HEAD is now at ${r.chars(HEX, 7)} Merge pull request #${r.int(5000)} from acme/feature-${r.int(999)}`,
  (r) => `Receiving objects: ${r.int(100)}% (${r.int(9000)}/${9000}), ${r.int(90)}.${r.int(99)} MiB | ${r.int(50)}.00 MiB/s`,
  (r) => `#${r.int(20)} [${1 + r.int(6)}/7] RUN npm ci --omit=dev`,
  (r) => `#${r.int(20)} sha256:${r.chars(HEX, 64)} ${r.int(90)}.${r.int(9)}MB / ${90 + r.int(90)}.${r.int(9)}MB ${r.int(9)}.${r.int(9)}s`,
  (r) => `Digest: sha256:${r.chars(HEX, 64)}`,
  (r) => `added ${r.int(1500)} packages, and audited ${r.int(1600)} packages in ${r.int(60)}s`,
  (r) => `npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. ${hardNegative(r)}`,
  () => '  GITHUB_TOKEN: ***',
  () => '  NPM_TOKEN: ***',
  (r) => `##[debug]Evaluating: secrets.${r.pick(['NPM_TOKEN', 'AWS_ROLE_ARN', 'SLACK_WEBHOOK'])}`,
  (r) => `✓ ${r.pick(['renders cart', 'computes tax', 'rejects expired token', 'refreshes session key'])} (${r.int(300)} ms)`,
  (r) => `ok ${r.int(400)} - ${r.pick(['orders', 'auth', 'billing'])} ${r.pick(['create', 'update', 'token rotation'])} # time=${r.int(900)}.${r.int(999)}ms`,
  (r) => `Uploading artifact "coverage" (${r.int(9000)} bytes), id=${r.int(1e9)}, digest=sha256:${r.chars(HEX, 64)}`,
  (r) => `\u001b[32;1m$ ${r.pick(['npm test', 'make build', 'docker push registry.gitlab.com/acme/app:latest', 'helm lint chart/'])}\u001b[0;m`,
  (r) =>
    `section_start:${1_717_000_000 + r.int(1e6)}:${r.pick(['step_script', 'prepare_executor', 'upload_artifacts'])}\u001b[0K\u001b[0K\u001b[36;1mExecuting "step_script" stage\u001b[0;m`,
  (r) => `Using docker image sha256:${r.chars(HEX, 64)} for node:24-alpine with digest node@sha256:${r.chars(HEX, 64)} ...`,
  (r) => `${hardNegative(r)}`
]

function ciPrefix(t: Date, github: boolean): string {
  // GitHub Actions prints a 7-digit fraction timestamp on every line; GitLab traces carry none.
  return github ? `${t.toISOString().replace('Z', '0000Z')} ` : ''
}

/**
 * A shape's generator: the next run of physical lines of noise, and how a
 * message of one or more lines (a planted secret, a rule's negative example)
 * is embedded in this shape.
 */
export interface ShapeWriter {
  noise: (r: Rng, clock: LogClock) => string[]
  embed: (r: Rng, clock: LogClock, msg: string[]) => string[]
}

export function writerFor(shape: Shape, fileIndex: number): ShapeWriter {
  switch (shape) {
    case 'json':
      return {
        noise: (r, c) => [jsonLine(r, c.tick(r))],
        // An app that logs a value logs it inside one JSON string: several lines become \n escapes.
        embed: (r, c, msg) => [
          JSON.stringify({
            level: r.pick(['info', 'debug', 'error']),
            ts: c.tick(r).toISOString(),
            logger: r.pick(SERVICES),
            msg: msg.join('\n'),
            request_id: uuid(r)
          })
        ]
      }
    case 'plain':
      return {
        noise: (r, c) => plainLines(r, c.tick(r)),
        // The first line gets the logger prefix; the rest follows raw, as a printed file or a stack trace does.
        embed: (r, c, msg) => [`${plainPrefix(r, c.tick(r), r.pick(['INFO', 'DEBUG', 'ERROR']))} ${msg[0] ?? ''}`, ...msg.slice(1)]
      }
    case 'nginx':
      return {
        noise: (r, c) => [nginxLine(r, c.tick(r))],
        embed: (r, c, msg) => nginxError(r, c.tick(r), msg)
      }
    case 'ci': {
      // Half the CI files are GitHub Actions logs (timestamped), half GitLab traces.
      const github = fileIndex % 2 === 0
      return {
        noise: (r, c) => [`${ciPrefix(c.tick(r), github)}${r.pick(CI_STEPS)(r)}`],
        embed: (r, c, msg) => msg.map((m) => `${ciPrefix(c.tick(r), github)}${m}`)
      }
    }
    case 'cri':
      return {
        // The container runtime's file format: every physical line gets time, stream and P/F tag.
        noise: (r, c) => {
          const t = c.tick(r)
          const inner = r.chance(0.5) ? [jsonLine(r, t)] : plainLines(r, t)
          const stream = inner.length > 1 ? 'stderr' : 'stdout'
          return inner.map((l) => `${t.toISOString().replace('Z', '123456Z')} ${stream} F ${l}`)
        },
        embed: (r, c, msg) => {
          const t = c.tick(r)
          return msg.map((m) => `${t.toISOString().replace('Z', '123456Z')} ${r.pick(['stdout', 'stderr'])} F ${m}`)
        }
      }
  }
}
