import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// Personal access tokens: dapi + 32 hex, with a -<digit> suffix on some
// workspaces.
export const rules: Rule[] = [
  {
    id: 'databricks-token',
    title: 'Databricks personal access token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(dapi[a-f0-9]{32}(?:-[0-9])?)${END}`,
    keywords: ['dapi'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `dapi${g.hex(32)}`
        const b = `dapi${g.hex(32)}-2`
        return [
          { line: `DATABRICKS_TOKEN=${a}`, secret: a },
          { line: `databricks configure --host https://adb-123.azuredatabricks.net --token ${b}`, secret: b }
        ]
      },
      negatives: [`DATABRICKS_TOKEN=dapi${'0'.repeat(32)}`, 'DATABRICKS_TOKEN=dapiXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'uses the dapi prefix']
    }
  }
]
