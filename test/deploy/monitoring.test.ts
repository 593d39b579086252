// The monitoring that ships with leakwatch (deploy/monitoring, templated into
// the chart): every alert and every dashboard query parses (promtool), the
// alerts fire on the series they are about (promtool test rules), every
// metric they name is one leakwatch exports or one of the kube-state-metrics
// series listed below, and the chart provisions them as a dashboard
// ConfigMap, a PrometheusRule and a PodMonitor when asked, with the files'
// content unchanged.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { ConfigMap } from 'kubernetes-models/v1'
import { parse, parseAllDocuments, stringify } from 'yaml'
import { createMetrics, Registry } from '../../pipeline/metrics.ts'
import { registerProcessMetrics } from '../../pipeline/process-metrics.ts'
import { helmBinary } from '../support/helm.ts'

const root = resolve(import.meta.dirname, '../..')
const dir = join(root, 'deploy/monitoring')
const scratch = mkdtempSync(join(tmpdir(), 'lw-monitoring-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

// biome-ignore lint/suspicious/noExplicitAny: rule files and dashboards are walked as plain JSON
type Obj = Record<string, any>

/** kube-state-metrics series the alerts and the dashboard rely on (deploy kube-state-metrics for them). */
const KUBE_STATE_METRICS = [
  'kube_node_info',
  'kube_pod_info',
  'kube_pod_status_ready',
  'kube_daemonset_status_desired_number_scheduled',
  'kube_daemonset_status_number_ready'
]

/** Alerts an operator needs (issue #14); the audit webhook's is left out until the audit collector exports a metric. */
const REQUIRED_ALERTS = [
  'LeakwatchCollectorNotShipping',
  'LeakwatchNodeWithoutCollector',
  'LeakwatchDetectorLagGrowing',
  'LeakwatchJobsDeadLettered',
  'LeakwatchRecordsDeadLettered',
  'LeakwatchRotationFailing',
  'LeakwatchSlackFailing',
  'LeakwatchRecordsPoison',
  'LeakwatchRecordsUnauthenticated'
]

/** Every series name a query may select: leakwatch's metrics, the process metrics (histograms with their suffixes), kube-state-metrics. */
function knownSeries(): Set<string> {
  const process = new Registry()
  registerProcessMetrics(process).stop()
  const text = createMetrics().registry.render() + process.render()
  const known = new Set(KUBE_STATE_METRICS)
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    known.add(name as string)
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) known.add(`${name}${s}`)
  }
  return known
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan'])

/** The metric names a PromQL expression selects: identifiers outside strings, label matchers, ranges and grouping clauses that are not functions or keywords. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names: string[] = []
  for (const m of bare.matchAll(/(?<![\w:.$])[a-zA-Z_:][\w:]*(?![\w:])/g)) {
    const after = bare.slice((m.index ?? 0) + m[0].length)
    if (/^\s*\(/.test(after) || KEYWORDS.has(m[0].toLowerCase())) continue
    names.push(m[0])
  }
  return names
}

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string }
    if (e.code === 'ENOENT') throw new Error('promtool not found: `apt-get install -y --no-install-recommends prometheus` (Debian ships it there)')
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

const rulesText = readFileSync(join(dir, 'leakwatch-rules.yaml'), 'utf8')
const rules = parse(rulesText) as Obj
const alerts = (): Obj[] => rules.groups.flatMap((g: Obj) => g.rules)
const dashboardText = readFileSync(join(dir, 'leakwatch-dashboard.json'), 'utf8')
const dashboard = JSON.parse(dashboardText) as Obj
const panels = (): Obj[] => dashboard.panels.flatMap((p: Obj) => [p, ...(p.panels ?? [])]).filter((p: Obj) => p.type !== 'row')
// Grafana's variables, replaced by what they stand for so that promtool parses the query Prometheus would get.
const grafanaToPromql = (expr: string): string => expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.*')

test('metricNames finds the selected series and nothing else (the check below is not vacuous)', () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.99, sum by (stage, le) (rate(leakwatch_batch_seconds_bucket{namespace=~"$namespace", x="a(b)"}[$__rate_interval]))) > 1e3'
    ),
    ['leakwatch_batch_seconds_bucket']
  )
  assert.deepEqual(metricNames('a_total / on (pod) group_left (node) b_info offset 5m unless c and bool d'), ['a_total', 'b_info', 'c', 'd'])
  const known = knownSeries()
  assert.ok(!known.has('leakwatch_colector_unacked_age_seconds'), 'a typo is not a known series')
  assert.ok(known.has('nodejs_gc_duration_seconds_sum') && known.has('leakwatch_consumer_lag_records') && known.has('kube_node_info'))
})

test('alerts: promtool checks the rules file and its unit tests pass; the alerts an operator needs are there', () => {
  assert.match(promtool('check', 'rules', 'leakwatch-rules.yaml'), /SUCCESS: \d+ rules found/)
  assert.match(promtool('test', 'rules', 'leakwatch-rules.test.yaml'), /SUCCESS/)
  const names = alerts().map((r) => r.alert)
  for (const a of REQUIRED_ALERTS) assert.ok(names.includes(a), `alert ${a} is defined`)
  assert.equal(new Set(names).size, names.length, 'no alert twice')
  for (const r of alerts()) {
    assert.ok(['critical', 'warning'].includes(r.labels?.severity), `${r.alert}: severity critical or warning`)
    assert.ok(r.annotations?.summary, `${r.alert}: a summary`)
  }
})

test('alerts and dashboard name only metrics that exist: leakwatch, process/nodejs and the listed kube-state-metrics series', () => {
  const known = knownSeries()
  const used = new Set<string>()
  const check = (expr: string, where: string) => {
    const names = metricNames(expr)
    assert.ok(names.length > 0, `${where}: selects a metric`)
    for (const n of names) {
      assert.ok(known.has(n), `${where}: ${n} is not a metric leakwatch exports nor a listed kube-state-metrics series`)
      used.add(n)
    }
  }
  for (const r of alerts()) check(r.expr, `alert ${r.alert}`)
  for (const p of panels()) {
    assert.ok(p.targets?.length > 0, `panel ${p.title}: has queries`)
    for (const t of p.targets) check(t.expr, `panel ${p.title}`)
  }
  for (const v of dashboard.templating.list.filter((x: Obj) => x.type === 'query')) {
    const m = /^label_values\((\w+),\s*\w+\)$/.exec(v.definition)
    assert.ok(m && known.has(m[1] as string), `variable ${v.name}: label_values of a known metric`)
  }
  for (const k of KUBE_STATE_METRICS) assert.ok(used.has(k), `${k} is listed because something uses it`)
  // The new series this issue added are on the dashboard.
  for (const n of [
    'leakwatch_consumer_lag_records',
    'leakwatch_collector_unacked_age_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_size_limit_bytes'
  ])
    assert.ok(used.has(n), `${n} is shown or alerted on`)
})

test('dashboard: every query parses (promtool, as recording rules), panel ids are unique, panels use the datasource variable', () => {
  const exprs = panels().flatMap((p) => p.targets.map((t: Obj) => grafanaToPromql(t.expr)))
  const file = join(scratch, 'dashboard-queries.yaml')
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `leakwatch:dashboard_query:${i}`, expr })) }] }))
  assert.match(promtool('check', 'rules', file), new RegExp(`SUCCESS: ${exprs.length} rules found`))
  const ids = dashboard.panels.map((p: Obj) => p.id)
  assert.equal(new Set(ids).size, ids.length)
  for (const p of panels()) assert.equal(p.datasource?.uid, '${datasource}', `panel ${p.title}: uses the datasource variable`)
  assert.equal(dashboard.uid, 'leakwatch')
})

function render(values: Obj): Obj[] {
  const file = join(scratch, `values-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(values))
  const out = execFileSync(helmBinary(), ['template', 'sec', join(root, 'deploy/helm/leakwatch'), '--namespace', 'security', '--values', file], {
    encoding: 'utf8'
  })
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
}

test('helm: monitoring off by default; on, a dashboard ConfigMap labelled grafana_dashboard, the PrometheusRule and a PodMonitor, content unchanged', () => {
  const kinds = (objs: Obj[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`)
  const plain = render({})
  assert.ok(!plain.some((o) => ['PrometheusRule', 'PodMonitor'].includes(o.kind) || o.metadata.name.endsWith('-dashboard')), 'nothing by default')
  const objs = render({
    monitoring: {
      dashboard: { enabled: true, annotations: { grafana_folder: 'Security' } },
      prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
      podMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } }
    }
  })
  assert.deepEqual(
    kinds(objs)
      .filter((k) => !kinds(plain).includes(k))
      .sort(),
    ['ConfigMap/sec-leakwatch-dashboard', 'PodMonitor/sec-leakwatch', 'PrometheusRule/sec-leakwatch']
  )
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'sec-leakwatch-dashboard') as Obj
  new ConfigMap(cm as ConstructorParameters<typeof ConfigMap>[0]).validate()
  assert.equal(cm.metadata.labels.grafana_dashboard, '1')
  assert.equal(cm.metadata.annotations.grafana_folder, 'Security')
  assert.equal(cm.metadata.namespace, 'security')
  assert.deepEqual(JSON.parse(cm.data['leakwatch.json']), dashboard, 'the dashboard as it is in deploy/monitoring')
  const rule = objs.find((o) => o.kind === 'PrometheusRule') as Obj
  assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1')
  assert.equal(rule.metadata.labels.release, 'kube-prometheus-stack')
  assert.deepEqual(rule.spec.groups, rules.groups, 'the rules as they are in deploy/monitoring, annotations untouched by helm')
  const pm = objs.find((o) => o.kind === 'PodMonitor') as Obj
  assert.equal(pm.apiVersion, 'monitoring.coreos.com/v1')
  assert.equal(pm.metadata.labels.release, 'kube-prometheus-stack')
  const workloads = objs.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')
  assert.equal(workloads.length, 3)
  for (const w of workloads) {
    const labels = w.spec.template.metadata.labels
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) assert.equal(labels[k], v, `PodMonitor selects ${w.metadata.name}'s pods`)
    assert.ok(
      w.spec.template.spec.containers[0].ports.some((p: Obj) => p.name === pm.spec.podMetricsEndpoints[0].port),
      `${w.metadata.name} has the scraped port`
    )
  }
  assert.equal(pm.spec.podMetricsEndpoints[0].path, '/metrics')
})
