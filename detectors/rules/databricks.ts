import { format, HEX, re, tokenRule } from './define.ts'

// Personal access tokens: dapi + 32 hex, with a -<digit> suffix on some
// workspaces.
export const rules = [
  tokenRule({
    id: 'databricks-token',
    title: 'Databricks personal access token',
    severity: 'high',
    token: format('dapi', HEX(32), re('(?:-[0-9])?')),
    minEntropy: 2.5,
    positives: (g) => {
      const a = `dapi${g.hex(32)}`
      const b = `dapi${g.hex(32)}-2`
      return [
        { line: `DATABRICKS_TOKEN=${a}`, secret: a },
        { line: `databricks configure --host https://adb-123.azuredatabricks.net --token ${b}`, secret: b }
      ]
    },
    negatives: [`DATABRICKS_TOKEN=dapi${'0'.repeat(32)}`, 'DATABRICKS_TOKEN=dapiXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'uses the dapi prefix']
  })
]
