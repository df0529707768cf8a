import { useEffect, useRef, useState } from 'react';
import { getConnector } from '../../api/endpoints.js';
import type { Connector } from '../../api/types.js';

/**
 * The connector of the deep link `/connectors/:connectorId`: taken from the loaded list, or
 * fetched on its own when the list does not have it (yet). `onError` is told when it cannot be
 * had (a 404: the id is wrong or the connector was deleted).
 */
export function useLinkedConnector(
  spaceId: string,
  connectorId: string | undefined,
  list: Connector[] | undefined,
  listSettled: boolean,
  onError: (error: Error) => void,
) {
  // A connector fetched alone, or just created (the list reloads after it; the flyout need not wait).
  const [extra, setExtra] = useState<Connector>();
  const onErrorRef = useRef(onError);
  useEffect(() => {
    onErrorRef.current = onError;
  });
  const connector = connectorId
    ? (list?.find((c) => c.id === connectorId) ?? (extra?.id === connectorId ? extra : undefined))
    : undefined;
  const found = connector !== undefined;

  useEffect(() => {
    if (!connectorId || found || !listSettled) return;
    let live = true;
    getConnector(spaceId, connectorId).then(
      (c) => live && setExtra(c),
      (error: Error) => live && onErrorRef.current(error),
    );
    return () => {
      live = false;
    };
  }, [spaceId, connectorId, found, listSettled]);

  return { connector, remember: setExtra };
}
