import { madeUpValue } from '../gates.ts'
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
  },
  {
    id: 'database-credential-pair',
    // The JDBC rule and the generic password rule take the same span when their own gates pass.
    fallback: true,
    title: 'User and password assigned together (ODBC or ADO connection string fields, a script setting both)',
    severity: 'high',
    kind: 'pattern',
    // A person picked the value: never high confidence, as the other password shapes.
    tags: ['unchecked'],
    // `User ID=app; " & "Password =…;` (an ADO string built in VBScript), `$user = "app"; $password = "…";`
    // (PHP settings), `Uid=app;Pwd=…;`: a user assigned a value, `;`, at most ten other characters
    // (a string join, a `$`, a struct's `server->`), then the password field, its value ending the field
    // (`;`, the line's end or its closing quote). The pair says what the value is, so it is held to the
    // format gates only, not to the generic ones that read a letters-only `goodspec` or an
    // identifier-shaped `specialbill_user` as a word or a name (Kingfisher's and Nosey Parker's odbc
    // examples). A value opening with `$`, `(`, `[`, `{`, `<` or `#{` is code or a template, and so is one
    // holding them: the class stops there and seven characters are needed before it does. Between the fields
    // an escaped quote may stand (a JSON string's `\" & \"`), never an escaped line break: the pair is on one line.
    regex:
      '(?i)(?:^|[^a-z0-9_])(?:user(?: ?id|name)?|uid|login)\\\\?["\']?[ \\t]*=[ \\t]*[^\\s;]+[ \\t]*;[ \\t]*(?:[^;\\n\\\\]|\\\\["\']){0,10}?(?:password|pwd)\\\\?["\']?[ \\t]*=[ \\t]*\\\\?["\']?([^\\s;"\'`\\\\()\\[\\]{}<>$&,]{7,})\\\\?["\']?[ \\t]*(?:;|$)',
    keywords: ['password', 'pwd'],
    // The field's `=` right after its name: `password_reset_url:`, `pwd:` and prose never wake the regex.
    follows: '\\\\?["\']?[ \\t]*=',
    minEntropy: 2.5,
    // Unbounded in the regex, whose DFA a range this wide would leave (rules.test.ts): a person's password is not 128 characters.
    validate: (s) => s.length <= 128 && !madeUpValue(s),
    allow: {
      secrets: [
        ...PLACEHOLDERS,
        // Documentation's names for the value (`Pwd=myPassword;`, `password = "your_password";`).
        '(?i)^(?:my|your|the|some)[_-]?[a-z]*$',
        // A name that holds the word (`db_password`, `passwordHash`): a variable, not its value.
        '(?i)^[a-z_]*(?:pass(?:wo?r?d)|pwd)[a-z_]*$'
      ]
    },
    examples: {
      positives: secretsIn(password, [
        (s) => `adoConn.Open("Provider=SQLOLEDB.1;User ID=billing; " & "Password =${s};Initial Catalog=Billing;Data Source=db01;")`,
        (s) => `$user = "app"; $password = "${s}";`,
        (s) => `Driver={ODBC Driver 18 for SQL Server};Uid=app;Pwd=${s};Encrypt=yes`
      ]),
      negatives: [
        'Server=host;User Id=username;Password=secret;Database=db;',
        'Provider=SQLNCLI;Server=db;Uid=myUsername;Pwd=myPassword;',
        "\"driver={SQL Server};server=(#{datastore['DBHOST']});uid=#{datastore['DBUID']};pwd=#{datastore['DBPASSWORD']}\"",
        '$user = $_POST["username"]; $pwd = $_POST["password"];',
        'user = (char *) (p + 1); pwd = (char *) (p + ulen + 2);',
        'user=${DB_USER}; password=${DB_PASSWORD};',
        'User=#{username}, Password=#{password}, Domain=#{domain}'
      ]
    }
  }
]
