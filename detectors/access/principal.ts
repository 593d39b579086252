// Who made an audited request, as the access rules need to know it: the
// control plane's own principals are modelled by what they legitimately do,
// not allowlisted, so a kubelet reading its pods' secrets is normal while the
// same kubelet listing secrets, or its credential used from curl, is not.
//
// - controller: kube-controller-manager (its own identity, or the per-controller
//   service accounts in kube-system with --use-service-account-credentials),
//   plus `controllers` from the configuration (external-secrets, GitOps). They
//   list and watch secrets cluster-wide and request tokens for service accounts.
// - kubelet: system:node:<node> in system:nodes. The Node authorizer lets it get
//   and watch only the secrets of pods bound to its node, so its named reads are
//   normal; a list, a denied burst or a new network is not.
// - control-plane: the API server itself, the scheduler, kube-proxy: no secret reads.
// - anonymous: system:anonymous / system:unauthenticated.
// - service-account / user: everything else, fully baselined.

export type PrincipalKind = 'controller' | 'kubelet' | 'control-plane' | 'anonymous' | 'service-account' | 'user'

export interface Principal {
  username: string
  kind: PrincipalKind
  /** `ns/name` of a service account. */
  serviceAccount?: string
  /** The node of a kubelet. */
  node?: string
}

// The kube-system service accounts kube-controller-manager uses per controller (--use-service-account-credentials).
const CONTROLLER_SA = /^system:serviceaccount:kube-system:[a-z0-9-]+-controller$/
const CONTROLLER_SA_EXTRA = new Set([
  'system:serviceaccount:kube-system:generic-garbage-collector',
  'system:serviceaccount:kube-system:namespace-controller',
  'system:serviceaccount:kube-system:resourcequota-controller',
  'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
  'system:serviceaccount:kube-system:pvc-protection-controller',
  'system:serviceaccount:kube-system:root-ca-cert-publisher'
])
const CONTROL_PLANE = new Set(['system:apiserver', 'system:kube-scheduler', 'system:kube-proxy', 'system:volume-scheduler'])

export function matchesName(name: string, patterns: readonly string[]): boolean {
  for (const p of patterns) if (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p) return true
  return false
}

export function classify(username: string, groups: readonly string[], controllers: readonly string[]): Principal {
  if (username === 'system:anonymous' || groups.includes('system:unauthenticated')) return { username, kind: 'anonymous' }
  if (username.startsWith('system:node:') && (groups.length === 0 || groups.includes('system:nodes')))
    return { username, kind: 'kubelet', node: username.slice('system:node:'.length) }
  let serviceAccount: string | undefined
  if (username.startsWith('system:serviceaccount:')) {
    const rest = username.slice('system:serviceaccount:'.length)
    const i = rest.indexOf(':')
    if (i > 0) serviceAccount = `${rest.slice(0, i)}/${rest.slice(i + 1)}`
  }
  const sa = serviceAccount === undefined ? {} : { serviceAccount }
  if (username === 'system:kube-controller-manager' || CONTROLLER_SA.test(username) || CONTROLLER_SA_EXTRA.has(username) || matchesName(username, controllers))
    return { username, kind: 'controller', ...sa }
  if (CONTROL_PLANE.has(username)) return { username, kind: 'control-plane' }
  return { username, kind: serviceAccount === undefined ? 'user' : 'service-account', ...sa }
}

/**
 * The user agent's family: its product token, lower-cased ("kubectl/v1.31.0 (linux/amd64) kubernetes/abc" → "kubectl").
 * Versions change on every upgrade and are not a signal; the tool is.
 */
export function userAgentFamily(ua: string | undefined): string {
  if (ua === undefined || ua === '') return '(none)'
  let end = 0
  while (end < ua.length && end < 64) {
    const c = ua.charCodeAt(end)
    // Up to the first '/', space or '(' (product token).
    if (c === 47 || c === 32 || c === 40) break
    end++
  }
  return ua.slice(0, end).toLowerCase() || '(none)'
}

/** Tools a person drives by hand: a service-account token in one of them is the classic stolen-token signal. */
const HAND_TOOLS = new Set([
  'curl',
  'wget',
  'kubectl',
  'python-requests',
  'python-urllib3',
  'python-urllib',
  'httpie',
  'postmanruntime',
  'insomnia',
  'k9s',
  'lens',
  'powershell',
  'mozilla'
])

export function isHandTool(family: string): boolean {
  return HAND_TOOLS.has(family)
}

/** The /24 of an IPv4 address, the /64 of an IPv6 one: one network for a NATed office or a pod CIDR slice. */
export function sourceNetwork(ip: string | undefined): string {
  if (ip === undefined || ip === '') return '(none)'
  // The longest IPv6 text with a zone is well under 64 characters: anything longer is not an address.
  if (ip.length > 64) return '(invalid)'
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) return `${v4.slice(0, v4.lastIndexOf('.'))}.0/24`
  if (!ip.includes(':')) return '(invalid)'
  const groups = expandV6(ip)
  return groups === undefined ? '(invalid)' : `${groups.slice(0, 4).join(':')}::/64`
}

function expandV6(ip: string): string[] | undefined {
  const zone = ip.indexOf('%')
  const addr = (zone >= 0 ? ip.slice(0, zone) : ip).toLowerCase()
  const halves = addr.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':')
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : []
  const fill = 8 - head.length - tail.length
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined
  const all = [...head, ...new Array<string>(fill).fill('0'), ...tail]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined
  return all.map((g) => g.replace(/^0+(?=.)/, ''))
}

/** An IPv4 address inside one of the CIDRs (IPv4 only; IPv6 CIDRs match by /64 prefix text). */
export function inNetworks(ip: string | undefined, cidrs: readonly ParsedCidr[]): boolean {
  if (ip === undefined) return false
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  const n = ipv4ToInt(v4)
  for (const c of cidrs) {
    if (c.v4 !== undefined && n !== undefined && ((n ^ c.v4.base) & c.v4.mask) === 0) return true
    if (c.v6 !== undefined && n === undefined) {
      const g = expandV6(ip)
      if (g?.join(':').startsWith(c.v6)) return true
    }
  }
  return false
}

export interface ParsedCidr {
  text: string
  v4?: { base: number; mask: number }
  v6?: string
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  if (m === null) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0
}

/** CIDRs from the configuration; undefined for one that does not parse (the caller reports it). */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [addr, bitsText] = text.split('/')
  const bits = Number(bitsText)
  if (addr === undefined || !Number.isInteger(bits)) return undefined
  const v4 = ipv4ToInt(addr)
  if (v4 !== undefined) {
    if (bits < 0 || bits > 32) return undefined
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    return { text, v4: { base: v4 & mask, mask } }
  }
  const g = expandV6(addr)
  if (g === undefined || bits < 0 || bits > 128 || bits % 16 !== 0) return undefined
  return { text, v6: g.slice(0, bits / 16).join(':') }
}
