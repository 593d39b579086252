// The generated references: `leakwatch config docs` (docs/configuration.md)
// and `leakwatch errors` (docs/errors.md). Generated from the schema and the
// error table, so the pages cannot drift from the code; test/docs checks that
// the pages hold exactly this output (`npm run docs` rewrites them).

import { envName } from '../config/load.ts'
import { configSchema } from '../config/schema.ts'
import { ERROR_CODES } from '../pipeline/errors.ts'
import { leaves } from '../pipeline/schema.ts'

/** A table cell: a `|` inside one (a regex default like `^(prod|production)`) would split the row. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|')
}

export function configDocs(): string {
  const rows = leaves(configSchema).map((l) => {
    const def = l.schema.defaultValue === undefined ? (l.schema.optional ? '(unset)' : '(required)') : `\`${cell(JSON.stringify(l.schema.defaultValue))}\``
    return `| \`${l.path}\` | \`${envName(l.path)}\` | ${cell(l.schema.type)} | ${def} | ${l.schema.description} |`
  })
  return `${['| option | environment | type | default | description |', '|---|---|---|---|---|', ...rows].join('\n')}\n`
}

export function errorDocs(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.retriable ? 'yes' : 'no'} | ${e.description} |`)
  return `${['| code | retriable | meaning |', '|---|---|---|', ...rows].join('\n')}\n`
}
