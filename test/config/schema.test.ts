// Habits of the configuration tree that a reviewer would otherwise check by
// eye: every option explains itself, and a number says its unit in its name
// (`windowMs`, `maxLineBytes`), so nobody has to guess seconds from
// milliseconds in a manifest.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configSchema } from '../../config/schema.ts'
import { leaves } from '../../pipeline/schema.ts'

const UNIT = /(Ms|Bytes|Chars|Lines)(Per[A-Z][A-Za-z]*)?$/
/** Counts of things, named by the thing: their unit is the noun. */
const COUNT =
  /^(max(OccurrenceIds|Locations)PerIncident|maxPoisonBatchRetries|maxFindingsPerLine|maxQueuedJobs|attempts|concurrency|partitions|replicationFactor|port|knownSecretRaise|maxEventsPerBatch|maxEventsPerLine|maxEventsPerRecord|dedupEntries|zScore|peakFactor|min(Secrets|Namespaces|Denied|ReadsPerHour|StddevReadsPerHour)|slowMin(New)?Secrets|burstMinItems|max(AuditIds|KnownPerPrincipal|ItemsPerWindow))$/

test('every option has a description', () => {
  const missing = leaves(configSchema).filter((l) => l.schema.description.trim().length < 10)
  assert.deepEqual(
    missing.map((l) => l.path),
    []
  )
})

test('every numeric option names its unit (Ms, Bytes, Chars, Lines) or is a count of a named thing', () => {
  const numbers = leaves(configSchema).filter((l) => /integer|number/.test(l.schema.type))
  assert.ok(numbers.length > 30, `found ${numbers.length} numeric options`)
  const unitless = numbers
    .map((l) => l.path)
    .filter((p) => {
      const name = p.split('.').at(-1) ?? ''
      return !UNIT.test(name) && !COUNT.test(name)
    })
  assert.deepEqual(unitless, [])
})
