// Process, heap, event-loop and GC metrics, under the names prom-client's
// default metrics use, so dashboards and alerts written for Node.js services
// apply unchanged. What can be read on demand (CPU, memory, heap spaces, file
// descriptors) is read when /metrics is scraped; only two things have to run
// between scrapes and both run in V8/libuv, not in our code: the event-loop
// delay histogram (monitorEventLoopDelay) and the GC observer, which receives
// one entry per collection. The node agent's old generation is 64 MB
// (--max-old-space-size=64), hence nodejs_heap_size_limit_bytes, which
// prom-client lacks: used over limit is how close a collector is to dying.

import { readdirSync, readFileSync } from 'node:fs'
import type { EventLoopUtilization } from 'node:perf_hooks'
import { constants, monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8'
import type { Registry } from './metrics.ts'

/** The metric names this file exports (docs and the monitoring test check against them). */
export const PROCESS_METRIC_NAMES = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_version_info',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_limit_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_utilization_ratio',
  'nodejs_gc_duration_seconds'
] as const

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb'
}

export interface ProcessMetrics {
  stop: () => void
}

export function registerProcessMetrics(registry: Registry): ProcessMetrics {
  const cpuUser = registry.counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.')
  const cpuSystem = registry.counter('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.')
  const cpuTotal = registry.counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.')
  const startTime = registry.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.')
  const rss = registry.gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.')
  const openFds = registry.gauge('process_open_fds', 'Open file descriptors.')
  const maxFds = registry.gauge('process_max_fds', 'Maximum number of open file descriptors.')
  const version = registry.gauge('nodejs_version_info', 'Node.js version, as labels.')
  const heapTotal = registry.gauge('nodejs_heap_size_total_bytes', 'V8 heap size, in bytes.')
  const heapUsed = registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes.')
  const heapLimit = registry.gauge('nodejs_heap_size_limit_bytes', 'V8 heap size limit (--max-old-space-size plus the young generation), in bytes.')
  const external = registry.gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects (buffers), in bytes.')
  const spaceTotal = registry.gauge('nodejs_heap_space_size_total_bytes', 'V8 heap space size, by space, in bytes.')
  const spaceUsed = registry.gauge('nodejs_heap_space_size_used_bytes', 'V8 heap space used, by space, in bytes.')
  const spaceAvailable = registry.gauge('nodejs_heap_space_size_available_bytes', 'V8 heap space available, by space, in bytes.')
  const lag = {
    min: registry.gauge('nodejs_eventloop_lag_min_seconds', 'Smallest event-loop delay since the last scrape, in seconds.'),
    max: registry.gauge('nodejs_eventloop_lag_max_seconds', 'Largest event-loop delay since the last scrape, in seconds.'),
    mean: registry.gauge('nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay since the last scrape, in seconds.'),
    stddev: registry.gauge('nodejs_eventloop_lag_stddev_seconds', 'Standard deviation of the event-loop delay since the last scrape, in seconds.'),
    p50: registry.gauge('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the last scrape, in seconds.'),
    p90: registry.gauge('nodejs_eventloop_lag_p90_seconds', '90th percentile of the event-loop delay since the last scrape, in seconds.'),
    p99: registry.gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event-loop delay since the last scrape, in seconds.')
  }
  const utilization = registry.gauge('nodejs_eventloop_utilization_ratio', 'Share of time the event loop was busy since the last scrape (0..1).')
  const gc = registry.histogram(
    'nodejs_gc_duration_seconds',
    'Garbage collection pauses, by kind (minor, major, incremental, weakcb), in seconds.',
    [0.001, 0.01, 0.1, 1, 2, 5]
  )

  const [major = '', minor = '', patch = ''] = process.versions.node.split('.')
  version.set(1, { version: process.version, major, minor, patch })
  startTime.set(Math.round((Date.now() - performance.now()) / 1000))
  const fdLimit = readFdLimit()
  if (fdLimit !== undefined) maxFds.set(fdLimit)

  // 10 ms, as prom-client: fine enough for a p99 that matters (a loop blocked for 100 ms), a native timer only.
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'unknown'
      gc.observe(e.duration / 1000, { kind })
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  let cpu = process.cpuUsage()
  let elu: EventLoopUtilization = performance.eventLoopUtilization()
  const off = registry.collect(() => {
    const now = process.cpuUsage()
    const user = (now.user - cpu.user) / 1e6
    const system = (now.system - cpu.system) / 1e6
    cpu = now
    cpuUser.inc({}, user)
    cpuSystem.inc({}, system)
    cpuTotal.inc({}, user + system)
    rss.set(process.memoryUsage.rss())
    const fds = countOpenFds()
    if (fds !== undefined) openFds.set(fds)
    const h = getHeapStatistics()
    heapTotal.set(h.total_heap_size)
    heapUsed.set(h.used_heap_size)
    heapLimit.set(h.heap_size_limit)
    external.set(h.external_memory)
    for (const s of getHeapSpaceStatistics()) {
      const space = s.space_name.replace(/_space$/, '')
      spaceTotal.set(s.space_size, { space })
      spaceUsed.set(s.space_used_size, { space })
      spaceAvailable.set(s.space_available_size, { space })
    }
    // The delay histogram covers the time since the previous scrape: read, then start over.
    const none = delay.count === 0
    const s = (ns: number): number => (none ? 0 : ns / 1e9)
    lag.min.set(s(delay.min))
    lag.max.set(s(delay.max))
    lag.mean.set(s(delay.mean))
    lag.stddev.set(s(delay.stddev))
    lag.p50.set(s(delay.percentile(50)))
    lag.p90.set(s(delay.percentile(90)))
    lag.p99.set(s(delay.percentile(99)))
    delay.reset()
    const since = performance.eventLoopUtilization(elu)
    elu = performance.eventLoopUtilization()
    utilization.set(since.utilization)
  })

  return {
    stop() {
      off()
      observer.disconnect()
      delay.disable()
    }
  }
}

function countOpenFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1 // the descriptor readdir itself held
  } catch {
    return undefined
  }
}

function readFdLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return line?.[1] === undefined ? undefined : Number(line[1])
  } catch {
    return undefined
  }
}
