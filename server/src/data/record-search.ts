import { foldCase, fromStoredValue, slotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Database } from '../db/database.ts';
import type { ApiRecord, RecordRow } from './record-codec.ts';
import { recordDisplayName } from './record-problems.ts';
import type { RequestContext } from './request-context.ts';
import { ROW_COLUMNS } from './cascades.ts';
import { fieldSql } from './sql/field-sql.ts';
import { Params } from './sql/params.ts';
import { isShortEastAsian } from './sql/search-text.ts';

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
  /** Readies the records found of an object before `toRecord` (formulas computed on read). */
  prepare?(object: ObjectDef, rows: readonly RecordRow[]): Promise<void>;
  /** SQL (alias `r`) keeping the rows the reader may see, or undefined when it sees every row of these objects. */
  visibleSql(objects: readonly ObjectDef[], params: Params, tenantParam: string): string | undefined;
}

/**
 * Candidates read from the trigram index per search; ranking happens among them (ADR 0010). When
 * the index gave a full set and the searched fields and the reader's access left too few of them
 * (the text was in other texts, a city say, or in records out of the reader's reach), a contains
 * search reads again with the larger limit, the candidate function's cap.
 */
export const CANDIDATE_LIMITS = [60, 500] as const;
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
  const text = foldCase(q.trim());
  if (!text || scope.objects.length === 0) return [];
  const byId = new Map(scope.objects.map((entry) => [entry.object.id, entry]));
  const hits = new Map<string, { entry: SearchScope['objects'][number]; row: RecordRow; name: string; match: SearchHit['match']; order: number }>();
  /** Whether the row is a hit. */
  const consider = (entry: SearchScope['objects'][number], row: RecordRow, allowSimilar: boolean): boolean => {
    if (hits.has(row.id)) return true;
    // Matched and ranked on the searched fields alone; only the hits answered are made API records.
    const values = searchedValues(entry, row);
    const match = bestMatch(entry.fields, values, text, allowSimilar);
    if (!match) return false;
    hits.set(row.id, { entry, row, name: recordDisplayName(entry.object, values), match, order: hits.size });
    return true;
  };

  // One statement: records holding the text (trigram index) and, so an exact or prefix match is
  // never crowded out when many records hold it, names starting with it (their slot's index).
  // Within a typo, candidates the server's check turns down are the rule (the index's word
  // similarity is not the ranking's), and reading 500 of them cost the typo path 6×: read once.
  const gather = async (fuzzy: boolean) => {
    for (const limit of fuzzy ? CANDIDATE_LIMITS.slice(0, 1) : CANDIDATE_LIMITS) {
      const found = await candidates(db, ctx, scope, text, fuzzy, perObject, limit);
      // Candidates spent on records the reader may not see, or on texts search does not match.
      let spent = found.hidden;
      for (const { row, candidate } of found.rows) {
        const entry = byId.get(row.object_id);
        if (!(entry && consider(entry, row, fuzzy)) && candidate) spent++;
      }
      if (!found.full || spent === 0 || countPerObject(hits, scope).every((n) => n >= perObject)) return;
    }
  };
  await gather(false);
  if (text.length >= MIN_TRIGRAM_QUERY && countPerObject(hits, scope).every((n) => n < perObject)) await gather(true);

  const ranked = [...hits.values()].sort(
    (a, b) =>
      MATCH_RANKS.indexOf(a.match.rank) - MATCH_RANKS.indexOf(b.match.rank) ||
      a.name.length - b.name.length ||
      a.name.localeCompare(b.name) ||
      a.order - b.order,
  );
  // Groups in the order of their best hit; each holds at most `perObject`.
  const kept = new Map<string, typeof ranked>();
  for (const hit of ranked) {
    let group = kept.get(hit.entry.object.id);
    if (!group) kept.set(hit.entry.object.id, (group = []));
    if (group.length < perObject) group.push(hit);
  }
  const groups: SearchGroup[] = [];
  for (const hits of kept.values()) {
    const entry = hits[0]!.entry;
    // Formulas computed on read need the workspace's time zone and their related records, read once for the group.
    await scope.prepare?.(entry.object, hits.map((h) => h.row));
    groups.push({ object: entry.object.apiName, records: hits.map(({ row, name, match }) => ({ ...entry.toRecord(row), display_name: name, match })) });
  }
  return groups;
}

/**
 * The searched fields' values of a row as the API answers them (and its id), read from the stored
 * values; when a searched field is computed on read (a formula), the whole record as the reader sees it.
 */
function searchedValues(entry: SearchScope['objects'][number], row: RecordRow): ApiRecord {
  if (entry.fields.some((f) => f.type === 'formula' && !f.formula?.stored)) return entry.toRecord(row);
  const values: ApiRecord = { id: row.id };
  for (const field of entry.fields) values[field.apiName] = fromStoredValue(field, row.data[field.id]) ?? null;
  return values;
}

/** Hits per searched object, objects without any counted as 0. */
function countPerObject(hits: Map<string, { entry: { object: ObjectDef } }>, scope: SearchScope): number[] {
  const counts = new Map<string, number>(scope.objects.map(({ object }) => [object.id, 0]));
  for (const { entry } of hits.values()) counts.set(entry.object.id, (counts.get(entry.object.id) ?? 0) + 1);
  return [...counts.values()];
}

/**
 * Rows whose text holds `text` (or, fuzzy, a word within a typo of it) plus, unless fuzzy, rows
 * whose name starts with it where a name slot serves that; only rows the reader may see. One
 * statement: the candidates, the name starts and the reader's access are one read, which
 * `Database.read` sends as one round trip once the connection has it prepared (the object list is
 * part of its text, so its values are scalars).
 */
async function candidates(
  db: Database,
  ctx: RequestContext,
  scope: SearchScope,
  text: string,
  fuzzy: boolean,
  perObject: number,
  limit: number,
): Promise<{ rows: { row: RecordRow; candidate: boolean }[]; full: boolean; hidden: number }> {
  const tenantId = ctx.principal.tenantId;
  const objects = scope.objects.map((e) => e.object);
  const params = new Params();
  // Added when first used: a parameter the statement never names has no type.
  let tenantParam: string | undefined;
  const tenant = () => (tenantParam ??= params.add(tenantId, '::uuid'));
  const parts: string[] = [];
  const trigrams = text.length >= MIN_TRIGRAM_QUERY || isShortEastAsian(text);
  if (trigrams) {
    const list = `array[${objects.map((o) => `'${o.id.replaceAll("'", "''")}'`).join(', ')}]::text[]`;
    parts.push(`(select ${ROW_COLUMNS} from search_record_candidates(${list}, ${params.add(text, '::text')}, ${params.add(fuzzy, '::boolean')}, ${params.add(limit, '::integer')}))`);
  }
  if (!fuzzy) parts.push(...namePrefixParts(scope, text, perObject, params));
  if (parts.length === 0) return { rows: [], full: false, hidden: 0 };
  // The candidate function reads as the owner; what the reader may see is decided here, by the same rules as every list.
  // Asked first with parameters of its own, so the tenant is a parameter only when something names it.
  const narrowed = scope.visibleSql(objects, new Params(), '$0') !== undefined;
  const visible = narrowed ? scope.visibleSql(objects, params, tenant()) : undefined;
  const seen = (from: string) =>
    visible ? `select c.* from (${from}) c where exists (select 1 from record r where r.tenant_id = ${tenant()} and r.object_id = c.object_id and r.id = c.id and r.deleted_at is null and ${visible})` : from;
  const [first, ...rest] = parts;
  // With the trigram part, also how many rows the index gave before access narrowed them (as many
  // as asked: there may be more), on a row of its own when the reader may see none of them; each
  // row says whether it came from the index (a candidate) or from the name starts.
  const flagged = (part: string, candidate: boolean) => `select x.*, ${candidate} as candidate from ${part} x`;
  const sql = trigrams
    ? `with t as materialized ${first} select v.*, n.found from (select count(*)::int as found from t) n left join lateral (${seen(
        [flagged('t', true), ...rest.map((p) => flagged(p, false))].join(' union all '),
      )}) v on true`
    : seen(parts.map((p) => flagged(p, false)).join(' union all '));
  const rows = new Map<string, { row: RecordRow; candidate: boolean }>();
  let found = 0;
  let seenCandidates = 0;
  for (const { found: n, candidate, ...row } of await db.read<RecordRow & { found?: number; candidate: boolean | null }>(tenantId, sql, params.values)) {
    found = n ?? 0;
    if (!row.id) continue;
    if (candidate) seenCandidates++;
    const known = rows.get(row.id);
    if (!known) rows.set(row.id, { row, candidate: candidate === true });
    else if (candidate) known.candidate = true;
  }
  return { rows: [...rows.values()], full: found >= limit, hidden: found - seenCandidates };
}

/**
 * Names starting with `text`, per object whose name field has a text slot: a range on the slot
 * (C collation, LEAKPROOF, so its index serves it under row-level security), a few per object, read
 * by `search_name_prefixes` (migration 58), whose statements are planned once per connection.
 * Objects without a name slot are left to the trigram candidates: a prefix there would scan.
 */
function namePrefixParts(scope: SearchScope, text: string, perObject: number, params: Params): string[] {
  const objects: string[] = [];
  const slots: string[] = [];
  for (const { object, fields } of scope.objects) {
    const name = fields.find((f) => f.id === object.nameFieldId);
    const slot = name ? slotOf(object, name.id) : undefined;
    // The slot holds the lower-cased name, as `text` is.
    if (!name || !slot || !fieldSql(object, name, 'r').lowered) continue;
    objects.push(object.id);
    slots.push(slot);
  }
  if (objects.length === 0) return [];
  const list = (items: string[]) => `array[${items.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]::text[]`;
  return [`(select ${ROW_COLUMNS} from search_name_prefixes(${list(objects)}, ${list(slots)}, ${params.add(text, '::text')}, ${params.add(perObject, '::integer')}))`];
}

/** The best way one of `fields` of `record` matches `text`, or undefined. */
export function bestMatch(fields: readonly FieldDef[], record: ApiRecord, text: string, allowSimilar: boolean): SearchHit['match'] | undefined {
  let best: SearchHit['match'] | undefined;
  for (const field of fields) {
    const raw = record[field.apiName];
    if (typeof raw !== 'string' || !raw) continue;
    const rank = rankOf(foldCase(raw), text, allowSimilar);
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
