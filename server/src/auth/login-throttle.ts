import { foldCase } from '@protean/metadata/field-types';
import { TtlCache } from '../cache/ttl-cache.ts';
import type { Database } from '../db/database.ts';
import { ProblemError } from '../errors/problems.ts';

/**
 * Failed sign-ins per account and per client address, kept in `login_throttle` so every
 * server process sees the same counts. Rows are keyed by tenant: a lockout in one workspace
 * never refuses another workspace's users behind the same address.
 */
export const THROTTLE_POLICY = {
  /** Failures allowed before the first lockout. */
  accountFailures: 5,
  addressFailures: 20,
  /** The first lockout; each further failure doubles it, up to the cap. */
  baseLockSeconds: 1,
  maxLockSeconds: 15 * 60,
  /** A failure older than this no longer counts: the next one starts again at 1. */
  forgetAfterSeconds: 60 * 60,
} as const;

const PRUNE_EVERY = 256;

/** Sign-ins to a workspace that does not exist are counted under this tenant id. */
export const NO_TENANT = '00000000-0000-0000-0000-000000000000';

export interface LoginSubject {
  tenantId: string;
  email: string;
  address: string;
  /** A browser that signed in to this account before (TrustedDevices): the account's lock does not hold it, its address's does. */
  trustedDevice?: boolean;
}

// Lowered as sign-in's lower(email) finds the account: however its letters are cased ('İ' or 'i'),
// one account is one subject.
const subjectsOf = (s: LoginSubject) => [`account:${foldCase(s.email)}`, `address:${s.address}`];

export function tooManyAttempts(retryAfterSeconds: number, message: string): ProblemError {
  return new ProblemError('limit-exceeded', 429, message, undefined, { retryAfter: retryAfterSeconds });
}

interface LockRow {
  subject: string;
  ms: number | null;
}

export class LoginThrottle {
  readonly #db: Database;
  /**
   * Lockouts this process has seen, until they end. Only time ends a lockout (a locked attempt
   * is neither counted nor let through to succeed), so a burst from a locked-out address is
   * refused without a query per attempt.
   */
  readonly #locks = new TtlCache<number>(10_000, THROTTLE_POLICY.maxLockSeconds * 1000);
  #failures = 0;
  /** Accounts with a guess being checked in this process. */
  readonly #guessing = new Set<string>();

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * One guess at an account's password: refused while the account or address is locked out, or
   * while another guess at the same account is being checked here (a burst would otherwise pass
   * the check all at once, before its first failure was counted), then counted by its outcome.
   */
  async attempt<T extends { ok: boolean }>(subject: LoginSubject, guess: () => Promise<T>): Promise<T> {
    const key = `${subject.tenantId} ${subjectsOf(subject)[0]}`;
    if (this.#guessing.has(key)) throw tooManyAttempts(1, 'Too many sign-ins are in progress for this account; try again in a moment');
    this.#guessing.add(key);
    try {
      await this.check(subject);
      const outcome = await guess();
      await (outcome.ok ? this.succeeded(subject) : this.failed(subject));
      return outcome;
    } finally {
      this.#guessing.delete(key);
    }
  }

  /** Refuses with a 429 problem while the account or the address is locked out; runs before any hashing. */
  async check(subject: LoginSubject): Promise<void> {
    const subjects = subject.trustedDevice ? subjectsOf(subject).slice(1) : subjectsOf(subject);
    this.#refuseIfLocked(subject.tenantId, subjects);
    const rows = await this.#db.system((q) =>
      q.query<LockRow>(
        'select subject, extract(epoch from locked_until - now()) * 1000 as ms from login_throttle where tenant_id = $1 and subject = any($2) and locked_until > now()',
        [subject.tenantId, subjects],
      ),
    );
    this.#remember(subject.tenantId, rows);
    this.#refuseIfLocked(subject.tenantId, subjects);
  }

  #remember(tenantId: string, rows: LockRow[]): void {
    for (const row of rows) if (row.ms !== null && Number(row.ms) > 0) this.#locks.set(`${tenantId} ${row.subject}`, Date.now() + Number(row.ms));
  }

  /** Throws while one of the subjects is locked as far as this process knows. */
  #refuseIfLocked(tenantId: string, subjects: string[]): void {
    const until = Math.max(0, ...subjects.map((s) => this.#locks.get(`${tenantId} ${s}`) ?? 0));
    const wait = Math.ceil((until - Date.now()) / 1000);
    if (wait > 0) throw tooManyAttempts(wait, `Too many failed sign-ins; try again in ${wait} s`);
  }

  /** Counts a failure for the account and the address; past the free failures each one doubles the lockout. */
  async failed(subject: LoginSubject): Promise<void> {
    const p = THROTTLE_POLICY;
    const count = 'case when t.last_failure_at < now() - make_interval(secs => $4::int) then 1 else t.failures + 1 end';
    const free = `case when t.subject like 'account:%' then $3::int else $5::int end`;
    const rows = await this.#db.system((q) =>
      q.query<LockRow>(
        `insert into login_throttle as t (tenant_id, subject, failures, last_failure_at)
           select $1, s.subject, 1, now() from unnest($2::text[]) as s(subject)
         on conflict (tenant_id, subject) do update set
           failures = ${count},
           last_failure_at = now(),
           locked_until = case when ${count} >= ${free}
             then now() + make_interval(secs => least($7::float8, $6::float8 * power(2, least(${count} - ${free}, 30)))) end
         returning subject, extract(epoch from locked_until - now()) * 1000 as ms`,
        [subject.tenantId, subjectsOf(subject), p.accountFailures, p.forgetAfterSeconds, p.addressFailures, p.baseLockSeconds, p.maxLockSeconds],
      ),
    );
    this.#remember(subject.tenantId, rows);
    if (++this.#failures % PRUNE_EVERY === 0) await this.#prune();
  }

  /** Forgets counts that no longer matter (guessed emails leave a row each), now and then rather than on a timer. */
  async #prune(): Promise<void> {
    await this.#db.system((q) =>
      q.query('delete from login_throttle where last_failure_at < now() - make_interval(secs => $1::int) and (locked_until is null or locked_until < now())', [THROTTLE_POLICY.forgetAfterSeconds]),
    );
  }

  /** A successful sign-in clears the account's count; the address keeps its own. */
  async succeeded(subject: LoginSubject): Promise<void> {
    const [account] = subjectsOf(subject);
    await this.#db.system((q) => q.query('delete from login_throttle where tenant_id = $1 and subject = $2', [subject.tenantId, account]));
  }
}
