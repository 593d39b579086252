// An access finding as a pipeline Finding (pipeline/events.ts), so it flows
// to the same incidents, Slack and webhooks as a leaked secret. An incident is
// one fingerprint: here the keyed HMAC of (rule, principal), so one incident
// per principal and kind of anomaly gathers its repeats, instead of one per
// secret value. The preview is the principal, never a value: access findings
// carry none.

import type { Finding } from '../../pipeline/events.ts'
import type { Fingerprinter } from '../../pipeline/fingerprint.ts'
import type { AccessFinding } from './detector.ts'

/** The keyed fingerprint of an access incident: one per rule and principal. */
export function accessFingerprint(fp: Fingerprinter, rule: string, principal: string): string {
  return fp.of(`leakwatch-access\u0000${rule}\u0000${principal}`)
}

/** One line for Slack, the console and SARIF: what happened, by whom, how much. */
export function accessSummary(f: AccessFinding): string {
  const ev = f.evidence
  const what = [
    `${ev.count} event${ev.count === 1 ? '' : 's'}`,
    ev.distinctSecrets === undefined ? '' : `${ev.distinctSecrets} secrets`,
    ev.distinctNamespaces === undefined ? '' : `${ev.distinctNamespaces} namespaces`,
    ev.items.length === 0 ? '' : `e.g. ${ev.items.slice(0, 3).join(', ')}`
  ].filter(Boolean)
  const who = f.impersonatedUser === undefined ? f.principal : `${f.principal} (${f.user} as ${f.impersonatedUser})`
  return `${who}${f.namespace === undefined ? '' : ` in ${f.namespace}`}: ${what.join(', ')}; score ${f.score}`
}

export function toPipelineFinding(f: AccessFinding, o: { cluster: string; fingerprinter: Fingerprinter; maxContextChars?: number }): Finding {
  const context = accessSummary(f)
  return {
    v: '1',
    type: 'finding',
    id: f.id,
    fingerprint: accessFingerprint(o.fingerprinter, f.rule, f.principal),
    rule: f.rule,
    title: f.title,
    kind: 'access',
    severity: f.severity,
    confidence: f.score >= 3 ? 'high' : 'medium',
    stream: `audit/${o.cluster}/${f.principal}`,
    source: { type: 'audit', cluster: o.cluster, ...(f.namespace === undefined ? {} : { namespace: f.namespace }) },
    location: { line: 1, column: 1, endLine: 1, endColumn: 1 },
    preview: f.principal.slice(0, 200),
    context: context.slice(0, o.maxContextChars ?? 480),
    // Event time, so a replay gives the same record.
    detectedAt: f.lastSeen,
    access: {
      principal: f.principal,
      principalKind: f.principalKind,
      user: f.user,
      ...(f.impersonatedUser === undefined ? {} : { impersonatedUser: f.impersonatedUser }),
      ...(f.namespace === undefined ? {} : { namespace: f.namespace }),
      ...(f.serviceAccount === undefined ? {} : { serviceAccount: f.serviceAccount }),
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      score: f.score,
      baseline: f.baseline,
      evidence: { ...f.evidence, auditIDs: f.auditIDs }
    }
  }
}
