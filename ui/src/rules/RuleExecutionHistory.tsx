import {
  EuiBadge,
  EuiBasicTable,
  EuiButtonIcon,
  EuiFlexGroup,
  EuiHealth,
  EuiSpacer,
  EuiText,
  type CriteriaWithPagination,
  type EuiBasicTableColumn,
} from '@elastic/eui';
import { useRef, useState, type ReactNode } from 'react';
import { getRuleExecutionKpi, getRuleExecutionLog } from '../api/endpoints.js';
import type { RuleExecutionLogItem } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { KpiStats } from '../components/KpiStats.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { useAsync } from '../lib/use_async.js';
import { useElementWidth } from '../lib/use_element_width.js';
import { usePoll } from '../lib/use_poll.js';
import { formatDuration, STATUS_COLORS, STATUS_LABELS } from '../logs/log_query.js';
import { Timestamp } from '../logs/Timestamp.js';
import { RuleSection } from './RuleSection.js';
import { RunActions } from './RunActions.js';

/** Kibana's default range of a rule's execution log. */
const RANGE_START = 'now-24h';
const PAGE_SIZES = [10, 25, 50];

/** The table's sortable columns and the server's names for them. */
const SORT_FIELDS = {
  timestamp: 'timestamp',
  duration_ms: 'execution_duration',
  schedule_delay_ms: 'schedule_delay',
  num_active_alerts: 'num_active_alerts',
  num_new_alerts: 'num_new_alerts',
  num_recovered_alerts: 'num_recovered_alerts',
  num_triggered_actions: 'num_triggered_actions',
} as const;
type SortField = keyof typeof SORT_FIELDS;

const count = (field: keyof RuleExecutionLogItem, name: string, tooltip: string): EuiBasicTableColumn<RuleExecutionLogItem> => ({
  field,
  name,
  nameTooltip: { content: tooltip },
  sortable: field in SORT_FIELDS,
  align: 'right',
  minWidth: '90px',
  render: (n: number) => n,
});

/** The rule's runs of the last 24 hours, newest first, each expandable to the actions it queued. */
export function RuleExecutionHistory({ ruleId }: { ruleId: string }) {
  const { spaceId } = useSpace();
  const [page, setPage] = useState({ index: 0, size: 10 });
  const [sort, setSort] = useState<{ field: SortField; direction: 'asc' | 'desc' }>({ field: 'timestamp', direction: 'desc' });
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const log = useAsync(
    () =>
      getRuleExecutionLog(spaceId, ruleId, {
        date_start: RANGE_START,
        page: page.index + 1,
        per_page: page.size,
        sort: [{ [SORT_FIELDS[sort.field]]: { order: sort.direction } }],
      }),
    [spaceId, ruleId, page.index, page.size, sort.field, sort.direction],
  );
  const kpi = useAsync(() => getRuleExecutionKpi(spaceId, ruleId, RANGE_START), [spaceId, ruleId]);
  usePoll(log);
  usePoll(kpi);

  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const onTableChange = ({ page: next, sort: nextSort }: CriteriaWithPagination<RuleExecutionLogItem>) => {
    if (nextSort && nextSort.field in SORT_FIELDS && (nextSort.field !== sort.field || nextSort.direction !== sort.direction)) {
      setSort({ field: nextSort.field as SortField, direction: nextSort.direction });
      setPage({ index: 0, size: next.size });
      return;
    }
    setPage({ index: next.size !== page.size ? 0 : next.index, size: next.size });
  };

  const tableBox = useRef<HTMLDivElement>(null);
  const tableWidth = useElementWidth(tableBox);
  const items = log.data?.data ?? [];
  const expandedRows: Record<string, ReactNode> = {};
  for (const run of items) {
    if (!expanded.has(run.id)) continue;
    // The table may scroll sideways: the actions keep to its visible part.
    expandedRows[run.id] = (
      <div style={{ position: 'sticky', left: 0, width: tableWidth ? tableWidth - 16 : '100%', minWidth: 0 }}>
        <RunActions run={run} />
      </div>
    );
  }

  const columns: Array<EuiBasicTableColumn<RuleExecutionLogItem>> = [
    {
      name: <span className="euiScreenReaderOnly">Actions of the run</span>,
      isExpander: true,
      width: '40px',
      render: (run: RuleExecutionLogItem) => (
        <EuiButtonIcon
          iconType={expanded.has(run.id) ? 'chevronSingleDown' : 'chevronSingleRight'}
          onClick={() => toggle(run.id)}
          aria-label={`Show the actions of the run at ${run.timestamp}`}
          aria-expanded={expanded.has(run.id)}
          data-test-subj="expandRun"
        />
      ),
    },
    { field: 'timestamp', name: 'Timestamp', sortable: true, minWidth: '110px', render: (iso: string) => <Timestamp iso={iso} /> },
    {
      field: 'status',
      name: 'Response',
      minWidth: '100px',
      render: (status: string, run: RuleExecutionLogItem) => (
        <EuiFlexGroup direction="column" gutterSize="xs" alignItems="flexStart" responsive={false}>
          <EuiHealth color={STATUS_COLORS[status] === 'hollow' ? 'subdued' : (STATUS_COLORS[status] ?? 'subdued')} data-test-subj={`runStatus-${status}`}>
            {STATUS_LABELS[status] ?? status}
          </EuiHealth>
          {run.timed_out && <EuiBadge color="danger">Timed out</EuiBadge>}
        </EuiFlexGroup>
      ),
    },
    {
      field: 'message',
      name: 'Message',
      minWidth: '220px',
      render: (text: string) => (
        <span title={text} style={{ overflowWrap: 'anywhere', display: '-webkit-box', WebkitLineClamp: 3, WebkitBoxOrient: 'vertical', overflow: 'hidden' }}>
          {text || '—'}
        </span>
      ),
    },
    { field: 'duration_ms', name: 'Duration', sortable: true, minWidth: '90px', render: (ms: number) => formatDuration(ms) },
    count('num_active_alerts', 'Active alerts', 'Alerts active after the run'),
    count('num_new_alerts', 'New alerts', 'Alerts the run found for the first time'),
    count('num_recovered_alerts', 'Recovered alerts', 'Alerts that recovered in the run'),
    count('num_triggered_actions', 'Triggered actions', 'Actions the run queued'),
    count('num_succeeded_actions', 'Succeeded actions', 'Queued actions whose connector succeeded'),
    count('num_errored_actions', 'Errored actions', 'Queued actions whose connector failed'),
    { field: 'schedule_delay_ms', name: 'Schedule delay', sortable: true, minWidth: '100px', render: (ms: number) => formatDuration(ms) },
  ];

  const total = log.data?.total ?? 0;
  return (
    <RuleSection title="Execution history" testSubj="ruleExecutionHistorySection">
      <KpiStats
        loading={!kpi.data && !kpi.error}
        stats={[
          { label: 'Succeeded', color: 'success', value: kpi.data?.success, testSubj: 'ruleKpiSuccess' },
          { label: 'Warnings', color: 'warning', value: kpi.data?.warning, testSubj: 'ruleKpiWarning' },
          { label: 'Failed', color: 'danger', value: kpi.data?.failure, testSubj: 'ruleKpiFailure' },
          { label: 'Triggered actions', color: 'default', value: kpi.data?.triggeredActions, testSubj: 'ruleKpiTriggeredActions' },
          { label: 'Errored actions', color: 'danger', value: kpi.data?.erroredActions, testSubj: 'ruleKpiErroredActions' },
        ]}
      />
      <EuiSpacer size="s" />
      <EuiText size="xs" color="subdued" data-test-subj="ruleRunsTotal">
        {log.data ? `${total} ${total === 1 ? 'run' : 'runs'} in the last 24 hours` : '\u00a0'}
      </EuiText>
      <EuiSpacer size="s" />
      <LoadErrorCallOut title="The runs could not be loaded" state={log} testSubj="ruleRunsLoadError" />
      <div ref={tableBox}>
        <EuiBasicTable<RuleExecutionLogItem>
          tableCaption="Runs of this rule"
          items={items}
          itemId="id"
          columns={columns}
          itemIdToExpandedRowMap={expandedRows}
          loading={log.loading}
          noItemsMessage={log.data ? 'No runs in the last 24 hours' : 'Loading runs…'}
          pagination={{ pageIndex: page.index, pageSize: page.size, totalItemCount: total, pageSizeOptions: PAGE_SIZES }}
          sorting={{ sort: { field: sort.field, direction: sort.direction } }}
          onChange={onTableChange}
          rowProps={(run: RuleExecutionLogItem) => ({ 'data-test-subj': 'ruleRunRow', 'data-run-id': run.id })}
          tableLayout="auto"
          scrollableInline
          data-test-subj="ruleRunsTable"
        />
      </div>
    </RuleSection>
  );
}
