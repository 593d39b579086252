// Loaded into the benchmarked collector with `--import` (bench/collector.ts
// adds it to NODE_OPTIONS): samples V8's heap so the report can say how close
// the old generation came to --max-old-space-size, the limit past which V8
// aborts the process. Sampled every 10 ms (the peak between two collections)
// and right after each full collection (what survives it: the live set, the
// figure that decides an out-of-memory crash). The figures go to the file in
// BENCH_HEAP_PROBE_FILE, rewritten every 250 ms and at exit.

import { writeFileSync } from 'node:fs'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8'

export interface HeapProbe {
  /** V8's heap_size_limit: the old generation's cap plus the young generation's. */
  heapSizeLimit: number
  /** Most bytes the old generation (every space but the young ones) held at one sample. */
  peakOldUsed: number
  /** Most bytes the old generation held right after a full (mark-compact) collection. */
  peakOldLiveAfterFullGc: number
  peakHeapUsed: number
  /** Most bytes V8 had committed for the whole heap. */
  peakHeapCommitted: number
  fullGcs: number
  samples: number
  /** process.memoryUsage() at the sample with the highest RSS: what the peak was made of. */
  atPeakRss: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; atMs: number }
}

const file = process.env.BENCH_HEAP_PROBE_FILE
if (file !== undefined && file !== '') {
  const p: HeapProbe = {
    heapSizeLimit: getHeapStatistics().heap_size_limit,
    peakOldUsed: 0,
    peakOldLiveAfterFullGc: 0,
    peakHeapUsed: 0,
    peakHeapCommitted: 0,
    fullGcs: 0,
    samples: 0,
    atPeakRss: { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0, atMs: 0 }
  }
  const oldUsed = (): number => {
    let used = 0
    for (const s of getHeapSpaceStatistics()) if (s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space') used += s.space_used_size
    return used
  }
  const sample = (): void => {
    const h = getHeapStatistics()
    p.samples++
    p.peakOldUsed = Math.max(p.peakOldUsed, oldUsed())
    p.peakHeapUsed = Math.max(p.peakHeapUsed, h.used_heap_size)
    p.peakHeapCommitted = Math.max(p.peakHeapCommitted, h.total_heap_size)
    const m = process.memoryUsage()
    if (m.rss > p.atPeakRss.rss) p.atPeakRss = { ...m, atMs: Math.round(performance.now()) }
  }
  const save = (): void => writeFileSync(file, JSON.stringify(p))
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue
      p.fullGcs++
      p.peakOldLiveAfterFullGc = Math.max(p.peakOldLiveAfterFullGc, oldUsed())
    }
  }).observe({ entryTypes: ['gc'] })
  // Unref'd: the probe must not keep the process alive or change how it ends.
  setInterval(sample, 10).unref()
  setInterval(save, 250).unref()
  process.on('exit', () => {
    sample()
    save()
  })
}
