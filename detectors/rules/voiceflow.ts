import { BASE62, format, HEX_ANY_CASE, re, tokenRule } from './define.ts'

// Voiceflow API keys: VF. (then DM. or WS. for the newer kinds), 24 hex digits, a dot and 16
// letters and digits. Provenance: Kingfisher's kingfisher.voiceflow.1
// (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'voiceflow-api-key',
    title: 'Voiceflow API key',
    severity: 'high',
    token: format(
      'VF.',
      re('(?:(?:DM|WS)\\.)?', (g) => ['DM.', 'WS.', ''][Number(g.digits(1)) % 3] ?? ''),
      HEX_ANY_CASE(24),
      '.',
      BASE62(16)
    ),
    minEntropy: 3.0,
    lines: [(s) => `VOICEFLOW_API_KEY=${s}`, (s) => `{"msg":"dialog request","headers":{"authorization":"${s}"}}`],
    negatives: [`VF.DM.${'0'.repeat(24)}.${'x'.repeat(16)}`, 'VF.DM.<project>.<key>']
  })
]
