let inFlight = 0;

/**
 * Marks the page busy (`aria-busy` on the body) while any request to the server is in flight:
 * assistive technology can wait for a page to have what it asked for, and so do the browser
 * tests, instead of waiting for the network to have been quiet for a while.
 */
export async function tracked<T>(work: () => Promise<T>): Promise<T> {
  const body = typeof document === 'undefined' ? undefined : document.body;
  if (inFlight++ === 0) body?.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    if (--inFlight === 0) body?.removeAttribute('aria-busy');
  }
}
