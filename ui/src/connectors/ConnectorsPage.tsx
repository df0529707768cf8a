import {
  EuiButton,
  EuiEmptyPrompt,
  EuiFieldSearch,
  EuiFlexGroup,
  EuiFlexItem,
  EuiPageTemplate,
  EuiSpacer,
} from '@elastic/eui';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { listConnectors } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import type { Connector } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useToasts } from '../app/toasts.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { WhyDisabled } from '../components/WhyDisabled.js';
import { useAsync } from '../lib/use_async.js';
import { CreateConnectorFlyout, EditConnectorFlyout, type EditTab } from './flyouts.js';
import { ConnectorsTable } from './list/ConnectorsTable.js';
import { DeleteConnectorsModal } from './list/DeleteConnectorsModal.js';
import { filterRows, toRows, typeCounts } from './list/rows.js';
import { TypeFilter } from './list/TypeFilter.js';
import { useLinkedConnector } from './list/use_linked_connector.js';
import { ExportConnectorsButton } from './transfer/ExportButton.js';
import { ImportConnectorsFlyout } from './transfer/ImportConnectorsFlyout.js';
import { useConnectorTypes } from './use_connector_types.js';

const EDIT_TABS: readonly EditTab[] = ['configuration', 'test', 'logs'];
const isEditTab = (value: string | null): value is EditTab => EDIT_TABS.includes(value as EditTab);
const connectorsNoun = (n: number) => `${n} ${n === 1 ? 'connector' : 'connectors'}`;

/**
 * Stack Management > Connectors: the space's connectors, and their edit flyout when the address
 * is a connector's deep link (`/connectors/:connectorId`, `?tab=` for its first tab). The same
 * page stays mounted for both addresses, so the search and filter survive the flyout.
 */
export function ConnectorsPage() {
  const { spaceId, href, permissions } = useSpace();
  const { readOnlyReason } = permissions;
  const { connectorId } = useParams();
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const toasts = useToasts();
  const catalog = useConnectorTypes();
  const connectors = useAsync(async () => (await listConnectors(spaceId)).filter((c) => !c.is_system_action), [spaceId]);

  const [search, setSearch] = useState('');
  const [typeFilter, setTypeFilter] = useState<string[]>([]);
  const [selectedIds, setSelectedIds] = useState<{ spaceId: string; ids: string[] }>({ spaceId, ids: [] });
  const [toDelete, setToDelete] = useState<Connector[]>();
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);

  const listPath = href('/connectors');
  const connectorHref = useCallback(
    (id: string, tab?: EditTab) => `${listPath}/${encodeURIComponent(id)}${tab ? `?tab=${tab}` : ''}`,
    [listPath],
  );
  const openConnector = useCallback((id: string, tab?: EditTab) => navigate(connectorHref(id, tab)), [navigate, connectorHref]);
  const closeFlyout = useCallback(() => navigate(listPath), [navigate, listPath]);

  const allRows = useMemo(() => toRows(connectors.data ?? [], catalog.data?.types), [connectors.data, catalog.data]);
  const rows = useMemo(() => filterRows(allRows, search, typeFilter), [allRows, search, typeFilter]);
  const typeOptions = useMemo(() => typeCounts(allRows, typeFilter), [allRows, typeFilter]);
  // Only the rows on screen count as selected: a selection hidden by the search would be deleted unseen.
  const selectedSet = new Set(selectedIds.spaceId === spaceId ? selectedIds.ids : []);
  const selected = rows.filter((row) => selectedSet.has(row.id));
  const setSelected = (ids: string[]) => setSelectedIds({ spaceId, ids });

  const linked = useLinkedConnector(spaceId, connectorId, connectors.data, connectors.data !== undefined || connectors.error !== undefined, (error) => {
    if (error instanceof ApiError && error.statusCode === 404) toasts.danger(`Connector ${connectorId} not found`);
    else toasts.danger(`Could not open connector ${connectorId}`, error.message);
    navigate(listPath, { replace: true });
  });
  const tab = searchParams.get('tab');

  const onCreated = (connector: Connector, thenTest: boolean) => {
    setCreating(false);
    connectors.reload();
    toasts.success(`Created '${connector.name}'`);
    if (thenTest) {
      linked.remember(connector);
      openConnector(connector.id, 'test');
    }
  };

  const onDeleted = () => {
    setToDelete(undefined);
    setSelected([]);
    connectors.reload();
  };

  const createButton = (testSubj: string) => (
    <WhyDisabled key="create" reason={readOnlyReason} testSubj={`${testSubj}Tip`}>
      <EuiButton
        fill
        iconType="plusCircle"
        onClick={() => setCreating(true)}
        isLoading={catalog.loading && !catalog.data}
        isDisabled={!catalog.data || !permissions.save}
        data-test-subj={testSubj}
      >
        Create connector
      </EuiButton>
    </WhyDisabled>
  );

  const isEmpty = connectors.data !== undefined && connectors.data.length === 0;
  const initialLoad = connectors.data === undefined && connectors.error === undefined;
  // Preconfigured connectors live in the configuration file: they are never exported.
  const hasExportable = (connectors.data ?? []).some((c) => !c.is_preconfigured);

  return (
    <>
      <EuiPageTemplate.Header
        pageTitle="Connectors"
        description="Connect third-party services to send messages, open incidents and page people from rules, workflows and the API."
        // The first item is the rightmost: Export, Import, Create connector.
        rightSideItems={[
          createButton('createConnectorButton'),
          <WhyDisabled key="import" reason={readOnlyReason} testSubj="importConnectorsTip">
            <EuiButton iconType="upload" onClick={() => setImporting(true)} isDisabled={!permissions.save} data-test-subj="importConnectorsButton">
              Import
            </EuiButton>
          </WhyDisabled>,
          <ExportConnectorsButton key="export" selectedIds={selected.map((row) => row.id)} isDisabled={!hasExportable} />,
        ]}
        bottomBorder
      />
      <EuiPageTemplate.Section>
        <LoadErrorCallOut title="Could not load the connectors" state={connectors} testSubj="connectorsLoadError" />
        <LoadErrorCallOut title="Could not load the connector types" state={catalog} testSubj="connectorTypesLoadError" />
        {isEmpty ? (
          <EuiEmptyPrompt
            iconType="plugs"
            title={<h2>{permissions.save || !readOnlyReason ? 'Create your first connector' : 'No connectors in this space yet'}</h2>}
            body={<p>Connectors send notifications and open incidents in third-party services when rules, workflows or API calls run them.</p>}
            actions={createButton('createFirstConnectorButton')}
            data-test-subj="connectorsEmptyPrompt"
          />
        ) : (
          (connectors.data || initialLoad) && (
            <>
              <EuiFlexGroup gutterSize="s" alignItems="center" wrap>
                {selected.length > 0 && (
                  <EuiFlexItem grow={false}>
                    <WhyDisabled reason={readOnlyReason} testSubj="bulkDeleteTip">
                      <EuiButton
                        color="danger"
                        iconType="trash"
                        onClick={() => setToDelete(selected.map((row) => row.connector))}
                        isDisabled={!permissions.delete}
                        data-test-subj="bulkDeleteButton"
                      >
                        Delete {connectorsNoun(selected.length)}
                      </EuiButton>
                    </WhyDisabled>
                  </EuiFlexItem>
                )}
                <EuiFlexItem style={{ minWidth: 200 }}>
                  <EuiFieldSearch
                    fullWidth
                    incremental
                    placeholder="Search"
                    aria-label="Search connectors by name or type"
                    value={search}
                    onChange={(e) => setSearch(e.target.value)}
                    data-test-subj="connectorsSearch"
                  />
                </EuiFlexItem>
                <EuiFlexItem grow={false}>
                  <TypeFilter options={typeOptions} selected={typeFilter} onChange={setTypeFilter} />
                </EuiFlexItem>
              </EuiFlexGroup>
              <EuiSpacer size="m" />
              <ConnectorsTable
                rows={rows}
                loading={connectors.loading || catalog.loading}
                noItemsMessage={initialLoad ? 'Loading connectors…' : 'No connectors match your search.'}
                selected={selected}
                onSelectionChange={(next) => setSelected(next.map((row) => row.id))}
                connectorHref={connectorHref}
                openConnector={openConnector}
                onDelete={(connector) => setToDelete([connector])}
              />
            </>
          )
        )}
      </EuiPageTemplate.Section>

      {importing && (
        <ImportConnectorsFlyout
          onClose={() => setImporting(false)}
          onImported={connectors.reload}
          connectorHref={connectorHref}
          openConnector={openConnector}
        />
      )}
      {creating && catalog.data && <CreateConnectorFlyout catalog={catalog.data} onClose={() => setCreating(false)} onCreated={onCreated} />}
      {connectorId && linked.connector && catalog.data && (
        <EditConnectorFlyout
          key={linked.connector.id}
          catalog={catalog.data}
          connector={linked.connector}
          initialTab={isEditTab(tab) ? tab : undefined}
          onClose={closeFlyout}
          onUpdated={(connector) => {
            linked.remember(connector);
            connectors.reload();
          }}
        />
      )}
      {toDelete && <DeleteConnectorsModal connectors={toDelete} onCancel={() => setToDelete(undefined)} onDone={onDeleted} />}
    </>
  );
}
