// Keys that a provider issues now and then and that a rule's own check once refused: each a draw one in
// a million or rarer, which the rules-stability sweep met (test/detectors/rules-stability.test.ts draws
// 2,000 per rule a run). Written here on purpose, at test time, from each format.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lineFinds } from '../support/line-finds.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('rare-draws')
// Each value is its own fingerprint: generated here, it never leaves the test.
const found = lineFinds('test/rare-draws')

const pick = (chars: string, n: number): string => Array.from({ length: n }, () => chars[rng.int(chars.length)]).join('')
const CONSONANTS = 'bcdfghjklmnpqrstvwxz'

test('a Twitch key whose random part falls into capitalised runs without vowels is a key, not a CamelCase name', () => {
  // LEAKWATCH_TEST_SEED=2498934564: 45UprKkaB1NtuAgauLghXvtFhgdfdu was refused as a name like DashboardMetricsRollupJob.
  for (let i = 0; i < 50; i++) {
    let random = pick('0123456789', 2)
    while (random.length < 30)
      random += `${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1)}${pick(CONSONANTS, 2 + rng.int(3))}${rng.chance(0.5) ? pick('0123456789', 1) : ''}`
    const key = `live_${pick('0123456789', 9)}_${random}`
    const line = `ffmpeg -re -i in.mp4 -c copy -f flv rtmp://live.twitch.tv/app/${key}`
    assert.ok(found(line).includes(`twitch-stream-key ${key}`), line)
  }
  // A name still is one: capitalised words with vowels.
  assert.deepEqual(found('STREAM_KEY=live_202612071_DashboardMetricsRollupJobNightly'), [])
})

test('a PagerDuty integration key that is all digits is a key (32 hex: one in 3.4 million)', () => {
  // LEAKWATCH_TEST_SEED=1984448658: 30007016988895542362712892408518 was refused for having no letter.
  for (let i = 0; i < 20; i++) {
    const key = pick('0123456789', 32)
    assert.ok(found(`PAGERDUTY_INTEGRATION_KEY=${key}`).includes(`pagerduty-integration-key ${key}`), key)
  }
  // Thirty-two letters are a phrase, not a key.
  assert.deepEqual(found('PAGERDUTY_INTEGRATION_KEY=pleasesetyourintegrationkeyheres'), [])
})
