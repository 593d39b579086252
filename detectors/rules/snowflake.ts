import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

// Snowflake credentials leak as a password inside a connection string: the
// SQLAlchemy URL (snowflake://user:password@account/db), the JDBC URL
// (…snowflakecomputing.com/?user=…&password=…) and the .NET/ODBC key-value
// form (account=…;user=…;password=…). The account name in the same string is
// what makes the password actionable.
const ALLOW = {
  secrets: [
    '^\\$\\{?[A-Za-z_]',
    '^\\{\\{',
    '^<.*>$',
    '^%\\(',
    '^\\*+$',
    '^x+$',
    '(?i)^(?:password|passwd|secret|changeme|redacted|masked|placeholder|example)$'
  ]
}

export const rules: Rule[] = [
  {
    id: 'snowflake-url-password',
    title: 'Snowflake password in a connection URL',
    severity: 'high',
    kind: 'pattern',
    regex: `(?i:snowflake)://[^:/@\\s'"]+:([^@\\s'"/]{6,})@[A-Za-z0-9._-]+`,
    keywords: ['snowflake://'],
    minEntropy: 2.5,
    allow: ALLOW,
    examples: {
      positives: secretsIn(password, [
        (s) => `SNOWFLAKE_URL=snowflake://etl_user:${s}@xy12345.eu-central-1/analytics/public?warehouse=etl_wh`,
        (s) => `{"sqlalchemy.url":"snowflake://loader:${s}@acme-prod/raw"}`
      ]),
      negatives: [
        'snowflake://user:password@account/db',
        'snowflake://${SNOWFLAKE_USER}:${SNOWFLAKE_PASSWORD}@${SNOWFLAKE_ACCOUNT}/db',
        'snowflake://etl_user@xy12345/analytics'
      ]
    }
  },
  {
    id: 'snowflake-connection-password',
    title: 'Snowflake password in a JDBC or key-value connection string',
    severity: 'high',
    kind: 'pattern',
    regex: `(?i:jdbc:snowflake://|snowflakecomputing\\.com|account=[A-Za-z0-9_.-]+;)[^\\s"']*?[?&;](?i:password)=([^&;\\s"']{6,})`,
    keywords: ['snowflake', 'account='],
    minEntropy: 2.5,
    allow: ALLOW,
    examples: {
      positives: secretsIn(password, [
        (s) => `url=jdbc:snowflake://xy12345.snowflakecomputing.com/?user=etl&password=${s}&warehouse=etl_wh&db=raw`,
        (s) => `ConnectionString: account=xy12345;user=loader;password=${s};db=analytics;schema=public`
      ]),
      negatives: [
        'jdbc:snowflake://xy12345.snowflakecomputing.com/?user=etl&password=<password>',
        'account=xy12345;user=loader;authenticator=externalbrowser;db=analytics'
      ]
    }
  }
]
