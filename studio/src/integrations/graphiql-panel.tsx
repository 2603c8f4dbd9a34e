import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { GraphiQL } from 'graphiql';
import { useMemo } from 'react';
import { useSession } from '../app/session.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useStarterQuery } from './api-docs-page.tsx';

type FetcherParams = { query: string; operationName?: string | null; variables?: unknown };

/**
 * GraphiQL against this workspace's endpoint, in the user's session and language: the schema it
 * explores is the tenant's own (types by API name, descriptions in the tenant's words).
 */
export default function GraphiQLPanel() {
  const { t, locale } = useI18n();
  const { isAdmin } = useSession();
  const starter = useStarterQuery();
  const fetcher = useMemo(
    () => async (params: FetcherParams) => {
      const response = await fetch('/api/v1/graphql', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': locale },
        body: JSON.stringify(params),
      });
      return (await response.json()) as Record<string, unknown>;
    },
    [locale],
  );
  return (
    <div className="graphiql-host" style={{ height: '70vh', minHeight: 480 }}>
      {isAdmin ? null : <p className="muted">{t('apiDocs.graphqlAdminOnly')}</p>}
      <GraphiQL fetcher={fetcher} defaultQuery={starter} shouldPersistHeaders={false} />
    </div>
  );
}
