import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMetrics, Registry } from '../../pipeline/metrics.ts'

test('counters render HELP, TYPE and one sample per label set, labels sorted', () => {
  const r = new Registry()
  const c = r.counter('lw_things_total', 'Things seen.')
  c.inc()
  c.inc({ topic: 'b', stage: 'x' }, 2)
  c.inc({ stage: 'x', topic: 'b' })
  assert.equal(c.get(), 1)
  assert.equal(c.get({ topic: 'b', stage: 'x' }), 3)
  assert.equal(c.get({ topic: 'absent' }), 0)
  assert.equal(
    r.render(),
    ['# HELP lw_things_total Things seen.', '# TYPE lw_things_total counter', 'lw_things_total 1', 'lw_things_total{stage="x",topic="b"} 3', ''].join('\n')
  )
})

test('label values are escaped per the exposition format', () => {
  const r = new Registry()
  r.counter('lw_c', 'h').inc({ path: 'C:\\logs\n"x"' })
  assert.match(r.render(), /^lw_c\{path="C:\\\\logs\\n\\"x\\""\} 1$/m)
})

test('gauges set and increment', () => {
  const r = new Registry()
  const g = r.gauge('lw_files', 'Files tracked.')
  g.set(5)
  g.inc({}, -2)
  g.set(1, { collector: 'files' })
  assert.equal(g.get(), 3)
  assert.equal(g.get({ collector: 'files' }), 1)
  assert.match(r.render(), /# TYPE lw_files gauge\nlw_files 3\nlw_files\{collector="files"\} 1\n/)
})

test('histograms render cumulative buckets, +Inf, sum and count', () => {
  const r = new Registry()
  const h = r.histogram('lw_seconds', 'Durations.', [0.1, 1])
  h.observe(0.05)
  h.observe(0.5)
  h.observe(3)
  h.observe(0.1, { stage: 'detector' })
  const text = r.render()
  const lines = text.trim().split('\n')
  assert.deepEqual(lines, [
    '# HELP lw_seconds Durations.',
    '# TYPE lw_seconds histogram',
    'lw_seconds_bucket{le="0.1"} 1',
    'lw_seconds_bucket{le="1"} 2',
    'lw_seconds_bucket{le="+Inf"} 3',
    'lw_seconds_sum 3.55',
    'lw_seconds_count 3',
    'lw_seconds_bucket{stage="detector",le="0.1"} 1',
    'lw_seconds_bucket{stage="detector",le="1"} 1',
    'lw_seconds_bucket{stage="detector",le="+Inf"} 1',
    'lw_seconds_sum{stage="detector"} 0.1',
    'lw_seconds_count{stage="detector"} 1'
  ])
})

test('registering a name twice is a programming error', () => {
  const r = new Registry()
  r.counter('lw_x', 'h')
  assert.throws(() => r.gauge('lw_x', 'h'), /registered twice/)
})

test('the shared metrics all render, with a prometheus-valid name and help', () => {
  const m = createMetrics()
  m.recordsIn.inc({ topic: 'leakwatch.logs.v1' }, 10)
  m.batchSeconds.observe(0.002, { stage: 'detector' })
  const text = m.registry.render()
  const names = [...text.matchAll(/^# TYPE (\S+) (counter|gauge|histogram)$/gm)].map((x) => x[1])
  assert.ok(names.length >= 10)
  for (const name of names) {
    assert.match(name ?? '', /^leakwatch_[a-z_]+$/)
    assert.match(text, new RegExp(`^# HELP ${name} \\S.*$`, 'm'))
  }
  for (const name of names.filter((n) => text.includes(`# TYPE ${n} counter`))) assert.match(name ?? '', /_total$/, 'counters end in _total')
  assert.match(text, /^leakwatch_records_in_total\{topic="leakwatch\.logs\.v1"\} 10$/m)
  assert.match(text, /^leakwatch_batch_seconds_bucket\{stage="detector",le="0\.005"\} 1$/m)
})

test('collect hooks run before every render and can be removed', () => {
  const r = new Registry()
  const g = r.gauge('lw_age_seconds', 'Age.')
  let reads = 0
  const off = r.collect(() => g.set(++reads))
  assert.match(r.render(), /^lw_age_seconds 1$/m)
  assert.match(r.render(), /^lw_age_seconds 2$/m)
  off()
  assert.match(r.render(), /^lw_age_seconds 2$/m)
  assert.equal(reads, 2)
})

test('gauge clear drops the series whose labels include the given ones, and only those', () => {
  const r = new Registry()
  const lag = r.gauge('lw_lag', 'Lag.')
  lag.set(5, { group: 'a', partition: '0' })
  lag.set(7, { group: 'a', partition: '1' })
  lag.set(9, { group: 'b', partition: '0' })
  lag.clear({ group: 'a' })
  assert.equal(lag.get({ group: 'a', partition: '0' }), 0)
  assert.doesNotMatch(r.render(), /group="a"/)
  assert.match(r.render(), /^lw_lag\{group="b",partition="0"\} 9$/m)
  lag.set(1, { group: 'a', partition: '0' })
  assert.match(r.render(), /^lw_lag\{group="a",partition="0"\} 1$/m)
  lag.clear()
  assert.doesNotMatch(r.render(), /^lw_lag\{/m)
})
