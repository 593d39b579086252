// Configuration of the pod-log collector (`collector.podLogs`). Kept out of pod-logs.ts so
// that assembling the whole schema (config/schema.ts) loads no collector code.

import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'

export const podLogsConfigSchema = s.object({
  mode: s.literal(['auto', 'on', 'off'] as const, {
    default: 'auto',
    description: 'Tail the Kubernetes container logs under `path`. `auto`: on for `run collector` when `path` exists (a Kubernetes node), off for `run all`.'
  }),
  path: s.string({ default: '/var/log/pods', description: "The kubelet's pod log directory: <namespace>_<pod>_<uid>/<container>/<restart>.log." }),
  nodeName: s.optional(s.string({ description: "This node's name (the DaemonSet sets it from spec.nodeName): pod metadata is watched for this node only." })),
  readFrom: s.literal(['end', 'beginning'] as const, {
    default: 'beginning',
    description:
      'Where to start in the log files that exist when the collector first starts on a node (no checkpoint yet). `beginning` finds leaks already on the node, rotated copies included, oldest first; kubelet caps each file (10 MiB by default). After that, any file new to the checkpoint is read from its start.'
  }),
  checkpointPath: s.string({
    default: './.leakwatch/pod-logs-checkpoints.json',
    description: 'Checkpoint file (offsets acknowledged by Kafka), written atomically; on a node, a hostPath that outlives the pod.'
  }),
  pollIntervalMs: s.number({ integer: true, min: 10, default: 250, description: 'How often followed files are checked for new data.' }),
  discoveryIntervalMs: s.number({
    integer: true,
    min: 10,
    default: 1000,
    description: 'How often the directory is listed for new pods, containers and restarts.'
  }),
  flushIntervalMs: s.number({
    integer: true,
    min: 0,
    default: 1000,
    description: 'Longest a written line waits for more lines to fill its chunk, so quiet pods still send few large messages.'
  }),
  maxLineBytes: s.number({
    integer: true,
    min: 1024,
    default: 256 * 1024,
    description: 'Bound on a line merged from CRI partial (P) records or docker 16 KiB pieces; longer lines are sent in pieces, never dropped.'
  }),
  maxChunkLines: s.number({ integer: true, min: 1, default: 1000, description: 'Most lines in one LogChunk.' }),
  maxChunkBytes: s.number({ integer: true, min: 1024, default: 512 * 1024, description: 'Most bytes in one LogChunk.' }),
  maxInFlightBytes: s.number({
    integer: true,
    min: 64 * 1024,
    default: 16 * 1024 * 1024,
    description: 'Most log bytes read and not yet acknowledged by Kafka; reading pauses at this bound while Kafka is slow or down, so memory stays flat.'
  }),
  rotatedHoldMs: s.number({
    integer: true,
    min: 0,
    default: 15 * 60 * 1000,
    description:
      'How long a rotated and deleted log file is held open while Kafka cannot take its unread lines; after that they are counted in leakwatch_lines_lost_total.'
  }),
  includeNamespaces: s.array(s.string(), { default: [], description: 'Only these namespaces (empty: all).' }),
  excludeNamespaces: s.array(s.string(), { default: [], description: 'Never these namespaces.' }),
  includePodLabels: s.array(s.string(), {
    default: [],
    description: 'Only pods matching one of these label selectors (`key=value`, `key!=value`, `key`, `!key`; comma = and). Empty: all.'
  }),
  excludePodLabels: s.array(s.string(), { default: [], description: 'Never pods matching one of these label selectors.' }),
  metadata: s.object({
    enabled: s.boolean({
      default: true,
      description:
        'Enrich with labels and owner workload from the API server (pod informer on this node); needs get/list/watch on pods. Off: path metadata only, annotation and label selection off.'
    }),
    kubeconfigPath: s.optional(s.string({ description: 'Kubeconfig file; unset: in-cluster service account, else KUBECONFIG or ~/.kube/config.' })),
    waitMs: s.number({
      integer: true,
      min: 0,
      default: 3000,
      description: 'How long the files of a pod not yet in the cache wait for its metadata (and exclusion annotations) before being read without.'
    }),
    deletedRetentionMs: s.number({
      integer: true,
      min: 0,
      default: 10 * 60 * 1000,
      description: "How long a deleted pod's metadata is kept for the lines it wrote last."
    })
  })
})

export type PodLogsConfig = Infer<typeof podLogsConfigSchema>
