import { lazy, Suspense, useMemo, useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { useSession } from '../app/session.tsx';
import { request } from '../api/http.ts';
import { docsApi, type OpenApiDocument, type OpenApiOperation } from '../api/webhooks.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { Tabs } from '../components/tabs.tsx';
import { ErrorBox, Loading } from '../components/feedback.tsx';

// GraphiQL and its editor are large: loaded only when the tab is opened.
const GraphiQLPanel = lazy(() => import('./graphiql-panel.tsx'));

// Protocol names, the same in every language.
const TABS = [
  { id: 'rest', label: 'REST · OpenAPI' },
  { id: 'graphql', label: 'GraphQL' },
];
const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

/** Interactive docs of this workspace's own API: its objects and words, at the current revision. */
export default function ApiDocsPage(_: PageProps) {
  const { t } = useI18n();
  const [tab, setTab] = useState('rest');
  return (
    <div className="page api-docs">
      <h1>{t('apiDocs.title')}</h1>
      <p className="muted">{t('apiDocs.intro')}</p>
      <Tabs tabs={TABS} active={tab} onChange={setTab} label={t('apiDocs.title')} />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'rest' ? (
          <RestExplorer />
        ) : (
          <Suspense fallback={<Loading />}>
            <GraphiQLPanel />
          </Suspense>
        )}
      </div>
    </div>
  );
}

interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  op: OpenApiOperation;
}

function RestExplorer() {
  const { t } = useI18n();
  const doc = useAsync(() => docsApi.openApi(), []);
  const groups = useMemo(() => {
    const byTag = new Map<string, Operation[]>();
    for (const [path, item] of Object.entries(doc.data?.paths ?? {})) {
      for (const method of METHODS) {
        const op = item[method] as OpenApiOperation | undefined;
        if (!op || op.deprecated) continue;
        const tag = op.tags?.[0] ?? '';
        byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
      }
    }
    return [...byTag.entries()];
  }, [doc.data]);
  if (doc.error) return <ErrorBox error={doc.error} onRetry={doc.reload} />;
  if (!doc.data) return <Loading />;
  return (
    <div>
      {doc.data.info?.description ? <p>{doc.data.info.description}</p> : null}
      {groups.map(([tag, operations]) => (
        <section key={tag} aria-label={tag}>
          <h2>{tag}</h2>
          {operations.map((o) => (
            <OperationView key={`${o.method} ${o.path}`} operation={o} doc={doc.data!} />
          ))}
        </section>
      ))}
      <p className="muted">{t('apiDocs.rawDocument')}: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
    </div>
  );
}

/** One operation: what it does, its parameters and body schema, and a form that sends it. */
function OperationView({ operation, doc }: { operation: Operation; doc: OpenApiDocument }) {
  const { t } = useI18n();
  const { method, path, op } = operation;
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  const [values, setValues] = useState<Record<string, string>>({});
  const bodyRef = (op.requestBody?.content?.['application/json']?.schema?.['$ref'] as string | undefined) ?? undefined;
  const bodySchema = bodyRef ? doc.components?.schemas?.[bodyRef.split('/').pop()!] : op.requestBody?.content?.['application/json']?.schema;
  const [body, setBody] = useState(op.requestBody ? '{\n  \n}' : '');
  const [answer, setAnswer] = useState<{ status: number; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async () => {
    setBusy(true);
    try {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
      const query = Object.fromEntries(queryParams.map((p) => [p.name, values[p.name]]).filter(([, v]) => v));
      const response = await request<unknown>(method.toUpperCase(), url, { query, ...(op.requestBody && body.trim() ? { body: JSON.parse(body) as unknown } : {}) });
      setAnswer({ status: response.status, text: JSON.stringify(response.data, null, 2) ?? '' });
    } catch (error) {
      const problem = (error as { problem?: unknown; status?: number }).problem;
      setAnswer({ status: (error as { status?: number }).status ?? 0, text: problem ? JSON.stringify(problem, null, 2) : String(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="api-operation">
      <summary>
        <span className={`badge method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code> {op.summary}
      </summary>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        {[...pathParams, ...queryParams.map((p) => p.name)].length ? <h3>{t('apiDocs.parameters')}</h3> : null}
        {pathParams.map((name) => (
          <label key={name}>
            {name} <input required value={values[name] ?? ''} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
          </label>
        ))}
        {queryParams.map((p) => (
          <label key={p.name}>
            {p.name} <input value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} placeholder={p.name === 'filter' ? '{"field": "name", "op": "startsWith", "value": "A"}' : ''} />
          </label>
        ))}
        {op.requestBody ? (
          <label>
            {t('apiDocs.body')}
            <textarea rows={6} value={body} onChange={(e) => setBody(e.target.value)} spellCheck={false} />
          </label>
        ) : null}
        {bodySchema ? (
          <details>
            <summary>{t('apiDocs.schema')}</summary>
            <pre className="code">{JSON.stringify(bodySchema, null, 2)}</pre>
          </details>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
            {t('apiDocs.send')}
          </button>
        </div>
      </form>
      {answer ? (
        <div aria-live="polite">
          <h3>
            {t('apiDocs.response')} <span className="badge">{answer.status}</span>
          </h3>
          <pre className="code" data-testid="api-response">
            {answer.text}
          </pre>
        </div>
      ) : null}
    </details>
  );
}

/** The default GraphQL query: the first objects of the navigation, by their API names. */
export function starterQuery(objects: { apiName: string }[], comment: string): string {
  const first = objects[0]?.apiName ?? 'customer';
  return `# ${comment}\n{\n  ${first}List(first: 5) {\n    totalCount\n    nodes {\n      id\n      display_name\n    }\n    pageInfo { hasNextPage endCursor }\n  }\n}\n`;
}

export function useStarterQuery(): string {
  const { snapshot } = useSession();
  const { t } = useI18n();
  return starterQuery([...snapshot.objects].sort((a, b) => (a.navOrder ?? 0) - (b.navOrder ?? 0)), t('apiDocs.graphqlStarter'));
}
