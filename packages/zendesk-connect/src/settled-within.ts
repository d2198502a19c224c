/**
 * The value of `promise` if it settles within `ms`, else `undefined` (the promise keeps running:
 * the caller can still await it, e.g. behind a Suspense boundary). A rejection within the window
 * is thrown here, so it reaches the same error boundary as a late one. A zero wait takes only a
 * promise already settled (the timer fires after its callbacks).
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
