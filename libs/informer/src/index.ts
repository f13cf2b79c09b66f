export { Informer, keyOf } from "./informer.ts";
export type { HasMeta, InformerHandlers, InformerOptions } from "./informer.ts";
