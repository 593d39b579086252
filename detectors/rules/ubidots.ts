import { BASE62, format, tokenRule } from './define.ts'

// Ubidots API tokens: BBFF- then 30 letters and digits. Provenance: Kingfisher's
// kingfisher.ubidots.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'ubidots-token',
    title: 'Ubidots API token',
    severity: 'high',
    token: format('BBFF-', BASE62(30)),
    minEntropy: 3.0,
    lines: [(s) => `UBIDOTS_TOKEN=${s}`, (s) => `POST /api/v1.6/devices/sensor-7?token=${s} 200`],
    negatives: [`BBFF-${'x'.repeat(30)}`, `BBFF-${'0'.repeat(30)}`]
  })
]
