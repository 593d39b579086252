import { BASE62, format, tokenRule } from './define.ts'

// MaxMind license keys (the GeoIP updater's LicenseKey): 6 letters and digits, _, 29 more, _mmk.
// The suffix is what identifies them. Provenance: Kingfisher's kingfisher.maxmind.1
// (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'maxmind-license-key',
    title: 'MaxMind license key',
    severity: 'high',
    token: format(BASE62(6), '_', BASE62(29), '_mmk'),
    keywords: ['_mmk'],
    minEntropy: 3.0,
    lines: [(s) => `GEOIPUPDATE_LICENSE_KEY=${s}`, (s) => `LicenseKey ${s}`],
    negatives: [`XXXXXX_${'X'.repeat(29)}_mmk`, 'cache_mmk_size=42']
  })
]
