import pg from 'pg';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN connection that comes back after the server restarts or the connection drops:
 * it reconnects with backoff, listens again on every channel, and tells `onReconnect`
 * subscribers, because notices sent while it was down are gone (NOTIFY is a hint only).
 */
export class PgListener {
  readonly #url: string;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  readonly #reconnected = new Set<() => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #delay = RECONNECT_MIN_MS;
  #timer: NodeJS.Timeout | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    let set = this.#handlers.get(channel);
    const fresh = !set;
    if (!set) this.#handlers.set(channel, (set = new Set()));
    set.add(handler);
    // While a reconnect is pending, it listens on every channel registered by then.
    if (this.#timer) return;
    if (!this.#client) await this.#connect();
    else if (fresh) await this.#client.query(`listen ${pg.escapeIdentifier(channel)}`);
  }

  onReconnect(handler: () => void): void {
    this.#reconnected.add(handler);
  }

  #connect(): Promise<void> {
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #open(): Promise<void> {
    // Keepalive finds a peer that vanished without closing the socket (a host gone, not a restart).
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true });
    let ended = false;
    client.on('error', () => this.#lost(client));
    client.on('end', () => {
      ended = true;
      this.#lost(client);
    });
    client.on('notification', (message) => {
      for (const h of this.#handlers.get(message.channel) ?? []) h(message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    // Closed meanwhile, or dropped before it was ours (its 'end' found no owner): not a live connection.
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    if (ended) throw new Error('The listening connection ended while it was being opened');
    this.#client = client;
    this.#delay = RECONNECT_MIN_MS;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect().then(
        () => {
          if (!this.#closed) for (const handler of this.#reconnected) handler();
        },
        () => {
          this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_MS);
          this.#schedule();
        },
      );
    }, this.#delay);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#client?.end().catch(() => undefined);
  }
}
