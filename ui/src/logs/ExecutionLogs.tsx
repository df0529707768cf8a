import {
  EuiBadge,
  EuiBasicTable,
  EuiButtonIcon,
  EuiCallOut,
  EuiFieldSearch,
  EuiFlexGroup,
  EuiFlexItem,
  EuiSpacer,
  EuiSuperDatePicker,
  EuiSwitch,
  EuiText,
  type CriteriaWithPagination,
  type EuiBasicTableColumn,
  type OnTimeChangeProps,
} from '@elastic/eui';
import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { getExecutionKpi, getExecutionLog } from '../api/endpoints.js';
import { spacePrefix } from '../api/http.js';
import type { ExecutionKpi, ExecutionLogItem } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { AppLink } from '../components/AppLink.js';
import { KpiStats } from '../components/KpiStats.js';
import { useAsync } from '../lib/use_async.js';
import { useElementWidth } from '../lib/use_element_width.js';
import { ExecutionDetail } from './ExecutionDetail.js';
import { buildKqlFilter, formatDuration, resolveRange, STATUS_COLORS, STATUS_LABELS } from './log_query.js';
import { StatusFilter } from './StatusFilter.js';
import { TokenUsageChart } from './TokenUsageChart.js';
import { Timestamp } from './Timestamp.js';

export interface ExecutionLogsProps {
  /** Only this connector's executions (the edit flyout's Logs tab); all connectors when absent. */
  connectorId?: string;
  /** Offer the "Show connectors from all spaces" switch; by default only when no connector is given. */
  showAllSpacesSwitch?: boolean;
  /** With connectorId: a chart of the tokens the connector used in the range (generative-AI types). */
  showTokens?: boolean;
}

/** The server considers at most this many executions for the log (as Kibana does). */
const MAX_EXECUTIONS = 1000;
const PAGE_SIZES = [10, 25, 50, 100];

/** The table's sortable fields and the server's names for them. */
const SORT_FIELDS = {
  timestamp: 'timestamp',
  duration_ms: 'execution_duration',
  schedule_delay_ms: 'schedule_delay',
} as const;
type SortField = keyof typeof SORT_FIELDS;

/** The picker's quick ranges: Kibana's relative ones first, then the calendar ones. */
const QUICK_RANGES = [
  { start: 'now-15m', end: 'now', label: 'Last 15 minutes' },
  { start: 'now-1h', end: 'now', label: 'Last 1 hour' },
  { start: 'now-24h', end: 'now', label: 'Last 24 hours' },
  { start: 'now-7d', end: 'now', label: 'Last 7 days' },
  { start: 'now-30d', end: 'now', label: 'Last 30 days' },
  { start: 'now/d', end: 'now/d', label: 'Today' },
  { start: 'now-1d/d', end: 'now-1d/d', label: 'Yesterday' },
  { start: 'now/w', end: 'now/w', label: 'This week' },
];

const KPI_STATS: Array<{ key: keyof ExecutionKpi; label: string; color: string; testSubj: string }> = [
  { key: 'success', label: 'Success', color: 'success', testSubj: 'kpiSuccess' },
  { key: 'warning', label: 'Warning', color: 'warning', testSubj: 'kpiWarning' },
  { key: 'failure', label: 'Failure', color: 'danger', testSubj: 'kpiFailure' },
  { key: 'unknown', label: 'Unknown', color: 'subdued', testSubj: 'kpiUnknown' },
];

/** Connector executions from the event log: outcome counts, filters, and a table with each execution's events. */
export function ExecutionLogs({ connectorId, showAllSpacesSwitch = connectorId === undefined, showTokens = false }: ExecutionLogsProps) {
  const { spaceId } = useSpace();

  const [range, setRange] = useState({ start: 'now-24h', end: 'now' });
  const [autoRefresh, setAutoRefresh] = useState({ isPaused: true, refreshInterval: 10_000 });
  const [statuses, setStatuses] = useState<string[]>([]);
  const [searchText, setSearchText] = useState('');
  const [message, setMessage] = useState('');
  const [allSpaces, setAllSpaces] = useState(false);
  const [page, setPage] = useState({ index: 0, size: 10 });
  const [sort, setSort] = useState<{ field: SortField; direction: 'asc' | 'desc' }>({ field: 'timestamp', direction: 'desc' });
  // Bumped by Refresh: the range is relative ("now"), so the same state must load again.
  const [refreshKey, setRefreshKey] = useState(0);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());

  const viewAllSpaces = showAllSpacesSwitch && allSpaces;
  // A connector's own log sits in a flyout: fewer columns, the rest in each row's details.
  const compact = connectorId !== undefined;
  const filter = buildKqlFilter({ connectorId, statuses, message });
  const namespaces = viewAllSpaces ? ['*'] : undefined;

  const dates = useCallback(() => {
    const resolved = resolveRange(range.start, range.end);
    if (!resolved) throw new Error(`Invalid time range: ${range.start} to ${range.end}`);
    return resolved;
  }, [range.start, range.end]);

  // Async, so that an invalid range becomes an error state rather than a throw during the effect.
  const log = useAsync(
    async () =>
      getExecutionLog(spaceId, {
        ...dates(),
        filter,
        namespaces,
        page: page.index + 1,
        per_page: page.size,
        sort: [{ [SORT_FIELDS[sort.field]]: { order: sort.direction } }],
      }),
    [spaceId, dates, filter, viewAllSpaces, page.index, page.size, sort.field, sort.direction, refreshKey],
  );
  const kpi = useAsync(async () => getExecutionKpi(spaceId, { ...dates(), filter, namespaces }), [spaceId, dates, filter, viewAllSpaces, refreshKey]);

  /** A new query: back to the first page. */
  const requery = () => setPage((p) => ({ ...p, index: 0 }));
  const refresh = () => setRefreshKey((k) => k + 1);

  const onTimeChange = ({ start, end, isInvalid }: OnTimeChangeProps) => {
    if (isInvalid) return;
    setRange({ start, end });
    requery();
    refresh();
  };

  const applySearch = (text: string) => {
    setMessage(text.trim());
    requery();
  };

  const onTableChange = ({ page: next, sort: nextSort }: CriteriaWithPagination<ExecutionLogItem>) => {
    if (nextSort && nextSort.field in SORT_FIELDS) {
      const field = nextSort.field as SortField;
      if (field !== sort.field || nextSort.direction !== sort.direction) {
        setSort({ field, direction: nextSort.direction });
        setPage({ index: 0, size: next.size });
        return;
      }
    }
    setPage({ index: next.size !== page.size ? 0 : next.index, size: next.size });
  };

  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const error = log.error ?? kpi.error;
  const items = log.error ? [] : (log.data?.data ?? []);
  const total = log.data?.total ?? 0;

  // The space of a row: its own when viewing all spaces, else the page's.
  const rowSpace = useCallback((item: ExecutionLogItem) => (viewAllSpaces ? (item.space_ids[0] ?? spaceId) : spaceId), [viewAllSpaces, spaceId]);

  const tableBox = useRef<HTMLDivElement>(null);
  const tableWidth = useElementWidth(tableBox);

  const expandedRows = useMemo(() => {
    const map: Record<string, ReactNode> = {};
    for (const item of items) {
      if (!expanded.has(item.id)) continue;
      // The row is as wide as the table, which may scroll sideways (a narrow flyout): the detail
      // keeps to the visible part so that it can be read without scrolling.
      map[item.id] = (
        <div style={{ position: 'sticky', left: 0, width: tableWidth ? tableWidth - 16 : '100%', minWidth: 0 }}>
          <ExecutionDetail spaceId={rowSpace(item)} executionId={item.id} refreshKey={refreshKey} summary={compact ? item : undefined} />
        </div>
      );
    }
    return map;
  }, [items, expanded, rowSpace, refreshKey, tableWidth, compact]);

  // Shown in the details of a row instead, when compact.
  const detailColumns: Array<EuiBasicTableColumn<ExecutionLogItem>> = [
    {
      field: 'schedule_delay_ms',
      name: 'Schedule delay',
      sortable: true,
      minWidth: '90px',
      render: (ms: number) => formatDuration(ms),
    },
    {
      field: 'timed_out',
      name: 'Timed out',
      minWidth: '70px',
      render: (timedOut: boolean) => (timedOut ? <EuiBadge color="danger">Yes</EuiBadge> : 'No'),
    },
    { field: 'source', name: 'Source', minWidth: '110px', render: (source: string) => source || '—' },
    {
      field: 'attempts',
      name: 'Attempts',
      minWidth: '80px',
      align: 'right',
      nameTooltip: { content: 'How many times the connector ran for this execution, retries included' },
      render: (attempts: number) => attempts,
    },
  ];

  const columns: Array<EuiBasicTableColumn<ExecutionLogItem>> = [
    // First, as Kibana's data grid has it: always in view even when the table scrolls sideways.
    {
      name: <span className="euiScreenReaderOnly">Details</span>,
      isExpander: true,
      width: '40px',
      render: (item: ExecutionLogItem) => (
        <EuiButtonIcon
          iconType={expanded.has(item.id) ? 'chevronSingleDown' : 'chevronSingleRight'}
          onClick={() => toggle(item.id)}
          aria-label={`Show details of execution ${item.id}`}
          aria-expanded={expanded.has(item.id)}
          data-test-subj="expandExecution"
        />
      ),
    },
    {
      field: 'timestamp',
      name: 'Timestamp',
      sortable: true,
      minWidth: '110px',
      render: (timestamp: string) => <Timestamp iso={timestamp} />,
    },
    {
      field: 'status',
      name: 'Response',
      minWidth: '90px',
      render: (status: string, item: ExecutionLogItem) => (
        <EuiFlexGroup direction="column" gutterSize="xs" alignItems="flexStart" responsive={false}>
          <EuiBadge color={STATUS_COLORS[status] ?? 'hollow'} data-test-subj={`executionStatus-${status}`}>
            {STATUS_LABELS[status] ?? status}
          </EuiBadge>
          {compact && item.timed_out && <EuiBadge color="danger">Timed out</EuiBadge>}
          {compact && item.attempts > 1 && (
            <EuiText size="xs" color="subdued" component="span">
              {item.attempts} attempts
            </EuiText>
          )}
        </EuiFlexGroup>
      ),
    },
    ...(connectorId
      ? []
      : [
          {
            field: 'connector_name',
            name: 'Connector',
            minWidth: '110px',
            render: (name: string, item: ExecutionLogItem) => {
              if (!item.connector_id) return name || '—';
              // The edit flyout of the connector, in the space it ran in.
              const to = `${spacePrefix(rowSpace(item))}/connectors/${encodeURIComponent(item.connector_id)}`;
              return <AppLink to={to}>{name || item.connector_id}</AppLink>;
            },
          } satisfies EuiBasicTableColumn<ExecutionLogItem>,
        ]),
    {
      field: 'message',
      name: 'Message',
      minWidth: '200px',
      // A success says only "action executed: <connector>": clamped. A failure's message ends with
      // the error, the part worth reading: shown whole.
      render: (text: string, item: ExecutionLogItem) => (
        <span
          title={text}
          style={{
            overflowWrap: 'anywhere',
            ...(item.status === 'success' ? { display: '-webkit-box', WebkitLineClamp: 3, WebkitBoxOrient: 'vertical', overflow: 'hidden' } : {}),
          }}
        >
          {text || '—'}
        </span>
      ),
    },
    {
      field: 'duration_ms',
      name: 'Duration',
      sortable: true,
      minWidth: '90px',
      render: (ms: number) => formatDuration(ms),
    },
    ...(compact ? [] : detailColumns),
    ...(viewAllSpaces
      ? [{ field: 'space_ids', name: 'Space', minWidth: '90px', render: (ids: string[]) => ids.join(', ') } satisfies EuiBasicTableColumn<ExecutionLogItem>]
      : []),
  ];

  const filtered = statuses.length > 0 || message !== '';
  // Resolved again on each refresh, as the log's own queries are ("now" moves).
  const tokenRange = useMemo(() => resolveRange(range.start, range.end), [range.start, range.end, refreshKey]);

  return (
    <div data-test-subj="executionLogs">
      <KpiStats stats={KPI_STATS.map((stat) => ({ ...stat, value: kpi.data?.[stat.key] }))} loading={!kpi.data && !kpi.error} />
      <EuiSpacer size="m" />
      {showTokens && connectorId && tokenRange && (
        <>
          <TokenUsageChart spaceId={spaceId} connectorId={connectorId} range={tokenRange} refreshKey={refreshKey} />
          <EuiSpacer size="m" />
        </>
      )}
      <EuiFlexGroup gutterSize="s" alignItems="center" wrap>
        <EuiFlexItem grow={false}>
          <StatusFilter
            selected={statuses}
            onChange={(next) => {
              setStatuses(next);
              requery();
            }}
          />
        </EuiFlexItem>
        <EuiFlexItem style={{ minWidth: 200 }}>
          <EuiFieldSearch
            fullWidth
            value={searchText}
            placeholder="Search messages, then press Enter"
            aria-label="Search execution messages"
            incremental={false}
            isClearable
            onChange={(e) => {
              setSearchText(e.target.value);
              // Clearing the field (its clear button included) drops the search at once.
              if (e.target.value === '' && message !== '') applySearch('');
            }}
            onSearch={applySearch}
            data-test-subj="messageSearch"
          />
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiSuperDatePicker
            start={range.start}
            end={range.end}
            onTimeChange={onTimeChange}
            onRefresh={refresh}
            commonlyUsedRanges={QUICK_RANGES}
            isLoading={log.loading}
            isPaused={autoRefresh.isPaused}
            refreshInterval={autoRefresh.refreshInterval}
            onRefreshChange={({ isPaused, refreshInterval }) => setAutoRefresh({ isPaused, refreshInterval })}
            width="auto"
            data-test-subj="logsDatePicker"
          />
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      <EuiFlexGroup gutterSize="s" alignItems="center" justifyContent="spaceBetween" responsive={false} wrap>
        {showAllSpacesSwitch ? (
          <EuiFlexItem grow={false}>
            <EuiSwitch
              label="Show connectors from all spaces"
              checked={allSpaces}
              onChange={(e) => {
                setAllSpaces(e.target.checked);
                requery();
              }}
              compressed
              data-test-subj="allSpacesSwitch"
            />
          </EuiFlexItem>
        ) : null}
        <EuiFlexItem grow={false}>
          <EuiText size="xs" color="subdued" data-test-subj="executionLogTotal">
            {log.data && !log.error
              ? total > MAX_EXECUTIONS
                ? `${total.toLocaleString()} executions; the ${MAX_EXECUTIONS.toLocaleString()} most recent can be browsed — narrow the time range or filters to see the others`
                : `${total.toLocaleString()} ${total === 1 ? 'execution' : 'executions'}`
              : '\u00a0'}
          </EuiText>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      {error ? (
        <>
          <EuiCallOut color="danger" iconType="warning" title="Unable to load the execution log" data-test-subj="executionLogError">
            <p>{error.message}</p>
          </EuiCallOut>
          <EuiSpacer size="s" />
        </>
      ) : null}
      <div ref={tableBox}>
        <EuiBasicTable<ExecutionLogItem>
          tableCaption={connectorId ? 'Executions of this connector' : 'Connector executions'}
          items={items}
          itemId="id"
          columns={columns}
          itemIdToExpandedRowMap={expandedRows}
          loading={log.loading}
          noItemsMessage={
            error
              ? 'The executions could not be loaded'
              : log.loading && !log.data
                ? 'Loading executions…'
                : filtered
                  ? 'No executions in this time range match the filters'
                  : 'No executions in this time range'
          }
          pagination={{ pageIndex: page.index, pageSize: page.size, totalItemCount: Math.min(total, MAX_EXECUTIONS), pageSizeOptions: PAGE_SIZES }}
          sorting={{ sort: { field: sort.field, direction: sort.direction } }}
          onChange={onTableChange}
          rowProps={() => ({ 'data-test-subj': 'executionLogRow' })}
          tableLayout="auto"
          scrollableInline
          data-test-subj="executionLogTable"
        />
      </div>
    </div>
  );
}
