import { BASE62, format, tokenRule } from './define.ts'

// Ionic (Appflow) personal access tokens: ion_ then 42 letters and digits. Provenance:
// Kingfisher's kingfisher.ionic.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'ionic-access-token',
    title: 'Ionic personal access token',
    severity: 'high',
    token: format('ion_', BASE62(42)),
    // 'ion_' ends version_, region_, session_…: only a run of 42 letters and digits after it is worth the regex.
    follows: '[a-z0-9]{42}',
    minEntropy: 3.0,
    lines: [(s) => `IONIC_TOKEN=${s}`, (s) => `+ ionic login --token ${s}`],
    negatives: [`ion_${'x'.repeat(42)}`, 'ion_channel_count=3']
  })
]
