/**
 * @peculiar/x509 2.x resolves its internals through tsyringe, which refuses to load
 * unless a Reflect metadata API exists (normally the `reflect-metadata` package, not
 * installed here). tsyringe only stores and reads a few keys through it, so this
 * installs the minimal part of that API, and only when no polyfill is present.
 * Import it before @peculiar/x509.
 */

type Key = string | symbol;
const store = new WeakMap<object, Map<Key, unknown>>();

function own(target: object, key: Key): unknown {
  return store.get(target)?.get(key);
}

function lookup(target: object | null, key: Key): unknown {
  // Metadata is inherited along the prototype chain, as reflect-metadata defines it.
  for (let t = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
    const v = own(t, key);
    if (v !== undefined) return v;
  }
  return undefined;
}

function define(key: Key, value: unknown, target: object): void {
  let map = store.get(target);
  if (!map) store.set(target, (map = new Map()));
  map.set(key, value);
}

const api = {
  defineMetadata: define,
  getOwnMetadata: (key: Key, target: object) => own(target, key),
  getMetadata: (key: Key, target: object) => lookup(target, key),
  hasOwnMetadata: (key: Key, target: object) => own(target, key) !== undefined,
  hasMetadata: (key: Key, target: object) => lookup(target, key) !== undefined,
  metadata: (key: Key, value: unknown) => (target: object) => define(key, value, target),
};

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== "function") {
  for (const [name, fn] of Object.entries(api)) reflect[name] = fn;
}
