/**
 * A bench step that must finish in time. The timer is cleared once the step settles: a
 * pending one kept a bench process alive for minutes after it had printed its result.
 */
export async function withDeadline<T>(step: Promise<T>, ms: number, failure: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(failure())), ms);
  });
  try {
    return await Promise.race([step, late]);
  } finally {
    clearTimeout(timer);
  }
}
