import { slotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Database } from '../db/database.ts';
import type { ApiRecord, RecordRow } from './record-codec.ts';
import { recordDisplayName } from './record-problems.ts';
import type { RequestContext } from './request-context.ts';
import { Params } from './sql/params.ts';

/** How well a record matched, best first. */
export const MATCH_RANKS = ['exact', 'prefix', 'word', 'wordPrefix', 'contains', 'similar'] as const;
export type MatchRank = (typeof MATCH_RANKS)[number];

export interface SearchHit extends ApiRecord {
  display_name: string;
  match: { field: string; rank: MatchRank };
}

export interface SearchGroup {
  object: string;
  records: SearchHit[];
}

/** What one reader may search: set by the read path from the reader's access. */
export interface SearchScope {
  objects: {
    object: ObjectDef;
    /** The fields a match may be in (name, email, phone…), only those the reader may read. */
    fields: readonly FieldDef[];
    /** The row as the reader sees it. */
    toRecord(row: RecordRow): ApiRecord;
  }[];
  /** SQL (alias `r`) keeping the rows the reader may see, or undefined when it sees every row of these objects. */
  visibleSql(objects: readonly ObjectDef[], params: Params, tenantParam: string): string | undefined;
  /** Records whose `field` starts with `text`, through the list path (index-served on a name slot). */
  prefix(object: ObjectDef, field: FieldDef, text: string, limit: number): Promise<ApiRecord[]>;
}

/** Candidates read from the trigram index per search; ranking happens among them (ADR 0010). */
export const CANDIDATE_LIMIT = 100;
const MIN_TRIGRAM_QUERY = 3;
const SIMILARITY = 0.45;

/**
 * Global search: records whose name, email or phone holds the text anywhere ("chen" finds
 * "Mei Chen"), exact and prefix matches first, then whole words, word starts, anywhere, then, when
 * nothing better fills the page, values within a typo of it. Candidates come from one trigram
 * index over every record's text (migration 20); each is then checked against the object's
 * searchable fields and ranked here.
 */
export async function searchRecords(db: Database, ctx: RequestContext, q: string, perObject: number, scope: SearchScope): Promise<SearchGroup[]> {
  const text = q.trim().toLowerCase();
  if (!text || scope.objects.length === 0) return [];
  const byId = new Map(scope.objects.map((entry) => [entry.object.id, entry]));
  const hits = new Map<string, { object: ObjectDef; hit: SearchHit; order: number }>();
  const consider = (entry: SearchScope['objects'][number], record: ApiRecord, allowSimilar: boolean) => {
    const id = String(record['id']);
    if (hits.has(id)) return;
    const match = bestMatch(entry.fields, record, text, allowSimilar);
    if (!match) return;
    hits.set(id, { object: entry.object, hit: { ...record, display_name: recordDisplayName(entry.object, record), match }, order: hits.size });
  };

  let truncated = true;
  if (text.length >= MIN_TRIGRAM_QUERY) {
    const rows = await candidates(db, ctx, scope, text, false);
    truncated = rows.length >= CANDIDATE_LIMIT;
    for (const row of rows) {
      const entry = byId.get(row.object_id);
      if (entry) consider(entry, entry.toRecord(row), false);
    }
  }
  // Too many records hold the text (or it is too short for trigrams): the names that start with
  // it are fetched through the list path as well, so an exact or prefix match is never crowded out.
  if (truncated) {
    for (const entry of scope.objects) {
      const name = entry.fields.find((f) => f.id === entry.object.nameFieldId);
      // Only where a name slot's index serves the prefix; elsewhere it would scan the object's records.
      if (!name || !slotOf(entry.object, name.id)) continue;
      for (const record of await scope.prefix(entry.object, name, text, perObject)) consider(entry, record, false);
    }
  }
  if (text.length >= MIN_TRIGRAM_QUERY && countPerObject(hits).every((n) => n < perObject)) {
    for (const row of await candidates(db, ctx, scope, text, true)) {
      const entry = byId.get(row.object_id);
      if (entry) consider(entry, entry.toRecord(row), true);
    }
  }

  const ranked = [...hits.values()].sort(
    (a, b) =>
      MATCH_RANKS.indexOf(a.hit.match.rank) - MATCH_RANKS.indexOf(b.hit.match.rank) ||
      a.hit.display_name.length - b.hit.display_name.length ||
      a.hit.display_name.localeCompare(b.hit.display_name) ||
      a.order - b.order,
  );
  // Groups in the order of their best hit; each holds at most `perObject`.
  const groups = new Map<string, SearchGroup>();
  for (const { object, hit } of ranked) {
    let group = groups.get(object.id);
    if (!group) groups.set(object.id, (group = { object: object.apiName, records: [] }));
    if (group.records.length < perObject) group.records.push(hit);
  }
  return [...groups.values()];
}

function countPerObject(hits: Map<string, { object: ObjectDef }>): number[] {
  const counts = new Map<string, number>();
  for (const { object } of hits.values()) counts.set(object.id, (counts.get(object.id) ?? 0) + 1);
  return counts.size ? [...counts.values()] : [0];
}

/** Rows whose text holds `text` (or, fuzzy, a word within a typo of it), of the scope's objects, that the reader may see. */
async function candidates(db: Database, ctx: RequestContext, scope: SearchScope, text: string, fuzzy: boolean): Promise<RecordRow[]> {
  const tenantId = ctx.principal.tenantId;
  const objects = scope.objects.map((e) => e.object);
  return db.withTenant(tenantId, async (q) => {
    const rows = await q.query<RecordRow>('select * from search_record_candidates($1::text[], $2, $3, $4)', [objects.map((o) => o.id), text, fuzzy, CANDIDATE_LIMIT]);
    if (rows.length === 0) return rows;
    const params = new Params();
    const tenant = params.add(tenantId, '::uuid');
    const visible = scope.visibleSql(objects, params, tenant);
    if (!visible) return rows;
    // The function reads as the owner; what the reader may see is decided here, by the same rules as every list.
    const seen = await q.query<{ id: string }>(
      `select r.id from record r where r.tenant_id = ${tenant} and r.object_id = any(${params.add([...new Set(rows.map((r) => r.object_id))], '::text[]')}) and r.id = any(${params.add(rows.map((r) => r.id), '::uuid[]')}) and r.deleted_at is null and ${visible}`,
      params.values,
    );
    const ids = new Set(seen.map((r) => r.id));
    return rows.filter((r) => ids.has(r.id));
  });
}

/** The best way one of `fields` of `record` matches `text`, or undefined. */
export function bestMatch(fields: readonly FieldDef[], record: ApiRecord, text: string, allowSimilar: boolean): SearchHit['match'] | undefined {
  let best: SearchHit['match'] | undefined;
  for (const field of fields) {
    const raw = record[field.apiName];
    if (typeof raw !== 'string' || !raw) continue;
    const rank = rankOf(raw.toLowerCase(), text, allowSimilar);
    if (rank && (!best || MATCH_RANKS.indexOf(rank) < MATCH_RANKS.indexOf(best.rank))) best = { field: field.apiName, rank };
  }
  return best;
}

function rankOf(value: string, text: string, allowSimilar: boolean): MatchRank | undefined {
  if (value === text) return 'exact';
  if (value.startsWith(text)) return 'prefix';
  const words = value.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.includes(text)) return 'word';
  if (words.some((w) => w.startsWith(text))) return 'wordPrefix';
  if (value.includes(text)) return 'contains';
  if (allowSimilar && words.some((w) => trigramSimilarity(w, text) >= SIMILARITY)) return 'similar';
  return undefined;
}

/** pg_trgm's similarity of two words: shared trigrams over all trigrams, each word padded as pg_trgm pads it. */
export function trigramSimilarity(a: string, b: string): number {
  const grams = (word: string) => {
    const padded = `  ${word} `;
    const set = new Set<string>();
    for (let i = 0; i + 3 <= padded.length; i++) set.add(padded.slice(i, i + 3));
    return set;
  };
  const x = grams(a);
  const y = grams(b);
  let shared = 0;
  for (const g of x) if (y.has(g)) shared++;
  return shared / (x.size + y.size - shared);
}
