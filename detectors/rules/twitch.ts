// Twitch stream keys: `live_<channel id>_<30–36 letters and digits>`, what
// OBS, ffmpeg and restreaming services put in an RTMP URL or a STREAM_KEY
// variable. Format from Nosey Parker's np.twitch.1 (Apache-2.0).

import { BASE62, DIGITS, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'twitch-stream-key',
    title: 'Twitch stream key',
    severity: 'high',
    token: format('live_', DIGITS.between(8, 12, 9), '_', BASE62.between(30, 36, 30)),
    // The channel id between `live_` and the random part makes the shape distinctive on its own, and a key
    // leaks without a name next to it too (Nosey Parker's examples are bare). Only at a word start, so
    // `keepalive_` and `alive_` do not wake the rule. `live_` is also a prefix generic rules defer to a
    // format's rule: GoCardless' live_ tokens assigned to a GoCardless name are gocardless.ts's.
    keywords: ['live_'],
    keywordStart: { keywords: ['live_'], notAfter: 'alnum' },
    minEntropy: 3.5,
    // The random part is base62: one key in ten million has no upper-case letter, while a job or metric
    // name with a number in it (live_202612071_dashboardmetricsrollupjob) has none. A CamelCase name has both
    // (live_202612071_DashboardMetricsRollupJobNightly): capitalised words of three or more letters, numbers,
    // a capital before a number (V2), and each word with a vowel, as words have. Without the vowels a key was
    // made of those about once in a million seeded draws (rules-stability, LEAKWATCH_TEST_SEED=2498934564:
    // 45UprKkaB1NtuAgauLghXvtFhgdfdu); with them, none of 4 million. A key with no digit is one in 200, so a
    // digit is not asked for. (One way to read each string: no backtracking.)
    validate: (s) => {
      const random = s.slice(s.lastIndexOf('_') + 1)
      if (!/[A-Z]/.test(random) || !/[a-z]/.test(random)) return false
      if (!/^[0-9]*(?:[A-Z][a-z]{2,}[0-9]*|[A-Z][0-9]+)+$/.test(random)) return true
      return !(random.match(/[A-Z][a-z]{2,}/g) ?? []).every((w) => /[aeiouy]/.test(w))
    },
    lines: [
      (s) => `STREAM_KEY=${s}`,
      (s) => `ffmpeg -re -i in.mp4 -c copy -f flv rtmp://live.twitch.tv/app/${s}`,
      (s) => `{"level":"info","msg":"restream target added","key":"${s}"}`,
      (s) => s
    ],
    negatives: [
      `STREAM_KEY=live_123456789_${'x'.repeat(30)}`,
      'is_live_123456789_stream',
      'live_stream_key=<your key>',
      `keepalive_123456789_${'Ab3'.repeat(10)}`,
      // Names with a number in them, not keys: lower case only, or CamelCase words, after the id.
      'live_202612071_dashboardmetricsrollupjobnightly',
      'live_202612071_DashboardMetricsRollupJobNightly',
      'live_202612071_DashboardMetricsRollupJobV2Nightly',
      'live_20261207_Nightly2026RollupJob2'
    ]
  })
]
