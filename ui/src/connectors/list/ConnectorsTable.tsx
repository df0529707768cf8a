import {
  EuiBadge,
  EuiBadgeGroup,
  EuiButtonEmpty,
  EuiButtonIcon,
  EuiFlexGroup,
  EuiFlexItem,
  EuiIcon,
  EuiIconTip,
  EuiInMemoryTable,
  EuiLink,
  EuiTextColor,
  EuiToolTip,
  type EuiBasicTableColumn,
} from '@elastic/eui';
import type { MouseEvent } from 'react';
import type { Connector } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import type { EditTab } from '../flyouts.js';
import { WhyDisabled } from '../../components/WhyDisabled.js';
import { featureLabels, type ConnectorRow } from './rows.js';

export interface ConnectorsTableProps {
  rows: ConnectorRow[];
  loading: boolean;
  /** Shown instead of rows when there are none (the search matched nothing, or still loading). */
  noItemsMessage: string;
  selected: ConnectorRow[];
  onSelectionChange(rows: ConnectorRow[]): void;
  /** The address of a connector's edit flyout (the deep link), on a given tab. */
  connectorHref(id: string, tab?: EditTab): string;
  /** Opens that address in the app (a plain click on a link or button). */
  openConnector(id: string, tab?: EditTab): void;
  onDelete(connector: Connector): void;
}

/** A click that the browser should handle itself (new tab, new window). */
const isModifiedClick = (e: MouseEvent) => e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || e.button !== 0;

export function ConnectorsTable(props: ConnectorsTableProps) {
  const { rows, loading, noItemsMessage, selected, onSelectionChange, connectorHref, openConnector, onDelete } = props;

  const follow = (id: string, tab?: EditTab) => (e: MouseEvent) => {
    if (isModifiedClick(e)) return;
    e.preventDefault();
    openConnector(id, tab);
  };

  const actionProps = { connectorHref, follow, onDelete };
  const columns: Array<EuiBasicTableColumn<ConnectorRow>> = [
    {
      field: 'name',
      name: 'Name',
      // Case-insensitive, like the server's order.
      sortable: (row: ConnectorRow) => row.name.toLowerCase(),
      width: '18em',
      render: (_name: string, row: ConnectorRow) => <NameCell row={row} href={connectorHref(row.id)} onClick={follow(row.id)} />,
    },
    {
      field: 'typeName',
      name: 'Type',
      sortable: (row: ConnectorRow) => row.typeName.toLowerCase(),
      width: '10em',
    },
    {
      name: 'Compatibility',
      render: (row: ConnectorRow) => (
        <EuiBadgeGroup gutterSize="xs">
          {featureLabels(row.type?.supported_feature_ids ?? []).map((label) => (
            <EuiBadge key={label} color="default" data-test-subj="featureBadge">
              {label}
            </EuiBadge>
          ))}
        </EuiBadgeGroup>
      ),
    },
    {
      // A field column (the id) rather than a computed one, for its mobile renderer.
      field: 'id',
      name: 'Actions',
      align: 'right',
      width: '210px',
      render: (_id: string, row: ConnectorRow) => <ActionsCell row={row} justify="flexEnd" {...actionProps} />,
      // The cards of a narrow window read left to right: the buttons start on the left.
      mobileOptions: { render: (row: ConnectorRow) => <ActionsCell row={row} justify="flexStart" {...actionProps} /> },
    },
  ];

  return (
    <EuiInMemoryTable<ConnectorRow>
      data-test-subj="connectorsTable"
      tableCaption="Connectors"
      itemId="id"
      items={rows}
      columns={columns}
      loading={loading}
      noItemsMessage={noItemsMessage}
      sorting={{ sort: { field: 'name', direction: 'asc' } }}
      pagination={{ initialPageSize: 20, pageSizeOptions: [10, 20, 50, 100] }}
      selection={{
        selectable: (row) => !row.connector.is_preconfigured,
        selectableMessage: (selectable) => (selectable ? '' : 'Preconfigured connectors cannot be deleted'),
        selected,
        onSelectionChange,
      }}
      rowProps={(row: ConnectorRow) => ({
        'data-test-subj': 'connectorRow',
        'data-connector-id': row.id,
        // Kibana greys out the connectors whose type cannot be used (license, configuration).
        style: row.disabledReason ? { opacity: 0.6 } : undefined,
      })}
    />
  );
}

function NameCell({ row, href, onClick }: { row: ConnectorRow; href: string; onClick(e: MouseEvent): void }) {
  const { connector } = row;
  const link = (
    <EuiLink href={href} onClick={onClick} data-test-subj="connectorLink">
      {connector.name}
    </EuiLink>
  );
  const deprecation = connector.is_deprecated
    ? 'This connector is deprecated. Update it, or create a new one.'
    : connector.is_connector_type_deprecated
      ? 'This connector type is deprecated. Create a connector of another type.'
      : undefined;
  return (
    <EuiFlexGroup gutterSize="xs" alignItems="center" wrap responsive={false}>
      <EuiFlexItem grow={false} style={{ minWidth: 0 }}>
        {row.disabledReason ? (
          <EuiToolTip content={row.disabledReason}>
            {link}
          </EuiToolTip>
        ) : (
          link
        )}
      </EuiFlexItem>
      {deprecation && (
        <EuiFlexItem grow={false}>
          <EuiToolTip content={deprecation}>
            <EuiTextColor color="subdued" data-test-subj="deprecatedBadge" tabIndex={0}>
              (deprecated) <EuiIcon type="warning" color="warning" size="s" aria-hidden />
            </EuiTextColor>
          </EuiToolTip>
        </EuiFlexItem>
      )}
      {connector.is_missing_secrets && (
        <EuiFlexItem grow={false}>
          <EuiIconTip
            type="warning"
            color="warning"
            content="Sensitive information was not imported"
            aria-label="Sensitive information was not imported"
            iconProps={{ 'data-test-subj': 'missingSecretsBadge' }}
          />
        </EuiFlexItem>
      )}
    </EuiFlexGroup>
  );
}

interface ActionsCellProps {
  row: ConnectorRow;
  justify: 'flexStart' | 'flexEnd';
  connectorHref(id: string, tab?: EditTab): string;
  follow(id: string, tab?: EditTab): (e: MouseEvent) => void;
  onDelete(connector: Connector): void;
}

/** Delete (or the Preconfigured badge in its place), Fix when secrets are missing, and Test. */
function ActionsCell({ row, justify, connectorHref, follow, onDelete }: ActionsCellProps) {
  const { connector } = row;
  const { permissions } = useSpace();
  return (
    <EuiFlexGroup gutterSize="s" alignItems="center" justifyContent={justify} responsive={false} wrap>
      <EuiFlexItem grow={false}>
        {connector.is_preconfigured ? (
          <EuiToolTip content="Preconfigured connectors are defined in the Plugboard configuration and cannot be deleted.">
            <EuiBadge color="hollow" data-test-subj="preconfiguredBadge" tabIndex={0}>
              Preconfigured
            </EuiBadge>
          </EuiToolTip>
        ) : (
          <EuiToolTip content={permissions.delete ? 'Delete' : permissions.readOnlyReason} disableScreenReaderOutput={permissions.delete}>
            <EuiButtonIcon
              iconType="trash"
              color="danger"
              aria-label={`Delete ${connector.name}`}
              isDisabled={!permissions.delete}
              data-test-subj="deleteConnector"
              onClick={() => onDelete(connector)}
            />
          </EuiToolTip>
        )}
      </EuiFlexItem>
      {connector.is_missing_secrets && !row.typeUnknown && (
        <EuiFlexItem grow={false}>
          <WhyDisabled reason={permissions.readOnlyReason}>
            <EuiButtonEmpty
              size="xs"
              isDisabled={!permissions.save}
              iconType="wrench"
              href={connectorHref(row.id, 'configuration')}
              onClick={follow(row.id, 'configuration')}
              aria-label={`Fix ${connector.name}`}
              data-test-subj="fixConnector"
            >
              Fix
            </EuiButtonEmpty>
          </WhyDisabled>
        </EuiFlexItem>
      )}
      <EuiFlexItem grow={false}>
        <EuiToolTip content="Test" disableScreenReaderOutput>
          <EuiButtonIcon
            iconType="play"
            aria-label={`Test ${connector.name}`}
            data-test-subj="testConnector"
            href={connectorHref(row.id, 'test')}
            onClick={follow(row.id, 'test')}
          />
        </EuiToolTip>
      </EuiFlexItem>
    </EuiFlexGroup>
  );
}
