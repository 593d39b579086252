import { BASE64URL, format, tokenRule } from './define.ts'

// Figma personal access tokens: figd_ then 40 or more base64url characters. Provenance:
// Kingfisher's kingfisher.figma.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours,
// and the prefix is distinctive enough to stand without Figma's name.
export const rules = [
  tokenRule({
    id: 'figma-access-token',
    title: 'Figma personal access token',
    severity: 'high',
    token: format('figd_', BASE64URL.atLeast(40, 40)),
    minEntropy: 3.0,
    lines: [(s) => `FIGMA_TOKEN=${s}`, (s) => `curl -H "X-Figma-Token: ${s}" https://api.figma.com/v1/me`],
    negatives: [`figd_${'x'.repeat(40)}`, 'figd_<token>']
  })
]
