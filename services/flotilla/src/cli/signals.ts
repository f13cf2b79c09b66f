/** Resolves on the first SIGTERM or SIGINT: how every long-running command waits to stop. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => resolve());
  });
}
