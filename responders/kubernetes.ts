// Kubernetes rotation of a known secret (an incident that names the Secret
// `ns/name/key` whose value leaked):
//   1. a Secret owned by an External Secrets `ExternalSecret` is re-synced from
//      its store by setting the `force-sync` annotation on the ExternalSecret
//      (JSON merge patch: custom resources do not take strategic merge);
//   2. a Secret that opted in with `leakwatch.io/rotate: generate` gets a new
//      random value for the leaked key (`leakwatch.io/rotate-length`, default 32;
//      `leakwatch.io/rotate-charset`: alnum | hex | base64url, default alnum),
//      as a strategic merge patch;
//   3. then every Deployment, StatefulSet and DaemonSet whose pod template
//      mounts or references the Secret is rollout-restarted the way `kubectl
//      rollout restart` does it: the `kubectl.kubernetes.io/restartedAt`
//      pod-template annotation, as a strategic merge patch.
// Anything else is not rotatable here and says so (non-retriable).
// The new value lives only in this function's memory and the API request.

import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeConfig, V1PodSpec, V1Secret } from '@kubernetes/client-node'
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Incident } from './incidents.ts'

export const ANNOTATIONS = {
  rotate: 'leakwatch.io/rotate',
  length: 'leakwatch.io/rotate-length',
  charset: 'leakwatch.io/rotate-charset',
  rotatedAt: 'leakwatch.io/rotated-at',
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
  forceSync: 'force-sync'
} as const

const CHARSETS: Record<string, string> = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
}

export interface KubernetesRotatorOptions {
  restartWorkloads: boolean
  /** How long to wait for External Secrets to rewrite the Secret before restarting anyway. */
  syncWaitMs?: number
  now?: () => Date
}

function fail(err: unknown, what: string): never {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'number') {
    const retriable = code === 408 || code === 409 || code === 429 || code >= 500
    throw new LeakwatchError(retriable ? 'LW_ERR_KUBERNETES_FAILED' : 'LW_ERR_KUBERNETES_REJECTED', `${what}: API server answered HTTP ${code}`)
  }
  throw new LeakwatchError('LW_ERR_KUBERNETES_FAILED', `${what}: API server unreachable`, { cause: err })
}

/** Whether a pod spec uses the Secret: volume, projected volume, env, envFrom (init containers too), image pull secret. */
export function usesSecret(spec: V1PodSpec | undefined, name: string): boolean {
  if (spec === undefined) return false
  if (spec.volumes?.some((v) => v.secret?.secretName === name || v.projected?.sources?.some((s) => s.secret?.name === name)) === true) return true
  if (spec.imagePullSecrets?.some((s) => s.name === name) === true) return true
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]
  return containers.some(
    (c) => c.env?.some((e) => e.valueFrom?.secretKeyRef?.name === name) === true || c.envFrom?.some((e) => e.secretRef?.name === name) === true
  )
}

export function generateValue(length: number, charset: string): string {
  const alphabet = CHARSETS[charset] ?? CHARSETS.alnum ?? ''
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

export function createKubernetesRotator(kc: KubeConfig, opts: KubernetesRotatorOptions) {
  const core = kc.makeApiClient(CoreV1Api)
  const apps = kc.makeApiClient(AppsV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const now = opts.now ?? (() => new Date())
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

  async function readSecret(namespace: string, name: string): Promise<V1Secret> {
    try {
      return await core.readNamespacedSecret({ namespace, name })
    } catch (err) {
      return fail(err, `read Secret ${namespace}/${name}`)
    }
  }

  async function restart(namespace: string, name: string, at: string): Promise<string[]> {
    const body = { spec: { template: { metadata: { annotations: { [ANNOTATIONS.restartedAt]: at } } } } }
    const restarted: string[] = []
    const kinds = [
      [
        'Deployment',
        () => apps.listNamespacedDeployment({ namespace }),
        (n: string) => apps.patchNamespacedDeployment({ namespace, name: n, body }, strategic)
      ],
      [
        'StatefulSet',
        () => apps.listNamespacedStatefulSet({ namespace }),
        (n: string) => apps.patchNamespacedStatefulSet({ namespace, name: n, body }, strategic)
      ],
      ['DaemonSet', () => apps.listNamespacedDaemonSet({ namespace }), (n: string) => apps.patchNamespacedDaemonSet({ namespace, name: n, body }, strategic)]
    ] as const
    for (const [kind, list, patch] of kinds) {
      let items: Array<{ metadata?: { name?: string }; spec?: { template?: { spec?: V1PodSpec } } }>
      try {
        items = (await list()).items
      } catch (err) {
        return fail(err, `list ${kind}s in ${namespace}`)
      }
      for (const w of items) {
        const n = w.metadata?.name
        if (n === undefined || !usesSecret(w.spec?.template?.spec, name)) continue
        try {
          await patch(n)
        } catch (err) {
          fail(err, `restart ${kind} ${namespace}/${n}`)
        }
        restarted.push(`${kind}/${n}`)
      }
    }
    return restarted
  }

  return {
    async rotate(incident: Incident): Promise<string> {
      const ref = incident.secretRef
      if (ref?.type !== 'kubernetes' || ref.namespace === undefined || ref.name === undefined)
        throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', 'kubernetes rotation needs a known-secret incident naming its Secret')
      const { namespace, name } = ref
      const at = now().toISOString()
      const secret = await readSecret(namespace, name)
      const owner = secret.metadata?.ownerReferences?.find((o) => o.kind === 'ExternalSecret')
      const annotations = secret.metadata?.annotations ?? {}
      let did: string
      if (owner !== undefined) {
        const [group = 'external-secrets.io', version = 'v1'] = (owner.apiVersion ?? '').split('/')
        const body = { metadata: { annotations: { [ANNOTATIONS.forceSync]: String(Math.floor(Date.parse(at) / 1000)) } } }
        const forceSync = (v: string) =>
          custom.patchNamespacedCustomObject({ group, version: v, namespace, plural: 'externalsecrets', name: owner.name, body }, merge)
        try {
          try {
            await forceSync(version)
          } catch (err) {
            // An owner reference keeps the apiVersion its controller wrote when it made the Secret: Secrets synced by
            // an older External Secrets still name v1beta1, which its current CRD no longer serves (404). The object
            // is the same in every version, so v1 reaches it.
            if ((err as { code?: unknown }).code !== 404 || version === 'v1') throw err
            await forceSync('v1')
          }
        } catch (err) {
          fail(err, `force-sync ExternalSecret ${namespace}/${owner.name}`)
        }
        did = `force-synced ExternalSecret ${owner.name}`
        // Restarting before the operator rewrote the Secret would restart into the leaked value.
        const before = secret.metadata?.resourceVersion
        const waitMs = opts.syncWaitMs ?? 30_000
        const deadline = Date.now() + waitMs
        let rewritten = false
        while (!rewritten && Date.now() < deadline) {
          rewritten = (await readSecret(namespace, name)).metadata?.resourceVersion !== before
          if (!rewritten) await sleep(250)
        }
        // The operator leaves the Secret untouched when the store still holds the same value (the API server keeps the
        // resourceVersion of a no-op update): the incident must not read as if the leaked value were gone.
        if (!rewritten) did += ` (the Secret was not rewritten within ${waitMs} ms: its store may still hold the leaked value)`
      } else if (annotations[ANNOTATIONS.rotate] === 'generate') {
        const keys = Object.keys(secret.data ?? {})
        const key = ref.key ?? (keys.length === 1 ? keys[0] : undefined)
        if (key === undefined) throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `Secret ${namespace}/${name} has several keys and the incident names none`)
        // A patch would add the key and leave the leaked value where it is, reported as rotated.
        if (!keys.includes(key)) throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `Secret ${namespace}/${name} has no key ${key}`)
        const length = Math.min(4096, Math.max(16, Number(annotations[ANNOTATIONS.length] ?? 32) || 32))
        const value = generateValue(length, annotations[ANNOTATIONS.charset] ?? 'alnum')
        const body = {
          metadata: { annotations: { [ANNOTATIONS.rotatedAt]: at }, resourceVersion: secret.metadata?.resourceVersion },
          data: { [key]: Buffer.from(value, 'utf8').toString('base64') }
        }
        try {
          // resourceVersion makes it a compare-and-swap: a concurrent edit fails (409) rather than being overwritten.
          await core.patchNamespacedSecret({ namespace, name, body }, strategic)
        } catch (err) {
          fail(err, `patch Secret ${namespace}/${name}`)
        }
        did = `generated a new ${key} for Secret ${name}`
      } else {
        throw new LeakwatchError(
          'LW_ERR_ACTION_UNSUPPORTED',
          `Secret ${namespace}/${name} is neither owned by an ExternalSecret nor annotated ${ANNOTATIONS.rotate}: generate`
        )
      }
      if (!opts.restartWorkloads) return did
      const restarted = await restart(namespace, name, at)
      return `${did}; restarted ${restarted.length === 0 ? 'no workloads' : restarted.join(', ')}`
    }
  }
}
