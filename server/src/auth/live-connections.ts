/** A connection that outlives its request (a GraphQL socket), held by the credential it was opened with. */
export interface LiveConnection {
  tenantId: string;
  userId: string;
  via: 'session' | 'apiKey';
  credentialHash: string;
  /** Closes the connection: its credential has ended. Called at most once. */
  end(reason: string): void;
}

/** Of `held` (one tenant's), the credential hashes that are still live. */
export type LiveCredentials = (tenantId: string, held: readonly LiveConnection[]) => Promise<Set<string>>;

/**
 * Which live connections this process holds by which credential, so that a credential's end
 * (sign-out, a session ended from the list or by an administrator, a new password, deactivation,
 * a revoked key) ends them too. It is told through the same NOTIFY that clears the credential
 * cache on every process; a credential that lapses by itself (12 hours, idleness) or a notice
 * lost with the listening connection is caught by the re-check every `recheckMs`. A suspicion is
 * a question to the database, never a verdict: an announcement about a user (a profile change,
 * "sign out the others") ends only the connections whose own credential is gone.
 */
export class LiveConnections {
  readonly #byTenant = new Map<string, Set<LiveConnection>>();
  readonly #liveCredentials: LiveCredentials;
  readonly #recheckMs: number;
  /** Per tenant: a check under way, and the connections to check once it is done (one query at a time per tenant). */
  readonly #checks = new Map<string, { running: Promise<void>; next: Set<LiveConnection> }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(liveCredentials: LiveCredentials, recheckMs: number) {
    this.#liveCredentials = liveCredentials;
    this.#recheckMs = recheckMs;
  }

  start(): void {
    this.#timer = setInterval(() => this.suspectAll(), this.#recheckMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#checks.values()].map((c) => c.running));
  }

  /**
   * Holds `connection` until the returned release. Its credential is checked once at once: it
   * may have ended between the connection's authentication and now, an announcement no one heard.
   */
  hold(connection: LiveConnection): () => void {
    let held = this.#byTenant.get(connection.tenantId);
    if (!held) this.#byTenant.set(connection.tenantId, (held = new Set()));
    held.add(connection);
    this.#check(connection.tenantId, [connection]);
    return () => this.#release(connection);
  }

  #release(connection: LiveConnection): void {
    const held = this.#byTenant.get(connection.tenantId);
    if (!held?.delete(connection)) return;
    if (held.size === 0) this.#byTenant.delete(connection.tenantId);
  }

  /** A credential of the tenant may have ended: the one with this hash, or any of this user's. */
  suspect(tenantId: string, change: { userId?: string | undefined; credentialHash?: string | undefined; sessions?: boolean | undefined }): void {
    const held = this.#byTenant.get(tenantId);
    if (!held) return;
    const suspects = [...held].filter(
      (c) => c.credentialHash === change.credentialHash || (change.userId !== undefined && c.userId === change.userId) || (change.sessions === true && c.via === 'session'),
    );
    if (suspects.length) this.#check(tenantId, suspects);
  }

  /** Every held credential may have ended (the periodic re-check, or announcements lost). */
  suspectAll(): void {
    for (const [tenantId, held] of this.#byTenant) this.#check(tenantId, [...held]);
  }

  #check(tenantId: string, connections: readonly LiveConnection[]): void {
    const pending = this.#checks.get(tenantId);
    if (pending) {
      for (const c of connections) pending.next.add(c);
      return;
    }
    const entry = { running: Promise.resolve(), next: new Set<LiveConnection>() };
    entry.running = this.#run(tenantId, connections).finally(() => {
      this.#checks.delete(tenantId);
      if (entry.next.size) this.#check(tenantId, [...entry.next]);
    });
    this.#checks.set(tenantId, entry);
  }

  async #run(tenantId: string, connections: readonly LiveConnection[]): Promise<void> {
    const held = connections.filter((c) => this.#byTenant.get(tenantId)?.has(c));
    if (!held.length) return;
    try {
      const live = await this.#liveCredentials(tenantId, held);
      for (const c of held) {
        if (live.has(c.credentialHash) || !this.#byTenant.get(tenantId)?.has(c)) continue;
        this.#release(c);
        c.end(c.via === 'session' ? 'The session has ended' : 'The API key is no longer valid');
      }
    } catch (error) {
      // The connections stay: a database hiccup ends no one's session. The next re-check asks again.
      console.error('live connections: checking credentials failed', error);
    }
  }
}
