import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { GraphiQL } from 'graphiql';
import { getOperationAST, parse, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useEffect, useMemo } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { useStarterQuery } from './api-docs-page.tsx';
import { tracked } from '../api/in-flight.ts';
import { useCanSetup } from '../app/setup-rights.ts';

type FetcherParams = { query: string; operationName?: string | null; variables?: unknown };

/** Whether the operation to run is a subscription (those go over the WebSocket at the same path). */
function isSubscription(params: FetcherParams): boolean {
  try {
    return getOperationAST(parse(params.query), params.operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

/**
 * GraphiQL against this workspace's endpoint, in the user's session and language: the schema it
 * explores is the tenant's own (types by API name, descriptions in the tenant's words).
 */
export default function GraphiQLPanel() {
  const { t, locale } = useI18n();
  // Browsing the schema (introspection) is for whoever holds the Setup right 'model'.
  const mayIntrospect = useCanSetup()('model');
  const starter = useStarterQuery();
  // The socket carries the session cookie, as every request of the studio does.
  const sockets = useMemo<Client>(() => createClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/graphql`, lazy: true }), []);
  useEffect(() => () => void sockets.dispose(), [sockets]);
  const fetcher = useMemo(
    () =>
      (params: FetcherParams): Promise<ExecutionResult> | AsyncIterable<ExecutionResult> => {
        // Results arrive as JSON (errors as plain objects), which is all GraphiQL reads of them.
        if (isSubscription(params)) {
          return sockets.iterate({ query: params.query, operationName: params.operationName ?? null, variables: (params.variables ?? null) as Record<string, unknown> | null }) as unknown as AsyncIterable<ExecutionResult>;
        }
        return tracked(() =>
          fetch('/api/v1/graphql', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': locale },
            body: JSON.stringify(params),
          }).then((response) => response.json() as Promise<ExecutionResult>),
        );
      },
    [locale, sockets],
  );
  return (
    <div className="graphiql-host" style={{ height: '70vh', minHeight: 480 }}>
      {mayIntrospect ? null : <p className="muted">{t('apiDocs.graphqlAdminOnly')}</p>}
      <GraphiQL fetcher={fetcher} defaultQuery={starter} shouldPersistHeaders={false} />
    </div>
  );
}
