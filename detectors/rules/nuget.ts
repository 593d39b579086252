import type { Rule } from '../rule.ts'

// NuGet.org API keys: "oy2" + 43 lower-case base32 characters. They encode a
// fixed-layout structure, so some positions only take a few values (layout
// from microsoft/security-utilities' NuGetApiKey pattern).
const LAYOUT = 'oy2[a-p][0-9a-z]{15}[aq][0-9a-z]{11}[eu][bdfhjlnprtvxz357][a-p][0-9a-z]{11}[aeimquy4]'

const AL = 'abcdefghijklmnopqrstuvwxyz0123456789'

export const rules: Rule[] = [
  {
    id: 'nuget-api-key',
    title: 'NuGet.org API key',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:^|[^0-9a-z])(${LAYOUT})(?:[^0-9a-z]|$)`,
    keywords: ['oy2'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const make = (): string =>
          `oy2${g.chars('abcdefghijklmnop', 1)}${g.chars(AL, 15)}${g.chars('aq', 1)}${g.chars(AL, 11)}${g.chars('eu', 1)}${g.chars('bdfhjlnprtvxz357', 1)}${g.chars('abcdefghijklmnop', 1)}${g.chars(AL, 11)}${g.chars('aeimquy4', 1)}`
        const a = make()
        const b = make()
        return [
          { line: `dotnet nuget push app.1.2.0.nupkg --api-key ${a} --source https://api.nuget.org/v3/index.json`, secret: a },
          { line: `NUGET_API_KEY=${b}`, secret: b }
        ]
      },
      negatives: [`NUGET_API_KEY=oy2${'a'.repeat(43)}`, 'NUGET_API_KEY=oy2-your-key', 'toy2abcdefghijklmnopqrstuvwxyz0123456789abcdefg']
    }
  }
]
