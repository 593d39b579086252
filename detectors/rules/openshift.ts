import { BASE64URL, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'openshift-user-token',
    title: 'OpenShift user token',
    severity: 'critical',
    // `oc whoami -t`: sha256~ then 43 base64url characters.
    token: format('sha256~', BASE64URL(43)),
    minEntropy: 3.5,
    lines: [(s) => `+ oc login --token=${s} --server=https://api.ocp.example.com:6443`, (s) => `Authorization: Bearer ${s}`],
    negatives: ['sha256~...', `sha256~${'x'.repeat(43)}`]
  })
]
