// Kubeconfigs for the informer tests: the real API server as the admin
// kubeconfig names it, seen as another user or through a partition relay.

import assert from 'node:assert/strict'
import { KubeConfig } from '@kubernetes/client-node'

/**
 * The cluster of the admin kubeconfig (server, CA) with another user: a service account's token, or the
 * admin's own user when token is undefined; `server` points it at the partition relay instead.
 */
export function kubeConfigFor(admin: KubeConfig, token: string | undefined, server?: string): KubeConfig {
  const current = admin.getCurrentCluster()
  const user = token === undefined ? admin.getCurrentUser() : { name: 'agent', token }
  assert.ok(current !== null && user !== null, 'the admin kubeconfig names a cluster and a user')
  const kc = new KubeConfig()
  kc.loadFromClusterAndUser(server === undefined ? current : { ...current, server }, user)
  return kc
}
