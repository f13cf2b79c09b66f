/**
 * Objects of an informer grouped by a string (pods and services by namespace, slices by
 * service), so that a pod change looks only at the services of its namespace and a
 * reconcile only at the pods of its service's namespace, never at the whole cluster.
 * Holds the cache's own (read-only) objects; bounded by the informer it mirrors.
 */
export class GroupIndex<T> {
  private readonly groups = new Map<string, Map<string, T>>();

  /** Puts `obj` under `group` by `key`, replacing what was there. */
  set(group: string, key: string, obj: T): void {
    let m = this.groups.get(group);
    if (!m) this.groups.set(group, (m = new Map()));
    m.set(key, obj);
  }

  delete(group: string, key: string): void {
    const m = this.groups.get(group);
    if (!m) return;
    m.delete(key);
    if (m.size === 0) this.groups.delete(group);
  }

  /** The objects of the group (a live view: do not change the index while iterating). */
  list(group: string): Iterable<T> {
    return this.groups.get(group)?.values() ?? [];
  }
}
