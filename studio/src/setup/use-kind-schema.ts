import { metadataApi, type MetadataKind } from '../api/index.ts';
import { useAsync } from '../lib/use-async.ts';

export function useKindSchema(kind: MetadataKind) {
  return useAsync(() => metadataApi.kindSchema(kind), [kind]);
}
