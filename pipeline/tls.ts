// Client TLS options and credentials read from files (mounted Secrets), for
// Kafka and Redis alike. What is read is handed to the client, never logged;
// errors name the key and the path, never the content.

import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { LeakwatchError } from './errors.ts'
import type { Logger } from './log.ts'
import type { TlsConfig } from './tls.config.ts'

/** The content of a credential file, without the trailing newline `echo` and `kubectl create secret --from-file` often leave. */
export function readSecretFile(path: string, key: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err })
  }
  const value = text.replace(/\r?\n$/, '')
  if (value === '') throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${key}: ${path} is empty`)
  return value
}

/** node:tls options from `<section>.tls`, or undefined when TLS is off. */
export function tlsOptions(tls: TlsConfig, section: string, log: Logger): ConnectionOptions | undefined {
  if (!tls.enabled) {
    if (tls.caFile !== undefined || tls.certFile !== undefined || tls.keyFile !== undefined)
      throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${section}.tls files are set but ${section}.tls.enabled is false`)
    return undefined
  }
  const ssl: ConnectionOptions = { rejectUnauthorized: true }
  if (tls.caFile !== undefined) ssl.ca = readSecretFile(tls.caFile, `${section}.tls.caFile`)
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${section}.tls.certFile and ${section}.tls.keyFile go together (mutual TLS needs both)`)
  if (tls.certFile !== undefined) ssl.cert = readSecretFile(tls.certFile, `${section}.tls.certFile`)
  if (tls.keyFile !== undefined) ssl.key = readSecretFile(tls.keyFile, `${section}.tls.keyFile`)
  if (!tls.verifyHostname) {
    // The chain is still checked; only the name is not. Said at every start so it is not forgotten.
    log.warn({ key: `${section}.tls.verifyHostname` }, `${section} TLS hostname verification is OFF: any certificate signed by the CA is accepted for any host`)
    ssl.checkServerIdentity = () => undefined
  }
  return ssl
}
