// Tavily (web search for LLM applications) API keys: `tvly-`, an optional
// environment (`dev-`, `prod-`), then 32 letters and digits. Format from
// Nosey Parker's np.tavily.1 (Apache-2.0) and Tavily's key format.

import { BASE62, format, re, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'tavily-api-key',
    title: 'Tavily API key',
    severity: 'high',
    token: format(
      'tvly-',
      re('(?:dev-|prod-)?', () => 'dev-'),
      BASE62(32)
    ),
    minEntropy: 3.5,
    lines: [(s) => `TAVILY_API_KEY=${s}`, (s) => `{"level":"debug","msg":"search tool configured","tavily_api_key":"${s}"}`],
    negatives: [`TAVILY_API_KEY = "tvly-${'x'.repeat(32)}"`, 'keys start with tvly-']
  })
]
