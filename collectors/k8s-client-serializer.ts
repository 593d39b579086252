// Stands in for @kubernetes/client-node's dist/serializer.js when dist/cache.js
// (ListWatch) imports it from the pod informer: ListWatch serializes only its
// label and field selectors, which are strings and serialize to themselves.
// The real one loads every generated model. See k8s-client.ts.

export const ObjectSerializer = {
  serialize(data: unknown, type: string): unknown {
    if (type !== 'string') throw new Error(`the pod informer's serializer handles strings only, not ${type}`)
    return data
  }
}
