import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'

// Frame.io developer tokens: fio-u- then 64 letters, digits, - _ and =. Provenance: Kingfisher's
// kingfisher.frame.io.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
const BODY = charset('A-Za-z0-9_=-', ALPHABETS.base64url)

export const rules = [
  tokenRule({
    id: 'frameio-api-token',
    title: 'Frame.io developer token',
    severity: 'high',
    token: format('fio-u-', BODY(64)),
    minEntropy: 3.0,
    lines: [(s) => `FRAMEIO_TOKEN=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.frame.io/v2/me`],
    negatives: [`fio-u-${'x'.repeat(64)}`, 'fio-u-<token>']
  })
]
