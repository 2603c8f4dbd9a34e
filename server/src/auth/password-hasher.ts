import { randomBytes } from 'node:crypto';
import { tooManyAttempts } from './login-throttle.ts';
import { FairQueue, QueueFull } from './fair-queue.ts';
import { hashPassword, parseHash, PASSWORD_PARAMS, verifyPassword, weakerThan, type PasswordCost, type ScryptParams } from './passwords.ts';

// Two of libuv's four threads: the rest stay free for file and DNS work. One tenant may use
// one of them, so another tenant's login always finds a slot within one hash.
const CONCURRENCY = 2;
const PER_TENANT = 1;
const WAITING_PER_TENANT = 8;

export interface Verdict {
  ok: boolean;
  /** The stored hash is cheaper than today's parameters: rehash it now that the password is known. */
  rehash: boolean;
}

/**
 * Hashes and checks passwords off the event loop through a fair queue keyed by tenant. An
 * unknown account is checked against a dummy hash of the same parameters, so a failed login
 * costs the same whether or not the email exists.
 */
export class PasswordHasher {
  readonly params: ScryptParams;
  readonly #queue = new FairQueue({ concurrency: CONCURRENCY, perKey: PER_TENANT, maxWaitingPerKey: WAITING_PER_TENANT });
  #dummy: Promise<string> | undefined;
  /** How many scrypt derivations ran; tests read it to see that a path hashed. */
  derivations = 0;

  constructor(cost: PasswordCost) {
    this.params = PASSWORD_PARAMS[cost];
  }

  /** Refuses at once (429) when the tenant's queue is full, so a burst is turned away before any database work. */
  refuseWhenBusy(tenantKey: string): void {
    if (this.#queue.full(tenantKey)) throw busy();
  }

  hash(tenantKey: string, password: string): Promise<string> {
    return this.#run(tenantKey, () => hashPassword(password, this.params));
  }

  /** Checks `password` against `stored`, or against the dummy hash when there is no account. */
  async verify(tenantKey: string, password: string, stored: string | undefined): Promise<Verdict> {
    const parsed = stored === undefined ? undefined : parseHash(stored);
    const target = parsed ?? parseHash(await this.#dummyHash())!;
    const ok = await this.#run(tenantKey, () => verifyPassword(password, target));
    return { ok: ok && parsed !== undefined, rehash: ok && parsed !== undefined && weakerThan(parsed.params, this.params) };
  }

  /** Computes the dummy hash ahead of the first unknown-account login, which would otherwise pay for it. */
  async warm(): Promise<void> {
    await this.#dummyHash();
  }

  #dummyHash(): Promise<string> {
    this.#dummy ??= hashPassword(randomBytes(16).toString('base64url'), this.params);
    return this.#dummy;
  }

  async #run<T>(tenantKey: string, task: () => Promise<T>): Promise<T> {
    try {
      return await this.#queue.run(tenantKey, () => {
        this.derivations++;
        return task();
      });
    } catch (error) {
      if (error instanceof QueueFull) throw busy();
      throw error;
    }
  }
}

const busy = () => tooManyAttempts(1, 'Too many sign-ins are in progress for this workspace; try again in a moment');
