export { Informer, keyOf, stripManagedFields } from "./informer.ts";
export type { HasMeta, InformerHandlers, InformerOptions } from "./informer.ts";
