/** Well-known labels Flotilla's actors agree on. */

/** The label a node carries for each container runtime it has; RuntimeClasses select it. */
export function runtimeLabel(handler: string): string {
  return `runtime.flotilla.io/${handler}`;
}
