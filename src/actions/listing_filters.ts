import type { ConnectorTypeRegistry } from './registry.js';
import type { ConnectorServices } from './types.js';

export type ListingFilter = { listed(config: unknown): boolean } | undefined;

/**
 * Each type's listing filter (ConnectorTypeDefinition.listedConnectors), asked at most once per
 * type through the returned function: a listing or an import asks Elasticsearch once, not once
 * per connector. Undefined: the type lists every connector (or cannot say which).
 */
export function listingFilters(registry: ConnectorTypeRegistry, services: ConnectorServices): (typeId: string) => Promise<ListingFilter> {
  const asked = new Map<string, Promise<ListingFilter>>();
  return (typeId) => {
    let filter = asked.get(typeId);
    if (!filter) {
      const listed = registry.has(typeId) ? registry.get(typeId).listedConnectors : undefined;
      filter = listed ? listed(services) : Promise.resolve(undefined);
      asked.set(typeId, filter);
    }
    return filter;
  };
}
