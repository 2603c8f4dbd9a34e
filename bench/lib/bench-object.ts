// The benchmark's Customer-like object: 10 fields plus a lookup to Organization, created
// through the metadata API so that every id is the one the platform assigned.

export const OBJECT_API_NAME = 'bench_customer';
export const STATUS_VALUES = ['lead', 'prospect', 'active', 'dormant', 'churned'] as const;

export const FIELD_API_NAMES = ['name', 'email', 'phone', 'status', 'score', 'signup_date', 'balance', 'city', 'newsletter', 'last_contact_at', 'organization'] as const;
export type FieldApiName = (typeof FIELD_API_NAMES)[number];

const label = (en: string) => ({ en });

/** The createObject draft; `orgObject` is the id or api name of the Organization object. */
export function customerDraft(orgObject: string): Record<string, unknown> {
  return {
    apiName: OBJECT_API_NAME,
    labels: { en: { singular: 'Bench customer', plural: 'Bench customers' } },
    fields: [
      { apiName: 'name', labels: label('Name'), type: 'text', required: true, maxLength: 200 },
      { apiName: 'email', labels: label('Email'), type: 'email' },
      { apiName: 'phone', labels: label('Phone'), type: 'phone' },
      { apiName: 'status', labels: label('Status'), type: 'picklist', values: STATUS_VALUES.map((v) => ({ apiName: v, labels: label(v[0]!.toUpperCase() + v.slice(1)) })) },
      { apiName: 'score', labels: label('Score'), type: 'number', precision: 10, scale: 0, min: 0, max: 100000 },
      { apiName: 'signup_date', labels: label('Signup date'), type: 'date' },
      { apiName: 'balance', labels: label('Balance'), type: 'currency', precision: 14, scale: 2, currencyCode: 'USD' },
      { apiName: 'city', labels: label('City'), type: 'text', maxLength: 100 },
      { apiName: 'newsletter', labels: label('Newsletter'), type: 'boolean' },
      { apiName: 'last_contact_at', labels: label('Last contact'), type: 'datetime' },
      { apiName: 'organization', labels: label('Organization'), type: 'lookup', lookup: { objectId: orgObject, onDelete: 'setNull', relationshipName: 'bench_customers' } },
    ],
  };
}

export interface FieldDefLike {
  id: string;
  apiName: string;
  type: string;
  values?: { id: string; apiName: string }[];
  lookup?: { objectId: string };
  [key: string]: unknown;
}
export interface ObjectDefLike {
  id: string;
  apiName: string;
  nameFieldId: string;
  fields: FieldDefLike[];
  [key: string]: unknown;
}

export interface BenchObject {
  def: ObjectDefLike;
  objectId: string;
  fieldIds: Record<FieldApiName, string>;
  fields: Record<FieldApiName, FieldDefLike>;
  statusValueIds: string[];
  orgObjectId: string;
}

export function resolveBenchObject(def: ObjectDefLike): BenchObject {
  const fields = {} as Record<FieldApiName, FieldDefLike>;
  const fieldIds = {} as Record<FieldApiName, string>;
  for (const name of FIELD_API_NAMES) {
    const field = def.fields.find((f) => f.apiName === name);
    if (!field) throw new Error(`field ${name} missing from ${def.apiName}: ${def.fields.map((f) => f.apiName).join(', ')}`);
    fields[name] = field;
    fieldIds[name] = field.id;
  }
  const statusValueIds = STATUS_VALUES.map((v) => {
    const value = fields.status.values?.find((x) => x.apiName === v);
    if (!value) throw new Error(`picklist value ${v} missing`);
    return value.id;
  });
  return { def, objectId: def.id, fieldIds, fields, statusValueIds, orgObjectId: fields.organization.lookup!.objectId };
}

/** A record in API form (api names, picklist api names) — what a client posts. */
export function apiRecord(i: number, orgId: string): Record<string, unknown> {
  return {
    name: `Customer new ${i}`,
    email: `new${i}@example.com`,
    phone: `+1-555-${String(i % 10_000_000).padStart(7, '0')}`,
    status: STATUS_VALUES[i % STATUS_VALUES.length],
    score: (i * 7919) % 1000,
    signup_date: `20${String(10 + (i % 15)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
    balance: Math.round(((i * 31337) % 10_000_000)) / 100,
    city: `City ${i % 300}`,
    newsletter: i % 3 === 0,
    last_contact_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    organization: orgId,
  };
}

/** The same record as stored (field ids, picklist value ids) — what the floor inserts. */
export function storedRecord(o: BenchObject, i: number, orgId: string): Record<string, unknown> {
  const api = apiRecord(i, orgId);
  const out: Record<string, unknown> = {};
  for (const name of FIELD_API_NAMES) {
    const value = api[name];
    out[o.fieldIds[name]] = name === 'status' ? o.statusValueIds[STATUS_VALUES.indexOf(value as (typeof STATUS_VALUES)[number])] : value;
  }
  return out;
}

/** The same record for the textbook service: its columns, the lookup as organization_id. */
export function textbookRecord(i: number, orgId: string): Record<string, unknown> {
  const { organization, ...rest } = apiRecord(i, orgId);
  return { ...rest, organization_id: organization };
}
