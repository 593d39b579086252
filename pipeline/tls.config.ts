// The TLS settings of a client connection (`kafka.tls`, `redis.tls`): PEM files
// rather than values, so a Kubernetes Secret is mounted, not copied into a ConfigMap.

import type { Infer } from './schema.ts'
import * as s from './schema.ts'

/** `peer` names the server in descriptions ("the brokers", "Redis"). */
export function tlsConfigSchema(section: string, peer: string, enabledDescription: string) {
  return s.object({
    enabled: s.boolean({ default: false, description: enabledDescription }),
    caFile: s.optional(
      s.string({
        description: `PEM file of the CA(s) that signed ${peer}'s certificate; unset trusts the system CAs (managed services with public certificates).`
      })
    ),
    certFile: s.optional(s.string({ description: `PEM file of the client certificate, for ${peer} requiring mutual TLS.` })),
    keyFile: s.optional(s.string({ description: `PEM file of the private key of \`${section}.tls.certFile\`.` })),
    verifyHostname: s.boolean({
      default: true,
      description: `Check that ${peer}'s certificate names the host leakwatch connected to. Turning it off (only for certificates that name no usable host) is logged as a warning at every start; the chain is still verified.`
    })
  })
}

export type TlsConfig = Infer<ReturnType<typeof tlsConfigSchema>>
