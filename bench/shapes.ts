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
export type Shape = 'json' | 'plain' | 'nginx' | 'ci' | 'cri' | 'audit'
/** The engine benchmark's shapes; `audit` is the shape benchmark's (bench/shape-speed.ts) only, so the engine corpus stays as it was. */
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
    case 'audit':
      return {
        noise: (r, c) => [auditNoise(r, c.tick(r))],
        embed: (r, c, msg) => [auditEmbed(r, c.tick(r), msg)]
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

// Kubernetes audit events, one audit.k8s.io/v1 Event per line, modelled on
// the apiserver's own output (test/fixtures/audit/ and the Falco trace files
// described in ../shared/samples/k8s-audit/NOTICE): most lines are
// Metadata-level lease renewals, gets and watches of controllers and
// kubelets; fewer are Request/RequestResponse writes that carry whole
// objects, managedFields and kubectl's last-applied-configuration (JSON
// escaped inside JSON) — where leaked values sit.

const AUDIT_AGENTS = [
  'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/leader-election',
  'kubelet/v1.30.2 (linux/amd64) kubernetes/3968350',
  'kube-scheduler/v1.30.2 (linux/amd64) kubernetes/3968350/leader-election',
  'kubectl/v1.30.1 (linux/amd64) kubernetes/7c8a1e5',
  'argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format',
  'helm/v3.15.2 (linux/amd64) kubernetes/$Format'
]
const NODES = ['ip-10-0-12-34.eu-west-1.compute.internal', 'ip-10-0-40-7.eu-west-1.compute.internal', 'ip-10-0-77-190.eu-west-1.compute.internal']

const timestamps = (r: Rng, t: Date): Record<string, string> => ({
  requestReceivedTimestamp: new Date(t.getTime() - 1 - r.int(30)).toISOString().replace('Z', `${`${r.int(1000)}`.padStart(3, '0')}Z`),
  stageTimestamp: t.toISOString().replace('Z', `${`${r.int(1000)}`.padStart(3, '0')}Z`)
})

const decision = (r: Rng): Record<string, string> => ({
  'authorization.k8s.io/decision': 'allow',
  'authorization.k8s.io/reason': r.chance(0.5)
    ? 'RBAC: allowed by ClusterRoleBinding "system:controller:leader-election" of ClusterRole "system:leader-election"'
    : ''
})

const sa = (ns: string, name: string, r: Rng): Record<string, unknown> => ({
  username: `system:serviceaccount:${ns}:${name}`,
  uid: uuid(r),
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  extra: {
    'authentication.kubernetes.io/credential-id': [`JTI=${uuid(r)}`],
    'authentication.kubernetes.io/pod-name': [`${name}-${podSuffix(r)}`],
    'authentication.kubernetes.io/pod-uid': [uuid(r)]
  }
})

const managedFields = (r: Rng, manager: string, t: Date, fields: Record<string, unknown>): Record<string, unknown>[] => [
  { manager, operation: r.pick(['Update', 'Apply']), apiVersion: 'v1', time: `${t.toISOString().slice(0, 19)}Z`, fieldsType: 'FieldsV1', fieldsV1: fields }
]

function auditMetadata(r: Rng): Record<string, unknown> {
  const node = r.pick(NODES)
  switch (r.int(4)) {
    case 0: {
      // Lease renewals: the most frequent event of every cluster.
      const holder = r.pick(['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager'])
      return {
        level: 'Metadata',
        verb: 'update',
        requestURI: `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${holder}?timeout=5s`,
        user: { username: `system:${holder}`, groups: ['system:authenticated'] },
        userAgent: r.pick(AUDIT_AGENTS),
        objectRef: {
          resource: 'leases',
          namespace: 'kube-system',
          name: holder,
          uid: uuid(r),
          apiGroup: 'coordination.k8s.io',
          apiVersion: 'v1',
          resourceVersion: String(1e6 + r.int(9e6))
        },
        code: 200
      }
    }
    case 1:
      return {
        level: 'Metadata',
        verb: r.pick(['get', 'watch', 'list']),
        requestURI: `/api/v1/namespaces/${r.pick(NAMESPACES)}/${r.pick(['configmaps', 'secrets', 'pods', 'endpoints'])}?allowWatchBookmarks=true&resourceVersion=${r.int(9e6)}&timeout=${5 + r.int(9)}m${r.int(60)}s&timeoutSeconds=${300 + r.int(300)}&watch=true`,
        user: sa('kube-system', r.pick(['endpointslice-controller', 'replicaset-controller', 'generic-garbage-collector', 'coredns']), r),
        userAgent: r.pick(AUDIT_AGENTS),
        objectRef: { resource: r.pick(['configmaps', 'secrets', 'pods']), namespace: r.pick(NAMESPACES), apiVersion: 'v1' },
        code: 200
      }
    case 2:
      return {
        level: 'Metadata',
        verb: 'get',
        requestURI: `/api/v1/nodes/${node}?resourceVersion=0&timeout=10s`,
        user: { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] },
        userAgent: AUDIT_AGENTS[1] as string,
        objectRef: { resource: 'nodes', name: node, apiVersion: 'v1' },
        code: 200
      }
    default:
      return {
        level: 'Metadata',
        verb: 'create',
        requestURI: `/api/v1/namespaces/${r.pick(NAMESPACES)}/serviceaccounts/${r.pick(SERVICES)}/token`,
        user: { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] },
        userAgent: AUDIT_AGENTS[1] as string,
        objectRef: { resource: 'serviceaccounts', namespace: r.pick(NAMESPACES), name: r.pick(SERVICES), apiVersion: 'v1', subresource: 'token' },
        code: 201
      }
  }
}

function podObject(r: Rng, t: Date, ns: string, name: string, env: Array<{ name: string; value: string }>): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      generateName: `${name.slice(0, name.lastIndexOf('-') + 1)}`,
      namespace: ns,
      uid: uuid(r),
      resourceVersion: String(1e6 + r.int(9e6)),
      creationTimestamp: `${t.toISOString().slice(0, 19)}Z`,
      labels: { app: name.split('-')[0] ?? name, 'pod-template-hash': r.chars('bcdfghjklmnpqrstvwxz2456789', 10) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: name.slice(0, name.lastIndexOf('-')), uid: uuid(r), controller: true, blockOwnerDeletion: true }
      ],
      managedFields: managedFields(r, 'kube-controller-manager', t, {
        'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': { 'f:containers': {} }
      })
    },
    spec: {
      containers: [
        {
          name: name.split('-')[0],
          image: `registry.acme.io/${r.pick(SERVICES)}@sha256:${r.chars(HEX, 64)}`,
          env,
          resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
          volumeMounts: [
            { name: `kube-api-access-${r.chars('bcdfghjklmnpqrstvwxz2456789', 5)}`, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }
          ],
          terminationMessagePath: '/dev/termination-log',
          imagePullPolicy: 'IfNotPresent'
        }
      ],
      restartPolicy: 'Always',
      serviceAccountName: name.split('-')[0],
      nodeName: r.pick(NODES),
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }
    },
    status: { phase: 'Pending', qosClass: 'Burstable' }
  }
}

function auditWrite(r: Rng, t: Date, env: Array<{ name: string; value: string }>, data: Record<string, string> | undefined): Record<string, unknown> {
  const ns = r.pick(NAMESPACES)
  const svc = r.pick(SERVICES)
  if (data !== undefined) {
    // kubectl apply: the object, and the same object again as escaped JSON in last-applied-configuration.
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${svc}-config`, namespace: ns }, data }
    const obj = {
      ...applied,
      metadata: {
        ...applied.metadata,
        uid: uuid(r),
        resourceVersion: String(1e6 + r.int(9e6)),
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(applied)}\n` },
        managedFields: managedFields(r, 'kubectl-client-side-apply', t, { 'f:data': Object.fromEntries(Object.keys(data).map((k) => [`f:${k}`, {}])) })
      }
    }
    return {
      level: 'RequestResponse',
      verb: r.pick(['create', 'patch', 'update']),
      requestURI: `/api/v1/namespaces/${ns}/configmaps/${svc}-config?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
      user: { username: r.pick(['alice@acme.io', 'ci-deployer', 'kubernetes-admin']), groups: ['system:authenticated', 'platform-admins'] },
      userAgent: AUDIT_AGENTS[3] as string,
      objectRef: { resource: 'configmaps', namespace: ns, name: `${svc}-config`, apiVersion: 'v1' },
      code: 200,
      requestObject: applied,
      responseObject: obj
    }
  }
  const name = `${svc}-${podSuffix(r)}`
  return {
    level: 'RequestResponse',
    verb: 'create',
    requestURI: `/api/v1/namespaces/${ns}/pods`,
    user: sa('kube-system', 'replicaset-controller', r),
    userAgent: 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:replicaset-controller',
    objectRef: { resource: 'pods', namespace: ns, name, apiVersion: 'v1' },
    code: 201,
    requestObject: podObject(r, t, ns, name, env),
    responseObject: podObject(r, t, ns, name, env)
  }
}

function auditEvent(r: Rng, t: Date, body: Record<string, unknown>): string {
  const { level, verb, requestURI, user, userAgent, objectRef, code, requestObject, responseObject } = body
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level,
    auditID: uuid(r),
    stage: 'ResponseComplete',
    requestURI,
    verb,
    user,
    sourceIPs: [ip(r)],
    userAgent,
    objectRef,
    responseStatus: { metadata: {}, code },
    ...(requestObject === undefined ? {} : { requestObject }),
    ...(responseObject === undefined ? {} : { responseObject }),
    ...timestamps(r, t),
    annotations: decision(r)
  })
}

function auditNoise(r: Rng, t: Date): string {
  if (r.chance(0.85)) return auditEvent(r, t, auditMetadata(r))
  const env = [
    { name: 'LOG_LEVEL', value: r.pick(['info', 'debug']) },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
    { name: 'DB_PASSWORD', value: r.pick(['', '$(DB_PASSWORD)']) }
  ]
  const data = r.chance(0.5)
    ? undefined
    : { 'app.properties': `server.port=8080\nspring.datasource.url=jdbc:postgresql://postgres.prod:5432/app\n${hardNegative(r)}`, LOG_FORMAT: 'json' }
  return auditEvent(r, t, auditWrite(r, t, env, data))
}

/** A leaked value sits in a pod's env var or in a ConfigMap (and its last-applied-configuration); several lines become \n escapes. */
function auditEmbed(r: Rng, t: Date, msg: string[]): string {
  const value = msg.join('\n')
  if (r.chance(0.5)) return auditEvent(r, t, auditWrite(r, t, [{ name: 'APP_CONFIG', value }], undefined))
  return auditEvent(r, t, auditWrite(r, t, [], { 'settings.txt': value }))
}
