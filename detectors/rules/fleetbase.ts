import { BASE62, format, tokenRule } from './define.ts'

// Fleetbase live API keys: flb_live_ then 20 letters and digits. Provenance: Kingfisher's
// kingfisher.fleetbase.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'fleetbase-api-key',
    title: 'Fleetbase live API key',
    severity: 'high',
    token: format('flb_live_', BASE62(20)),
    minEntropy: 3.0,
    lines: [(s) => `FLEETBASE_KEY=${s}`, (s) => `{"level":"info","msg":"fleetbase client","key":"${s}"}`],
    negatives: [`flb_live_${'x'.repeat(20)}`]
  })
]
