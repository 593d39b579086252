// Stands in for @kubernetes/client-node's dist/gen/index.js when dist/config.js
// (KubeConfig) imports it from the pod informer: what KubeConfig uses from it,
// without every generated model and API class. See k8s-client.ts.

export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js'
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js'
