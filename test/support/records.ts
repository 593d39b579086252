// The record shapes leakwatch ingests, as a detector sees them: one text line
// becomes the physical lines of a chunk the way each source delivers it.
// A line holding '\n' is a multi-line text (a PEM block `cat`ed into a log):
// line-oriented sources give each of its lines a record of its own, escaped
// sources (a JSON log field, an audit event's object) carry it as one string.
// Shared by the shape test, the noise corpus and whoever else needs realistic
// records (bench/).

import { createHash } from 'node:crypto'
import { auditChunk } from '../../detectors/detector-stage.ts'
import type { AuditEnvelope } from '../../pipeline/events.ts'

export interface RecordShape {
  name: string
  /** The chunk lines that carry `text`. */
  wrap: (text: string) => string[]
}

const TS = '2026-11-24T03:14:13'

/** A CRI line of /var/log/pods (containerd, CRI-O): `<RFC3339Nano> <stream> <P|F> <message>`. */
export function criLine(message: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
  return `${TS}.123456789Z ${stream} F ${message}`
}

/** A line of a GitHub Actions job log: every line carries a 7-digit-fraction timestamp. */
export function githubLine(message: string): string {
  return `${TS}.1234567Z ${message}`
}

/**
 * A line of a GitLab job trace with runner timestamps (`<RFC3339Nano> <stream id><O|E> `).
 * The first line of a step opens a collapsible section (`section_start:<unix>:<name>`, a
 * carriage return and ANSI erase sequences) and, like most tools' output, is coloured.
 */
export function gitlabLines(lines: readonly string[]): string[] {
  return lines.map((l, i) =>
    i === 0 ? `${TS}.123456Z 00O \x1b[0Ksection_start:1795842853:step_script[collapsed=true]\r\x1b[0K\x1b[32;1m${l}\x1b[0;m` : `${TS}.123456Z 00O ${l}`
  )
}

/** A structured log line (pino, zap, logrus JSON): the text is a JSON-escaped string field. */
export function jsonLogLine(text: string): string {
  return JSON.stringify({ level: 'info', ts: `${TS}.123Z`, logger: 'app', msg: text })
}

/**
 * An audit.k8s.io/v1 Event for `kubectl apply` of a ConfigMap whose `app.conf` holds `text`, at
 * RequestResponse level, made into the one-line chunk the detector stage scans (detectors/detector-stage.ts).
 * kubectl apply also writes the whole object into the last-applied-configuration annotation:
 * the text is then a JSON string inside a JSON string.
 */
export function auditEventLine(text: string, namespace = 'payments'): string {
  // The event's id follows from its content, so the same text makes the same line.
  const id = createHash('sha256').update(text).digest('hex')
  const name = 'app-config'
  // A rendered config file: the text is one of its lines, each ended by a newline.
  const conf = `# rendered by helm for ${namespace}\n${text}\nmax_connections = 64\n`
  const configMap = { apiVersion: 'v1', data: { 'app.conf': conf, 'log.level': 'info' }, kind: 'ConfigMap', metadata: { name, namespace } }
  const lastApplied = `${JSON.stringify({ ...configMap, metadata: { annotations: {}, name, namespace } })}\n`
  const metadata = { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied }, name, namespace }
  const env: AuditEnvelope = {
    v: '1',
    type: 'audit',
    cluster: 'prod-eu-1',
    receivedAt: `${TS}.600Z`,
    event: {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(17, 20)}-${id.slice(20, 32)}`,
      stage: 'ResponseComplete',
      requestURI: `/api/v1/namespaces/${namespace}/configmaps?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
      verb: 'create',
      user: {
        username: 'system:serviceaccount:ci:deployer',
        uid: '0d6c5d7e-3b0a-4a53-8f55-2b5b3c0c9e11',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']
      },
      sourceIPs: ['10.42.7.19'],
      userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
      objectRef: { resource: 'configmaps', namespace, name, apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: { ...configMap, metadata },
      responseObject: {
        ...configMap,
        metadata: {
          ...metadata,
          uid: '3f0e8b7a-5c4d-4e2f-9a1b-7c6d5e4f3a2b',
          resourceVersion: '48213377',
          creationTimestamp: `${TS}Z`,
          managedFields: [
            {
              manager: 'kubectl-client-side-apply',
              operation: 'Update',
              apiVersion: 'v1',
              time: `${TS}Z`,
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:data': { '.': {}, 'f:app.conf': {} } }
            }
          ]
        }
      },
      requestReceivedTimestamp: `${TS}.512014Z`,
      stageTimestamp: `${TS}.538226Z`,
      annotations: {
        'authorization.k8s.io/decision': 'allow',
        'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "deployer/payments" of ClusterRole "edit" to ServiceAccount "deployer/ci"'
      }
    } as AuditEnvelope['event']
  }
  const chunk = auditChunk(env)
  if (chunk === undefined || chunk.lines.length !== 1) throw new Error('the detector stage no longer scans a ConfigMap create as one line')
  return chunk.lines[0] as string
}

export const RECORD_SHAPES: readonly RecordShape[] = [
  { name: 'plain', wrap: (t) => t.split('\n') },
  { name: 'json', wrap: (t) => [jsonLogLine(t)] },
  { name: 'cri', wrap: (t) => t.split('\n').map((l) => criLine(l)) },
  { name: 'audit', wrap: (t) => [auditEventLine(t)] },
  { name: 'github-actions', wrap: (t) => t.split('\n').map(githubLine) },
  { name: 'gitlab', wrap: (t) => gitlabLines(t.split('\n')) }
]
