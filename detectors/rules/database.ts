import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'
import { USERINFO_CHAR, urlUser, userinfo } from './url.ts'

// scheme://user:password@host — the password is group 1. Userinfo may not
// contain '@', ':' or '/' unescaped (RFC 3986), so the classes below stop at
// them; a password containing them is percent-encoded and the decoded view
// is scanned too. The user may be empty: `redis://:password@host` is how Redis
// (requirepass, no ACL user) and its clients write a URL; and it may hold one raw
// '@' (url.ts urlUser: Azure Database for PostgreSQL's `user@server` logins).
const USER = urlUser(true)
function url(schemes: string): string {
  return `(?i)(?:^|[^a-z0-9+.-])(?:${schemes})://${USER}:(${USERINFO_CHAR}{3,})@[^\\s/'"]+`
}

// Values that show up in docs, examples and templates instead of real passwords.
const PLACEHOLDERS = [
  '^\\$\\{?[A-Za-z_]',
  '^\\{\\{',
  '^<[^>]*>$',
  '^\\*+$',
  '^x+$',
  '^\\.\\.\\.$',
  '(?i)^(?:pass(?:word)?|pwd|secret|changeme|example|user|username|redacted|xxx+|mysecretpassword|postgres|root|admin|guest|test|\\[redacted\\]|%s)$'
]

interface Db {
  id: string
  title: string
  schemes: string
  keywords: string[]
  example: (pw: string) => string
  negative: string
}

const DATABASES: Db[] = [
  {
    id: 'postgres',
    title: 'PostgreSQL',
    // postgis:// is the PostGIS backends' scheme (Django's and GeoDjango's DATABASE_URL, Kingfisher's kingfisher.postgres.1).
    schemes: 'postgres|postgresql|postgis',
    keywords: ['postgres', 'postgis'],
    // Azure Database for PostgreSQL's logins are user@server, written raw in the URL.
    example: (pw) => `DATABASE_URL=postgres://app@pg-orders:${pw}@pg-orders.postgres.database.azure.com:5432/orders?sslmode=require`,
    negative: 'DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/orders'
  },
  {
    id: 'mysql',
    title: 'MySQL/MariaDB',
    schemes: 'mysql|mysql2|mariadb|mysqlx',
    keywords: ['mysql', 'mariadb'],
    example: (pw) => `{"msg":"connecting","dsn":"mysql://shop:${pw}@mysql-0.mysql:3306/shop"}`,
    negative: 'mysql://root:password@localhost:3306/test'
  },
  {
    id: 'mongodb',
    title: 'MongoDB',
    schemes: 'mongodb|mongodb\\+srv',
    keywords: ['mongodb'],
    example: (pw) => `MONGO_URI="mongodb+srv://reporting:${pw}@cluster0.abcde.mongodb.net/prod?retryWrites=true"`,
    negative: 'mongodb://<user>:<password>@host:27017'
  },
  {
    id: 'redis',
    title: 'Redis',
    schemes: 'redis|rediss',
    keywords: ['redis'],
    example: (pw) => `redis connect rediss://:${pw}@cache.prod:6380/0 ok`,
    negative: 'redis://:****@cache:6379'
  },
  {
    id: 'amqp',
    title: 'AMQP (RabbitMQ) broker',
    schemes: 'amqp|amqps',
    keywords: ['amqp'],
    example: (pw) => `BROKER_URL=amqps://orders:${pw}@rabbitmq.prod:5671/vhost`,
    negative: 'amqp://guest:guest@localhost:5672/'
  },
  {
    id: 'mssql',
    title: 'Microsoft SQL Server',
    schemes: 'mssql|sqlserver',
    keywords: ['mssql', 'sqlserver'],
    example: (pw) => `--url mssql://sa:${pw}@sql.corp:1433/hr`,
    negative: 'mssql://sa:${SA_PASSWORD}@sql:1433'
  }
]

export const rules: Rule[] = [
  ...DATABASES.map(
    (d): Rule => ({
      id: `database-url-${d.id}`,
      title: `${d.title} connection URL with a password`,
      severity: 'high',
      kind: 'pattern',
      regex: url(d.schemes),
      keywords: d.keywords,
      // The rest of the scheme (postgresql, mongodb+srv), then user:password@.
      follows: `[a-z0-9+]*://${userinfo(true)}`,
      allow: { secrets: PLACEHOLDERS },
      examples: {
        positives: secretsIn(password, [d.example]),
        negatives: [d.negative, `${d.keywords[0]}://host:5432/db`]
      }
    })
  ),
  {
    id: 'database-jdbc-password',
    // Any JDBC or ADO.NET string: a provider's own rule (Snowflake) names the same password more precisely.
    fallback: true,
    title: 'JDBC or ADO.NET connection string with a password',
    severity: 'high',
    kind: 'pattern',
    // jdbc:sqlserver://host;user=app;password=…  and  Server=…;User Id=…;Password=…;
    regex: '(?i)(?:jdbc:[a-z0-9]+:|(?:server|data source|host)=[^;]{1,};)[^"\'\\n]{0,}?(?:password|pwd)=([^;\\s"\'&]{3,})',
    keywords: ['password=', 'pwd='],
    allow: { secrets: PLACEHOLDERS },
    examples: {
      positives: secretsIn(password, [
        (s) => `spring.datasource.url=jdbc:sqlserver://sql.corp:1433;databaseName=hr;user=app;password=${s}`,
        (s) => `ConnectionStrings__Main=Server=sql.corp;Database=hr;User Id=app;Password=${s};`
      ]),
      negatives: ['jdbc:postgresql://db:5432/app?user=app&password=${DB_PASSWORD}', 'Server=sql;Database=hr;User Id=app;Password=<password>;']
    }
  }
]
