// A throwaway certificate authority for the TLS tests, made with openssl at test time: nothing
// secret is committed, and each run has its own keys. EC P-256 keys, because they are fast to make.

import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Pki {
  dir: string
  caFile: string
  /** Issues a certificate signed by the CA for the given DNS names and IPs; returns the PEM file paths. */
  issue(name: string, opts: { dns?: string[]; ips?: string[]; client?: boolean }): { certFile: string; keyFile: string }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 })
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** Makes a CA in dir (which must exist). */
export function createPki(dir: string): Pki {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=leakwatch-test-ca', '-days', '2'])
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    issue(name, opts) {
      const san = [...(opts.dns ?? []).map((d) => `DNS:${d}`), ...(opts.ips ?? []).map((i) => `IP:${i}`)]
      const ext = [
        ...(san.length > 0 ? [`subjectAltName=${san.join(',')}`] : []),
        `extendedKeyUsage=${opts.client === true ? 'clientAuth' : 'serverAuth,clientAuth'}`
      ]
      writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`)
      openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`])
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`
      ])
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }
    }
  }
}
