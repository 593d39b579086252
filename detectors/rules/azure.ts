import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { ASSIGN, assignedThen } from './patterns.ts'

const b64 = ALPHABETS.base64
const b64u = ALPHABETS.base64url

// Microsoft's "identifiable" keys (2023 onwards) embed a fixed 4-character
// signature at a fixed offset, so they are recognisable without any context.
// Layouts as published in microsoft/security-utilities:
//   c88, 64-byte keys: 76 base64 + signature + 5 base64 + [AQgw] + "=="
//   c44, 32-byte keys: 33 base64 + signature + [A-P] + 5 base64 + "="
//   c56, Azure Functions: 44 base64url + "AzFu" + 5 base64url + [AQgw] + "=="
//   c52, AI Search and Container Registry: 42 base64 + signature + [A-D] + 5 base64
// The embedded checksum (Marvin32 with per-service seeds) is not reproduced here.
type Layout = 'c88' | 'c44' | 'c56' | 'c52'

const LAYOUTS: Record<Layout, { regex: (sig: string) => string; make: (g: Gen, sig: string) => string }> = {
  c88: {
    regex: (sig) => `[A-Za-z0-9+/]{76}${sig}[A-Za-z0-9+/]{5}[AQgw]==`,
    make: (g, sig) => `${g.chars(b64, 76)}${sig}${g.chars(b64, 5)}${g.chars('AQgw', 1)}==`
  },
  c44: {
    regex: (sig) => `[A-Za-z0-9+/]{33}${sig}[A-P][A-Za-z0-9+/]{5}=`,
    make: (g, sig) => `${g.chars(b64, 33)}${sig}${g.chars('ABCDEFGHIJKLMNOP', 1)}${g.chars(b64, 5)}=`
  },
  c56: {
    regex: (sig) => `[A-Za-z0-9_-]{44}${sig}[A-Za-z0-9_-]{5}[AQgw]==`,
    make: (g, sig) => `${g.chars(b64u, 44)}${sig}${g.chars(b64u, 5)}${g.chars('AQgw', 1)}==`
  },
  c52: {
    regex: (sig) => `[A-Za-z0-9+/]{42}${sig}[A-D][A-Za-z0-9+/]{5}`,
    make: (g, sig) => `${g.chars(b64, 42)}${sig}${g.chars('ABCD', 1)}${g.chars(b64, 5)}`
  }
}

const ID_BEFORE = '(?:^|[^A-Za-z0-9+/_-])'
const ID_AFTER = '(?:[^A-Za-z0-9+/=_-]|$)'

function identifiable(id: string, title: string, severity: Rule['severity'], signature: string, layout: Layout, line: (key: string) => string): Rule {
  const shape = LAYOUTS[layout]
  const sigRe = signature.replace(/[+/]/g, (c) => `\\${c}`)
  return {
    id,
    title,
    severity,
    kind: 'pattern',
    regex: `${ID_BEFORE}(${shape.regex(sigRe)})${ID_AFTER}`,
    keywords: [signature.toLowerCase()],
    // The regex spells the signature in its case: checked before the regex runs, since the keyword automaton
    // meets it in any case, in hex ids (`…eacdb9ce`: 226 regex runs and no match over the 16 MB shapes; issue #15).
    requires: [signature],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = shape.make(g, signature)
        return [{ line: line(secret), secret }]
      },
      negatives: [
        // Right signature at the right offset, but no randomness around it.
        line(shape.make(gZero, signature)),
        `the ${signature} signature marks identifiable keys`
      ]
    }
  }
}

// A generator without randomness, for look-alike negatives; layouts only use `chars`.
const gZero: Gen = {
  chars: (alphabet, n) => (alphabet[0] ?? 'A').repeat(n),
  base62: (n) => '0'.repeat(n),
  hex: (n) => '0'.repeat(n),
  digits: (n) => '0'.repeat(n),
  githubToken: (prefix) => prefix,
  password: () => '',
  pemBody: () => ''
}

const IDENTIFIABLE_64 = '[A-Za-z0-9+/]{76}(?:\\+ASt|ACDb|\\+ABa|APIM|/AM7)'
const IDENTIFIABLE_32 = '[A-Za-z0-9+/]{33}(?:\\+ASb|\\+AEh|\\+ARm|AIoT|AzCa)'

// A legacy (non-identifiable) key as examples draw it: one random key in 3 million carries an identifiable
// key's signature where those keep it, and is then the identifiable rules' to judge (the allows below).
const legacyKey = (g: Gen, n: number, signed: RegExp): string => {
  let key = g.chars(b64, n)
  while (signed.test(key)) key = g.chars(b64, n)
  return key
}
const SIGNED_64 = new RegExp(`^${IDENTIFIABLE_64}`)
const SIGNED_32 = new RegExp(`^${IDENTIFIABLE_32}`)

// Public, documented keys of the local emulators: not secrets.
const STORAGE_EMULATOR_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
const COSMOS_EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=='
const escapeRe = (s: string): string => s.replace(/[+/]/g, (c) => `\\${c}`)

const KEY88 = '[A-Za-z0-9+/]{86}=='
const KEY88_END = '(?:[^A-Za-z0-9+/=]|$)'
const adSecretChars = `${ALPHABETS.base62}_~.-`

export const rules: Rule[] = [
  {
    id: 'azure-ad-client-secret',
    title: 'Microsoft Entra ID (Azure AD) client secret',
    severity: 'high',
    kind: 'pattern',
    // 3 characters, a digit (the format version: 7 and 8 seen), "Q~", then 31–34 characters.
    regex: '(?:^|[^A-Za-z0-9_~.+/-])([A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.+/=-]|$)',
    keywords: ['q~'],
    minEntropy: 3.5,
    // One secret in 300,000 ends in "..." (CI, 2026-12-06); the regex takes full-length values only.
    dotsAreData: true,
    examples: {
      positives: (g) => {
        const a = `${g.chars(adSecretChars, 3)}8Q~${g.chars(adSecretChars, 34)}`
        const b = `${g.chars(adSecretChars, 3)}7Q~${g.chars(adSecretChars, 31)}`
        return [
          { line: `AZURE_CLIENT_SECRET=${a}`, secret: a },
          { line: `{"appId":"00000000-0000-0000-0000-000000000000","password":"${b}","tenant":"contoso.onmicrosoft.com"}`, secret: b }
        ]
      },
      negatives: [`AZURE_CLIENT_SECRET=abc8Q~${'x'.repeat(34)}`, 'AZURE_CLIENT_SECRET=<client-secret>', 'secrets contain Q~ after four characters']
    }
  },
  {
    id: 'azure-storage-account-key',
    title: 'Azure Storage account key',
    severity: 'critical',
    kind: 'pattern',
    regex: `(?i:AccountKey|(?:azure[_.-]?)?storage[_.-]?(?:account[_.-]?)?(?:access[_.-]?)?key)${ASSIGN}(${KEY88})${KEY88_END}`,
    keywords: ['accountkey', 'storage'],
    minEntropy: 4.0,
    allow: {
      // Identifiable keys have their own rules; the emulator's key is public.
      secrets: [`^${IDENTIFIABLE_64}`, `^${escapeRe(STORAGE_EMULATOR_KEY)}$`, `^${escapeRe(COSMOS_EMULATOR_KEY)}$`],
      // Cosmos DB connection strings also say AccountKey.
      lines: ['(?i)\\.documents\\.azure\\.com']
    },
    examples: {
      positives: (g) => {
        const a = `${legacyKey(g, 86, SIGNED_64)}==`
        const b = `${legacyKey(g, 86, SIGNED_64)}==`
        return [
          { line: `AzureWebJobsStorage=DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${a};EndpointSuffix=core.windows.net`, secret: a },
          { line: `export AZURE_STORAGE_KEY="${b}"`, secret: b }
        ]
      },
      negatives: [
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${STORAGE_EMULATOR_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`,
        `AccountKey=${'A'.repeat(86)}==`,
        'AccountKey=<storage-account-key>',
        'UseDevelopmentStorage=true'
      ]
    }
  },
  {
    id: 'azure-cosmosdb-key',
    title: 'Azure Cosmos DB account key',
    severity: 'critical',
    kind: 'pattern',
    regex: `(?:(?i:\\.documents\\.azure\\.com)[^\\s;"']*;\\s*(?i:AccountKey)\\s*=\\s*|(?i:cosmos)${ASSIGN})(${KEY88})${KEY88_END}`,
    keywords: ['documents.azure.com', 'cosmos'],
    minEntropy: 4.0,
    allow: { secrets: [`^${IDENTIFIABLE_64}`, `^${escapeRe(COSMOS_EMULATOR_KEY)}$`] },
    examples: {
      positives: (g) => {
        const a = `${legacyKey(g, 86, SIGNED_64)}==`
        const b = `${legacyKey(g, 86, SIGNED_64)}==`
        return [
          { line: `ConnectionStrings__Cosmos=AccountEndpoint=https://acme-prod.documents.azure.com:443/;AccountKey=${a};`, secret: a },
          { line: `COSMOS_DB_PRIMARY_KEY: ${b}`, secret: b }
        ]
      },
      negatives: [
        `AccountEndpoint=https://localhost:8081/;AccountKey=${COSMOS_EMULATOR_KEY}`,
        `COSMOS_KEY=${COSMOS_EMULATOR_KEY}`,
        `AccountEndpoint=https://acme.documents.azure.com:443/;AccountKey=${'x'.repeat(86)}==`
      ]
    }
  },
  {
    id: 'azure-shared-access-key',
    title: 'Azure Service Bus, Event Hubs, Relay or IoT Hub shared access key',
    severity: 'high',
    kind: 'pattern',
    regex: '(?i:SharedAccessKey)\\s*=\\s*([A-Za-z0-9+/]{43}=)(?:[^A-Za-z0-9+/=]|$)',
    keywords: ['sharedaccesskey'],
    minEntropy: 4.0,
    allow: { secrets: [`^${IDENTIFIABLE_32}`] },
    examples: {
      positives: (g) => {
        const a = `${legacyKey(g, 43, SIGNED_32)}=`
        const b = `${legacyKey(g, 43, SIGNED_32)}=`
        return [
          { line: `Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${a}`, secret: a },
          { line: `{"IOTHUB_CONNECTION_STRING":"HostName=acme.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${b}"}`, secret: b }
        ]
      },
      negatives: [
        'Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=<key>',
        `SharedAccessKey=${'0'.repeat(43)}=`
      ]
    }
  },
  {
    id: 'azure-sas-token',
    title: 'Azure shared access signature',
    severity: 'high',
    kind: 'pattern',
    // A signature only matters with the fields it signs: a storage SAS starts with the
    // service version (sv=YYYY-MM-DD), an IoT/Service Bus SAS with "SharedAccessSignature sr=".
    // In URLs the signature is percent-encoded: that form is left to the engine's URL-decoded
    // view, so an encoded and a plain copy of one signature are one secret.
    regex: '(?:(?:^|[?&;=\\s"\'])sv=[0-9]{4}-[0-9]{2}-[0-9]{2}|SharedAccessSignature\\s+sr=)[^\\s"\'<>]*?[?&]sig=([A-Za-z0-9+/=]{40,})(?:[^A-Za-z0-9%+/=]|$)',
    keywords: ['sig='],
    // A signature is base64 of an HMAC-SHA256; 4.0 rejected about one in ten million.
    minEntropy: 3.7,
    examples: {
      positives: (g) => {
        const a = `${legacyKey(g, 43, SIGNED_32)}=`
        const b = `${legacyKey(g, 43, SIGNED_32)}=`
        return [
          {
            line: `PUT https://acme.blob.core.windows.net/backups/db.tar?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2026-01-01T00:00:00Z&spr=https&sig=${a} 201`,
            secret: a
          },
          { line: `Authorization: SharedAccessSignature sr=acme.azure-devices.net%2Fdevices%2Fsensor-1&sig=${b}&se=1767225600`, secret: b }
        ]
      },
      negatives: [
        'https://acme.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=REDACTED',
        'https://acme.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=<signature>',
        'https://example.com/api?sig=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'
      ]
    }
  },
  {
    id: 'azure-devops-pat',
    title: 'Azure DevOps personal access token',
    severity: 'critical',
    kind: 'pattern',
    // The 84-character format (2024): 52 random characters, a CASK tail, and AZDO at offset 76.
    regex: '(?:^|[^A-Za-z0-9])([A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4})(?:[^A-Za-z0-9]|$)',
    keywords: ['azdo'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `${g.base62(52)}JQQJ99${g.base62(18)}AZDO${g.base62(4)}`
        const b = `${g.base62(52)}JQQJ99${g.base62(18)}AZDO${g.base62(4)}`
        return [
          { line: `git clone https://build:${a}@dev.azure.com/acme/app/_git/app`, secret: a },
          { line: `export AZURE_DEVOPS_EXT_PAT=${b}`, secret: b }
        ]
      },
      negatives: [`AZURE_DEVOPS_EXT_PAT=${'a'.repeat(76)}AZDOabcd`, 'AZURE_DEVOPS_EXT_PAT=<personal-access-token>']
    }
  },
  {
    id: 'azure-devops-pat-legacy',
    title: 'Azure DevOps personal access token (52-character format)',
    severity: 'critical',
    kind: 'pattern',
    // 52 lower-case base32 characters have no signature: only trusted next to an Azure DevOps name.
    regex: `(?:^|[^A-Za-z])${assignedThen('azure[_.-]?devops|azdo|ado|vsts|tfs', '[a-z2-7]{52}', '(?:[^A-Za-z0-9]|$)')}`,
    keywords: ['devops', 'azdo', 'ado', 'vsts', 'tfs'],
    // The regex reads azdo, ado, vsts and tfs only after the line's start or a byte outside [A-Za-z] (`devops`
    // may follow `azure`): `ado` in `shadow` or `Colorado` (953 regex runs on a 16 MB audit log; issue #15) wakes nothing.
    keywordStart: { keywords: ['azdo', 'ado', 'vsts', 'tfs'], notAfter: 'letter' },
    // 52 random base32 characters are under 4.0 one time in 10,000, under 3.9 one in a million.
    minEntropy: 3.6,
    examples: {
      positives: (g) => {
        const a = g.chars('abcdefghijklmnopqrstuvwxyz234567', 52)
        const b = g.chars('abcdefghijklmnopqrstuvwxyz234567', 52)
        return [
          { line: `export AZURE_DEVOPS_EXT_PAT=${a}`, secret: a },
          { line: `ado_pat: "${b}"`, secret: b }
        ]
      },
      negatives: [
        `AZURE_DEVOPS_EXT_PAT=${'a'.repeat(52)}`,
        // A base32 value without an Azure DevOps name next to it.
        'TOTP_SEED=abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst'
      ]
    }
  },
  {
    id: 'azure-devops-pat-in-url',
    title: 'Azure DevOps personal access token in a Git URL',
    severity: 'critical',
    kind: 'pattern',
    regex: '(?i:https?)://[^\\s/:@]*:([a-z2-7]{52})@(?i:dev\\.azure\\.com|[a-z0-9-]+\\.visualstudio\\.com)',
    keywords: ['dev.azure.com', 'visualstudio.com'],
    minEntropy: 3.6,
    examples: {
      positives: (g) => {
        const secret = g.chars('abcdefghijklmnopqrstuvwxyz234567', 52)
        return [{ line: `Cloning into 'app'... remote: https://ci:${secret}@dev.azure.com/acme/app/_git/app`, secret }]
      },
      negatives: [`https://ci:${'a'.repeat(52)}@dev.azure.com/acme/app/_git/app`, 'https://dev.azure.com/acme/app/_git/app']
    }
  },
  identifiable(
    'azure-storage-account-key-identifiable',
    'Azure Storage account key (identifiable)',
    'critical',
    '+ASt',
    'c88',
    (k) => `AZURE_STORAGE_KEY=${k}`
  ),
  identifiable(
    'azure-cosmosdb-key-identifiable',
    'Azure Cosmos DB key (identifiable)',
    'critical',
    'ACDb',
    'c88',
    (k) => `AccountEndpoint=https://acme.documents.azure.com:443/;AccountKey=${k};`
  ),
  identifiable('azure-batch-key-identifiable', 'Azure Batch account key (identifiable)', 'critical', '+ABa', 'c88', (k) => `BATCH_ACCOUNT_KEY="${k}"`),
  identifiable('azure-apim-key-identifiable', 'Azure API Management key (identifiable)', 'high', 'APIM', 'c88', (k) => `Ocp-Apim-Subscription-Key: ${k}`),
  identifiable('azure-ml-key-identifiable', 'Azure Machine Learning web service key (identifiable)', 'high', '/AM7', 'c88', (k) => `{"scoring_key":"${k}"}`),
  identifiable(
    'azure-service-bus-key-identifiable',
    'Azure Service Bus key (identifiable)',
    'high',
    '+ASb',
    'c44',
    (k) => `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${k}`
  ),
  identifiable(
    'azure-event-hubs-key-identifiable',
    'Azure Event Hubs key (identifiable)',
    'high',
    '+AEh',
    'c44',
    (k) => `Endpoint=sb://acme-events.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=${k};EntityPath=orders`
  ),
  identifiable('azure-relay-key-identifiable', 'Azure Relay key (identifiable)', 'high', '+ARm', 'c44', (k) => `RELAY_KEY=${k}`),
  identifiable(
    'azure-iot-key-identifiable',
    'Azure IoT Hub or device key (identifiable)',
    'high',
    'AIoT',
    'c44',
    (k) => `HostName=acme.azure-devices.net;DeviceId=sensor-1;SharedAccessKey=${k}`
  ),
  identifiable(
    'azure-cache-redis-key-identifiable',
    'Azure Cache for Redis access key (identifiable)',
    'high',
    'AzCa',
    'c44',
    (k) => `acme.redis.cache.windows.net:6380,password=${k},ssl=True`
  ),
  identifiable('azure-function-key-identifiable', 'Azure Functions key (identifiable)', 'high', 'AzFu', 'c56', (k) => `POST /api/orders?code=${k} 200`),
  identifiable('azure-search-key-identifiable', 'Azure AI Search key (identifiable)', 'high', 'AzSe', 'c52', (k) => `api-key: ${k}`),
  identifiable(
    'azure-container-registry-key-identifiable',
    'Azure Container Registry password (identifiable)',
    'high',
    '+ACR',
    'c52',
    (k) => `docker login acme.azurecr.io -u acme -p ${k}`
  )
]
