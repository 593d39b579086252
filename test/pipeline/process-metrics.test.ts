import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { Registry } from '../../pipeline/metrics.ts'
import { PROCESS_METRIC_NAMES, registerProcessMetrics } from '../../pipeline/process-metrics.ts'

const root = resolve(import.meta.dirname, '../..')

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name}{`)))
  assert.ok(line, `${name}${labels} has a sample`)
  return Number(line.slice(line.lastIndexOf(' ') + 1))
}

test('process, heap, event-loop and GC metrics render under prom-client names, with plausible values', async () => {
  const r = new Registry()
  const pm = registerProcessMetrics(r)
  try {
    // Garbage and a forced GC (when exposed) so the observer has an entry; the observer delivers asynchronously.
    const gcNow = (globalThis as { gc?: () => void }).gc
    let junk: unknown[] = []
    for (let i = 0; i < 200_000; i++) junk.push({ i })
    junk = []
    gcNow?.()
    await new Promise((resolve) => setImmediate(resolve))
    const text = r.render()
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1])
    assert.deepEqual(types.sort(), [...PROCESS_METRIC_NAMES].sort())
    assert.ok(sample(text, 'process_resident_memory_bytes') > 1e6)
    assert.ok(sample(text, 'nodejs_heap_size_used_bytes') > 0)
    assert.ok(sample(text, 'nodejs_heap_size_limit_bytes') >= sample(text, 'nodejs_heap_size_total_bytes'))
    assert.ok(sample(text, 'process_cpu_seconds_total') >= 0)
    assert.ok(sample(text, 'process_start_time_seconds') > 1.6e9)
    assert.ok(sample(text, 'nodejs_eventloop_lag_p99_seconds') >= 0)
    assert.match(text, /^nodejs_heap_space_size_used_bytes\{space="old"\} \d+$/m)
    assert.match(text, /^nodejs_version_info\{major="\d+",minor="\d+",patch="\d+",version="v[\d.]+"\} 1$/m)
    assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m)
    if (text.includes('nodejs_gc_duration_seconds_count'))
      assert.match(text, /^nodejs_gc_duration_seconds_count\{kind="(minor|major|incremental|weakcb)"\} \d+$/m)
    // Counters only grow: CPU is added as deltas between scrapes.
    const before = sample(text, 'process_cpu_seconds_total')
    assert.ok(sample(r.render(), 'process_cpu_seconds_total') >= before)
  } finally {
    pm.stop()
  }
  const after = r.render()
  assert.equal(sample(after, 'process_open_fds') >= 0, true, 'the last values stay rendered after stop')
})

test('docs/metrics.md names every process metric', () => {
  const page = readFileSync(join(root, 'docs/metrics.md'), 'utf8')
  for (const name of PROCESS_METRIC_NAMES) assert.ok(page.includes(`\`${name}\``), `docs/metrics.md lists ${name}`)
})
