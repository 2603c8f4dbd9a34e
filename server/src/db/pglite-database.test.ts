import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/harness.ts';
import { IdleTransactionEnded, PgliteDatabase } from './pglite-database.ts';

// The embedded database is one session: these run an in-memory one with a short idle limit.
const IDLE_MS = 300;
let d: PgliteDatabase;

beforeAll(async () => {
  d = await PgliteDatabase.open(undefined, { idleTransactionMs: IDLE_MS });
  await d.system((tx) => tx.exec('create table note (body text)'));
});
beforeEach(() => d.system((tx) => tx.exec('truncate note')));
afterAll(() => d.close());

const notes = async () => (await d.system((tx) => tx.query<{ body: string }>('select body from note order by body'))).map((r) => r.body);

describe('the embedded database’s one session', () => {
  it('ends a transaction that waits for a transaction of its own making, so the server serves again instead of hanging', { timeout: 15_000 }, async () => {
    const outer = d.system(async (tx) => {
      await tx.query("insert into note values ('outer')");
      // Needs the session the outer transaction holds: without the idle limit, neither ever ends.
      await d.system((inner) => inner.query("insert into note values ('inner')"));
      await tx.query("insert into note values ('after')");
    });
    await expect(outer).rejects.toBeInstanceOf(IdleTransactionEnded);
    expect(await notes()).toEqual(['inner']);
    await d.system((tx) => tx.query("insert into note values ('later')"));
    expect(await notes()).toEqual(['inner', 'later']);
  });

  it('leaves a transaction that keeps issuing statements, however long it runs, and the others wait their turn', { timeout: 15_000 }, async () => {
    const started = performance.now();
    const busy = d.system(async (tx) => {
      while (performance.now() - started < IDLE_MS * 3) await tx.query("select pg_sleep(0.05)");
      await tx.query("insert into note values ('busy')");
    });
    const waiter = d.system((tx) => tx.query("insert into note values ('waiter')"));
    await Promise.all([busy, waiter]);
    expect(await notes()).toEqual(['busy', 'waiter']);
  });

  it('leaves an idle transaction that nobody waits behind', { timeout: 15_000 }, async () => {
    await d.system(async (tx) => {
      await tx.query("insert into note values ('slow')");
      // Idle until a check has found it past the limit, and left it.
      const spared = d.idleSpared;
      await waitFor('a check to find the transaction idle past its limit', () => d.idleSpared > spared, 10_000);
      await tx.query("insert into note values ('slower')");
    });
    expect(await notes()).toEqual(['slow', 'slower']);
  });
});
