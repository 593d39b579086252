import { charset, format, tokenRule } from './define.ts'

// NuGet.org API keys: "oy2" + 43 lower-case base32 characters. They encode a
// fixed-layout structure, so some positions only take a few values (layout
// from microsoft/security-utilities' NuGetApiKey pattern).
const ANY = charset('0-9a-z', 'abcdefghijklmnopqrstuvwxyz0123456789')
const A_TO_P = charset('a-p', 'abcdefghijklmnop')(1)
/** One character of a set spelled out in full. */
const oneOf = (set: string) => charset(set, set)(1)

export const rules = [
  tokenRule({
    id: 'nuget-api-key',
    title: 'NuGet.org API key',
    severity: 'high',
    token: format('oy2', A_TO_P, ANY(15), oneOf('aq'), ANY(11), oneOf('eu'), oneOf('bdfhjlnprtvxz357'), A_TO_P, ANY(11), oneOf('aeimquy4')),
    before: '(?:^|[^0-9a-z])',
    after: '(?:[^0-9a-z]|$)',
    minEntropy: 3.5,
    lines: [(s) => `dotnet nuget push app.1.2.0.nupkg --api-key ${s} --source https://api.nuget.org/v3/index.json`, (s) => `NUGET_API_KEY=${s}`],
    negatives: [`NUGET_API_KEY=oy2${'a'.repeat(43)}`, 'NUGET_API_KEY=oy2-your-key', 'toy2abcdefghijklmnopqrstuvwxyz0123456789abcdefg']
  })
]
