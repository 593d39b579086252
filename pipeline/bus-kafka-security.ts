// TLS and SASL of the Kafka connection, built from `kafka.tls` and
// `kafka.sasl`, and the classification of kafkajs failures into leakwatch's
// coded errors. Credentials come from files so a Kubernetes Secret can be
// mounted; they are read here and handed to kafkajs, never logged.

import { readFile } from 'node:fs/promises'
import type { ConnectionOptions } from 'node:tls'
import type { SASLOptions } from 'kafkajs'
import type { KafkaConfig } from './bus-kafka.config.ts'
import type { ErrorCode } from './errors.ts'
import { LeakwatchError } from './errors.ts'
import type { Logger } from './log.ts'
import { readSecretFile, tlsOptions } from './tls.ts'

export interface KafkaSecurity {
  ssl?: ConnectionOptions
  sasl?: SASLOptions
}

/** Why a Kafka operation failed, as the label of `leakwatch_kafka_connect_errors_total`. */
export type KafkaFailure = 'auth' | 'tls' | 'denied' | 'unavailable'

const FAILURE_CODES: Record<KafkaFailure, ErrorCode> = {
  auth: 'LW_ERR_KAFKA_AUTH',
  tls: 'LW_ERR_KAFKA_TLS',
  denied: 'LW_ERR_KAFKA_DENIED',
  unavailable: 'LW_ERR_KAFKA_UNAVAILABLE'
}

function required<T>(value: T | undefined, key: string, mechanism: string): T {
  if (value === undefined) throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${key} is required with kafka.sasl.mechanism=${mechanism}`)
  return value
}

/** The kafkajs `ssl` and `sasl` options; reads the files named by the config (the OAUTHBEARER token again at each authentication). */
export function kafkaSecurity(cfg: Pick<KafkaConfig, 'tls' | 'sasl'>, log: Logger): KafkaSecurity {
  const out: KafkaSecurity = {}
  const { tls, sasl } = cfg
  const ssl = tlsOptions(tls, 'kafka', log)
  if (ssl !== undefined) out.ssl = ssl

  const m = sasl.mechanism
  if (m === 'plain' || m === 'scram-sha-256' || m === 'scram-sha-512') {
    const username =
      sasl.usernameFile !== undefined ? readSecretFile(sasl.usernameFile, 'kafka.sasl.usernameFile') : required(sasl.username, 'kafka.sasl.username', m)
    const password = readSecretFile(required(sasl.passwordFile, 'kafka.sasl.passwordFile', m), 'kafka.sasl.passwordFile')
    out.sasl = { mechanism: m, username, password }
  } else if (m === 'oauthbearer') {
    const file = required(sasl.oauthTokenFile, 'kafka.sasl.oauthTokenFile', m)
    // Read once now so a missing file fails the start, then at every (re)authentication: the token rotates under us.
    readSecretFile(file, 'kafka.sasl.oauthTokenFile')
    out.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        const value = (await readFile(file, 'utf8')).replace(/\r?\n$/, '')
        return { value }
      }
    }
  }
  if (out.sasl !== undefined && out.ssl === undefined) log.warn({ mechanism: m }, 'Kafka SASL without TLS: credentials and records cross the network in clear')
  return out
}

// Node's codes for a certificate it refused, and OpenSSL's for a handshake that failed.
const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'
])

function* causes(err: unknown): Generator<Record<string, unknown>> {
  let e: unknown = err
  for (let depth = 0; depth < 8 && typeof e === 'object' && e !== null; depth++) {
    const o = e as Record<string, unknown>
    yield o
    if (Array.isArray(o.errors)) for (const inner of o.errors) yield* causes(inner)
    e = o.cause ?? o.originalError
  }
}

/** What went wrong, read from a kafkajs error and its causes (kafkajs wraps the socket's error once per retry layer). */
export function kafkaFailure(err: unknown): KafkaFailure {
  for (const e of causes(err)) {
    const name = typeof e.name === 'string' ? e.name : ''
    const type = typeof e.type === 'string' ? e.type : ''
    const code = typeof e.code === 'string' ? e.code : ''
    const message = typeof e.message === 'string' ? e.message : ''
    if (name === 'KafkaJSSASLAuthenticationError' || /^(SASL_AUTHENTICATION_FAILED|UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE)$/.test(type)) return 'auth'
    // kafkajs's retrier re-wraps a protocol error it gives up on, keeping its message but not its type.
    if (/AUTHORIZATION_FAILED$/.test(type) || /^Not authorized to access/.test(message)) return 'denied'
    if (TLS_CODES.has(code) || /certificate|Hostname\/IP does not match|SSL routines|ssl3_get_record|wrong version number/i.test(message)) return 'tls'
  }
  return 'unavailable'
}

/** A kafkajs failure as a coded error; the message says what to check, never a credential. */
export function kafkaError(err: unknown, what: string): LeakwatchError {
  if (err instanceof LeakwatchError) return err
  const failure = kafkaFailure(err)
  const hint: Record<KafkaFailure, string> = {
    auth: 'SASL authentication failed: check kafka.sasl (mechanism, user, password or token file)',
    tls: 'TLS handshake failed: check kafka.tls (CA file, client certificate, and that the broker certificate names the host)',
    denied: "the broker's ACLs deny this principal",
    unavailable: 'Kafka could not be reached or did not answer in time'
  }
  const reason = (err as { message?: unknown }).message
  return new LeakwatchError(FAILURE_CODES[failure], `${what}: ${hint[failure]}${typeof reason === 'string' ? ` (${reason})` : ''}`, {
    cause: err,
    details: { failure }
  })
}
