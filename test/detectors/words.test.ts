// Names versus random strings (detectors/words.ts): the gate that lets a
// generic rule pass over `secret: paymentsDbCredentials` and still report a
// random token that happens to have no digit.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALPHABETS } from '../../detectors/gen.ts'
import { identifierLike, nameLike, referenceLike } from '../../detectors/words.ts'
import { seededGen } from '../support/seed.ts'

test('identifiers in every case style are names', () => {
  for (const name of [
    'getUserAccountSettings',
    'paymentsDbCredentials',
    'XMLHttpRequest',
    'OAuthClientSecretRef',
    'kubernetesIoServiceAccountToken',
    'DefaultAzureCredential',
    'GITHUB_TOKEN_FROM_VAULT',
    'payments-db-credentials',
    '/etc/secrets/db/password',
    'sentencepiece',
    'platformPostgresPaymentPayment'
  ])
    assert.ok(identifierLike(name), name)
})

test('names with numbers, versions and references are names', () => {
  for (const name of [
    'payments-db-credentials-v2',
    'cart_main_backend_key_v3',
    'invoice-catalog-cart-2023',
    'var.db_password',
    'data.vault_generic_secret.ci.data["token"]',
    "SecretStr('",
    'reader-order-payment/audit/v2',
    'https://auth.example.com/oauth/token'
  ])
    assert.ok(nameLike(name), name)
})

test('random strings are not names', () => {
  for (const value of [
    'uTimIGTytyvOPCHigHHQRThk',
    'ZqoLcszoNkigGjyUmwovNuip',
    'Summer2068+YWjg',
    'a8Xk2-pQ9z_LmN4',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCY',
    'super$ecret',
    'mycoin!1',
    'open^sesame'
  ])
    assert.ok(!nameLike(value), value)
  // A long run of digits is random material, not a name's number: a Mailgun `key-` whose 32 hex
  // digits all came out as digits (CI, 2026-12-06) was refused as a reference named "key".
  assert.ok(!nameLike(`key-${'51576191905357526977748025205435'}`))
  assert.ok(nameLike('key-123456789012'))
  // The measured rate: about 1 in 10,000 random 24-letter strings reads as a name; allow ten times that.
  const g = seededGen('g')
  const letters = ALPHABETS.base62.replace(/[0-9]/g, '')
  let names = 0
  for (let i = 0; i < 20_000; i++) if (nameLike(g.chars(letters, 24))) names++
  assert.ok(names <= 20, `${names} of 20,000 random 24-letter strings read as names`)
})

test('upper-case constants are names, however abbreviated their words', () => {
  // Our own CI output: `a wrong Redis password: LW_ERR_REDIS_AUTH saying WRONGPASS` was a finding.
  for (const name of ['LW_ERR_REDIS_AUTH', 'GCP_SA_KEY', 'PG_PASS_FILE', 'LW_ERR_KAFKA_AUTH', 'AWS_SECRET_ACCESS_KEY_2', 'GH_PAT'])
    assert.ok(nameLike(name), name)
  // No word among the parts, a part that mixes letters and digits, a lower-case letter, no underscore.
  for (const value of ['XK_QZPV_WMRT', 'A7K_9QZ_P2M', 'LW_ERR_Redis_AUTH', 'LWERRREDISAUTHX', 'AB_CD_EF_GH']) assert.ok(!nameLike(value), value)
  // Random base64url, the alphabet of tokens that hold '_' and upper case: the constant reading takes none that
  // holds a '_'. A draw of letters alone reads as a camelCase name about once in a million, with or without it
  // (SUCWJRYJWYEHGOOXTKCOUSYX, and CI's LEAKWATCH_TEST_SEED=1716529479: CQOJPYclCyzuzvWmoffAwyik): the 24-letter
  // test above bounds that reading, so those draws are not counted. Its parts around a '_' read so too, about once
  // in 4 million draws (one run in 100 met one: CI's LEAKWATCH_TEST_SEED=1510509317, RAZ_kikshUjwOhksuWJAtrfl),
  // so two are allowed; three in a run are under one in a million runs.
  const g = seededGen('c')
  let names = 0
  for (let i = 0; i < 40_000; i++) {
    const value = g.chars(ALPHABETS.base64url, 24)
    if (value.includes('_') && nameLike(value)) names++
  }
  assert.ok(names <= 2, `${names} of 40,000 random base64url strings holding '_' read as names`)
  // Random strings of a constant's own alphabet, most of them shaped like one: a word among short random
  // parts now and then (MVQGG_ITD_C_VSHOCAOZOIKS), 9 to 12 in 40,000 seeded draws.
  const upper = seededGen('constants')
  let constants = 0
  for (let i = 0; i < 40_000; i++) if (nameLike(upper.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789___', 24))) constants++
  assert.ok(constants <= 40, `${constants} of 40,000 random constant-shaped strings read as names`)
})

test("a compound name ended by a symbol, in a format's own field, is a password, not a reference", () => {
  // rules-stability, LEAKWATCH_TEST_SEED=2221711010: dotnet-config-password took GraniteEnv$ for a reference named "env".
  for (const value of ['GraniteEnv$', 'MasterKey#', 'VaultToken!', 'SecretKey@', 'DataKey^']) assert.ok(!referenceLike(value), value)
  // Still references: without the symbol, a member path (TypeScript's non-null `config.dbPassword!`), or prose.
  for (const value of ['GraniteEnv', 'config.dbPassword!', 'this.userPassword$', 'secret!', 'var.db_password']) assert.ok(referenceLike(value), value)
  // And in code a generic rule meets, a name may end in `!` or `$`: nameLike does not look at the end.
  for (const value of ['newPassword!', 'userPassword$', 'SummerTime!']) assert.ok(nameLike(value), value)
})
