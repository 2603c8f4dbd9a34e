import { describe, expect, it } from 'vitest';
import { standardSnapshot } from '@protean/metadata';
import { applySuggestion, diagnose, suggestions, wordAt } from './expression-assist.ts';

const snapshot = standardSnapshot();

describe('the expression editor assists with the same checker the server uses', () => {
  it('completes field names at the cursor, best prefix first, and inserts the choice', () => {
    const source = 'amo > 10';
    const list = suggestions(snapshot, 'deal', source, 3);
    expect(list[0]).toMatchObject({ label: 'amount', detail: 'currency' });
    expect(applySuggestion(source, 3, list[0]!)).toEqual({ source: 'amount > 10', cursor: 6 });
  });

  it("after a lookup and a dot it offers the related object's fields, after user its members", () => {
    expect(suggestions(snapshot, 'deal', 'organization.ind', 16).map((s) => s.label)).toEqual(['industry']);
    expect(suggestions(snapshot, 'deal', 'user.em', 7).map((s) => s.label)).toEqual(['email']);
    expect(wordAt('customer.na', 11)).toEqual({ start: 9, word: 'na', after: 'customer' });
  });

  it('offers functions with their signatures', () => {
    const list = suggestions(snapshot, 'deal', 'daysB', 5);
    expect(list[0]).toMatchObject({ label: 'daysBetween', insert: 'daysBetween(' });
    expect(list[0]!.detail).toContain('daysBetween(from, to)');
  });

  it('shows errors with line and column, or the type the expression gives', () => {
    expect(diagnose(snapshot, 'deal', 'amount * 2', 'formula')).toEqual({ errors: [], type: 'number' });
    const bad = diagnose(snapshot, 'deal', "amount > 1 &&\n stage == 'nope'", 'validation', 'bool');
    expect(bad.errors[0]).toMatchObject({ line: 2, column: 11 });
    expect(bad.errors[0]!.message).toContain("'nope' is not a value of stage");
  });
});
