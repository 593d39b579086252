import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

// Passwords in SQL statements that create or change an account: `CREATE USER … IDENTIFIED BY '…'`,
// `ALTER ROLE … PASSWORD '…'`, `CREATE LOGIN … WITH PASSWORD = '…'`, `SET PASSWORD … = '…'` and MySQL's
// `PASSWORD('…')`. They reach logs by PostgreSQL's statement logging (`log_statement = 'ddl'` or `'all'`
// writes `LOG:  statement: ALTER ROLE app PASSWORD '…'`), MySQL's general query log, migration tools and
// CI jobs that echo the SQL they run, and ORMs' debug logs. The value is whatever follows, a word too,
// which is why this is a pattern rule and not a generic one (whose gates refuse words); the allowlist
// takes SQL's own words after PASSWORD (`PASSWORD EXPIRE`, `PASSWORD NULL`), bind parameters and client
// variables, and stored verifiers (md5…, SCRAM-SHA-256$…, MySQL's *hex), which are hashes, not passwords.
//
// Provenance: the statement shapes are those of CredSweeper's "SQL Password" rule and samples
// (github.com/Samsung/CredSweeper, tests/samples/sql_password, MIT); the regex is ours.

export const rules: Rule[] = [
  {
    id: 'sql-password',
    title: 'Password in a SQL statement (CREATE/ALTER USER, ROLE or LOGIN, SET PASSWORD)',
    severity: 'high',
    kind: 'pattern',
    regex: String.raw`(?i)(?:\b(?:create|alter)\s+(?:user|role|login)\b[^;\n]{0,40}?(?:\bidentified\s+(?:with\s+['"\x60]?[a-z0-9_]+['"\x60]?\s+)?by|\bpassword(?:\s*=)?)\s*(?:\\?['"\x60])?|\bset\s+password\b[^;\n]{0,40}?=\s*(?:password\s*\(\s*)?\\?['"\x60]|\bpassword\s*\(\s*\\?['"\x60])([^\s'"\x60;,)\\]{3,})`,
    keywords: ['create user', 'alter user', 'create role', 'alter role', 'create login', 'alter login', 'set password', 'password(', 'password ('],
    minEntropy: 1.5,
    allow: {
      secrets: [
        String.raw`(?i)^(?:expire|expired|history|reuse|require|null|default|lock|unlock|valid|encrypted|unencrypted|password|by|with|login|nologin|option|verify|current|random|interval|retain|discard|replace|pass|secret|changeme|x+|\*+|\?|%s)$`,
        // Variables, bind parameters and placeholders: $1, $VAR, :name, @name, <enter password>.
        String.raw`^(?:\$|:[A-Za-z_]|@[A-Za-z_]|<)`,
        String.raw`(?i)^(?:md5[0-9a-f]{32}|scram-sha-256\$|\*[0-9a-f]{40}$)`
      ]
    },
    tags: ['password'],
    examples: {
      positives: secretsIn(password, [
        (s) => `2026-12-07 09:14:03.120 UTC [4121] postgres@appdb LOG:  statement: ALTER ROLE app WITH LOGIN PASSWORD '${s}';`,
        (s) => `CREATE USER 'svc_reader'@'%' IDENTIFIED BY '${s}';`,
        (s) => `ALTER USER 'root'@'localhost' IDENTIFIED WITH mysql_native_password BY '${s}';`,
        (s) => `CREATE LOGIN app_login WITH PASSWORD = '${s}';`,
        (s) => `SET PASSWORD FOR 'app'@'localhost' = PASSWORD('${s}');`,
        (s) => `+ psql -c "CREATE ROLE migrator LOGIN PASSWORD '${s}'"`
      ]),
      negatives: [
        "ALTER USER 'app'@'%' PASSWORD EXPIRE INTERVAL 90 DAY;",
        'CREATE ROLE app WITH LOGIN PASSWORD NULL;',
        "CREATE USER $TEST_USER WITH PASSWORD '$TEST_USER_PASS';",
        "CREATE USER app WITH PASSWORD :'app_password';",
        "ALTER ROLE app PASSWORD 'SCRAM-SHA-256$4096:c2FsdHNhbHQ=$c3RvcmVk:c2VydmVy';",
        // A stored verifier is no password (mysql_native_password's `AS '*…'` is password-hash-mysql-native's).
        "ALTER USER 'u'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';",
        'the user must change their password (see ALTER USER docs)',
        'reset password (optional) for the service account',
        `alter user "bob"@"localhost" identified with sha256_password by '<enter password>';`,
        `select concat("--alter user'", user, "'@'%' identified with sha256_password by 'pass';") from mysql.user`
      ]
    }
  }
]
