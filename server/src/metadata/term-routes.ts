import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { LocaleSchema } from './words.ts';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  effectiveTerms,
  objectLabel,
  snapshotResolver,
  standardTerm,
  templatePlaceholders,
  termSets,
  termUsage,
  type Operation,
  type Snapshot,
  type TermDef,
  type TermForms,
} from '@protean/metadata';
import { principalOf, setupOf } from '../auth/principal.ts';
import { notFound, validationError } from '../errors/problems.ts';
import type { MetadataService } from './metadata-service.ts';
import { serverMessages, type ServerMessageKey } from './server-messages.ts';
import { ifMatchVersions } from '../http/if-match.ts';

const KeyParam = Type.Object({ key: Type.String({ maxLength: 63 }) });
const SetParam = Type.Object({ id: Type.String({ maxLength: 63 }) });
const Locales = Type.Array(LocaleSchema, { minItems: 1, uniqueItems: true });
const ApplyBody = Type.Union([Type.Null(), Type.Object({ locales: Type.Optional(Locales) }, { additionalProperties: false })]);
const checkApplyBody = TypeCompiler.Compile(ApplyBody);

/** A glossary entry as the studio shows it: whether it differs from the catalogue, and the catalogue forms to reset to. */
export type TermView = TermDef & { overridden: boolean; defaultForms?: TermForms };

/** JSON with sorted keys: stored snapshots come back from jsonb with their keys reordered. */
const canonical = (value: unknown): string => JSON.stringify(value, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

function view(term: TermDef): TermView {
  const standard = term.standard ? standardTerm(term.key) : undefined;
  if (!standard) return { ...term, overridden: false };
  return { ...term, overridden: canonical(standard.forms) !== canonical(term.forms), defaultForms: standard.forms };
}

function findTerm(snapshot: Snapshot, key: string): TermDef {
  const term = effectiveTerms(snapshot).find((t) => t.key === key);
  if (!term) throw notFound(`No term '${key}'`);
  return term;
}

/** Where a term appears: model texts and objects (with names to show), and server messages. */
function usage(snapshot: Snapshot, key: string) {
  const resolvers = { en: snapshotResolver(snapshot, 'en'), 'zh-CN': snapshotResolver(snapshot, 'zh-CN') };
  const uses = termUsage(snapshot, key).map((use) => {
    // A text is resolved in the language it is written in: a Chinese label with the Chinese forms.
    const resolver = use.path.split('/').includes('zh-CN') ? resolvers['zh-CN'] : resolvers.en;
    const object = snapshot.objects.find((o) => o.id === use.objectId);
    const field = object?.fields.find((f) => f.id === use.fieldId);
    return {
      ...use,
      ...(object ? { objectApiName: object.apiName, objectLabel: objectLabel(snapshot, object, 'en') } : {}),
      ...(field ? { fieldApiName: field.apiName } : {}),
      resolved: use.text === 'term' ? undefined : resolver.text(use.text),
    };
  });
  // A message names the term itself ({user}), or names an object ({object}) that this term labels.
  const labelsAnObject = snapshot.objects.some((o) => o.term === key);
  const messages = (Object.keys(serverMessages) as ServerMessageKey[]).flatMap((id) => {
    const templates = serverMessages[id];
    const placeholders = [...templatePlaceholders(templates.en), ...templatePlaceholders(templates['zh-CN'])];
    const direct = placeholders.some((p) => p.key === key);
    const viaObject = labelsAnObject && placeholders.some((p) => p.key === 'object' || p.key === 'source');
    return direct || viaObject ? [{ id, via: direct ? 'term' : 'object', ...templates }] : [];
  });
  return { key, uses, messages };
}

/** The glossary: read by everyone signed in, changed by admins; each change is one revision. */
export async function termRoutes(app: FastifyInstance, options: { metadata: MetadataService }): Promise<void> {
  const { metadata } = options;
  // A write names the model revision it was made against in If-Match (the ETag of what it read), or none.
  const basedOn = (request: FastifyRequest) => ifMatchVersions(request.headers, 'model revision');
  const snapshotOf = async (request: Parameters<typeof principalOf>[0]) => (await metadata.model(principalOf(request).tenantId)).snapshot;
  // The model revision the terms were read at, for a rename to name in If-Match, as the model's reads carry it.
  const termsRead = async (request: Parameters<typeof principalOf>[0], reply: FastifyReply) => {
    const snapshot = await snapshotOf(request);
    void reply.header('etag', `"${snapshot.revision}"`);
    return snapshot;
  };

  app.get('/metadata/terms', async (request, reply) => effectiveTerms(await termsRead(request, reply)).map(view));
  app.get('/metadata/terms/:key', { schema: { params: KeyParam } }, async (request, reply) => view(findTerm(await termsRead(request, reply), (request.params as Static<typeof KeyParam>).key)));
  app.get('/metadata/terms/:key/usage', { schema: { params: KeyParam } }, async (request) => {
    const snapshot = await snapshotOf(request);
    const key = (request.params as Static<typeof KeyParam>).key;
    findTerm(snapshot, key);
    return usage(snapshot, key);
  });

  // Body: { forms: { en?: {...}, 'zh-CN'?: {...} }, description? }. Creates a custom term when the key is new.
  app.put('/metadata/terms/:key', { schema: { params: KeyParam } }, async (request) => {
    const principal = await setupOf(request, 'terms');
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw validationError('A JSON object is required', [{ field: '', code: 'type', message: 'must be an object' }]);
    const term = { ...(body as Record<string, unknown>), key: (request.params as Static<typeof KeyParam>).key };
    return metadata.apply(principal, { message: `Renamed term ${term.key}`, operations: [{ op: 'upsertTerm', term } as Operation] }, basedOn(request));
  });

  // A standard term goes back to its catalogue forms; a custom one is removed (refused while used).
  app.delete('/metadata/terms/:key', { schema: { params: KeyParam } }, async (request) => {
    const principal = await setupOf(request, 'terms');
    const key = (request.params as Static<typeof KeyParam>).key;
    const term = findTerm((await metadata.model(principal.tenantId)).snapshot, key);
    const op: Operation = term.standard ? { op: 'resetTerm', key } : { op: 'deleteTerm', key };
    return metadata.apply(principal, { message: term.standard ? `Reset term ${key}` : `Deleted term ${key}`, operations: [op] }, basedOn(request));
  });

  app.get('/metadata/term-sets', async (request) => {
    principalOf(request);
    return termSets;
  });
  // Body (optional): { locales: ['zh-CN'] } applies only those languages' forms.
  app.post('/metadata/term-sets/:id/apply', { schema: { params: SetParam } }, async (request) => {
    const principal = await setupOf(request, 'terms');
    const body = request.body ?? null;
    if (!checkApplyBody.Check(body)) throw validationError('The body is invalid', [{ field: 'locales', code: 'invalid', message: "must be a non-empty list of 'en' and 'zh-CN'" }]);
    return metadata.applyTermSet(principal, (request.params as Static<typeof SetParam>).id, body?.locales, basedOn(request));
  });
}
