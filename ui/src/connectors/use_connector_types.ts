import { listConnectorTypeForms, listConnectorTypes } from '../api/endpoints.js';
import type { ConnectorType, ConnectorTypeForm } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useAsync, type AsyncState } from '../lib/use_async.js';

export interface ConnectorTypeCatalog {
  /** Kibana's type list (enabled, license, deprecated…), system types excluded. */
  types: ConnectorType[];
  /** Each type's forms (schemas with labels, category, card text, test params), by type id. */
  forms: Map<string, ConnectorTypeForm>;
}

/** The connector types of the space, with their forms: loaded once per page. */
export function useConnectorTypes(): AsyncState<ConnectorTypeCatalog> {
  const { spaceId } = useSpace();
  return useAsync(async () => {
    const [types, forms] = await Promise.all([listConnectorTypes(spaceId), listConnectorTypeForms()]);
    return { types, forms: new Map(forms.map((f) => [f.id, f])) };
  }, [spaceId]);
}
