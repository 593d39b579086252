// WireGuard private and preshared keys: 32 random bytes in base64 (43
// characters and '='), as wg-quick's configuration holds them
// (`PrivateKey = …` under [Interface], `PresharedKey = …` under [Peer]) and
// `wg showconf` prints them. Either one lets a peer be impersonated or its
// tunnel decrypted. Key names from wg(8); Nosey Parker's np.wireguard.1/.2
// (Apache-2.0) match the same.

import { format, re, tokenRule } from './define.ts'

const KEY = format(re('[A-Za-z0-9+/]{43}=', (g) => g.pemBody(32)))

export const rules = [
  tokenRule({
    id: 'wireguard-key',
    title: 'WireGuard private or preshared key',
    severity: 'critical',
    token: KEY,
    regex: (t) => `(?:^|[^A-Za-z0-9])(?:PrivateKey|PresharedKey)[ \\t]*=[ \\t]*(${t})(?:[^A-Za-z0-9+/=]|$)`,
    keywords: ['privatekey', 'presharedkey'],
    minEntropy: 4.0,
    lines: [(s) => `PrivateKey = ${s}`, (s) => `PresharedKey = ${s}`, (s) => `+ wg showconf wg0 | grep -v Endpoint: PrivateKey=${s}`],
    negatives: [`PrivateKey = ${'A'.repeat(43)}=`, 'PrivateKey = <client private key>', 'PublicKey = [Server public key]']
  })
]
