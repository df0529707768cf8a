import { EuiBadge, EuiBasicTable, EuiCallOut, EuiText, type EuiBasicTableColumn } from '@elastic/eui';
import { getExecutionLog } from '../api/endpoints.js';
import type { ExecutionLogItem, RuleExecutionLogItem } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useAsync } from '../lib/use_async.js';
import { formatDuration, kqlPhrase, STATUS_COLORS, STATUS_LABELS } from '../logs/log_query.js';

/** Actions a run queues are few; more than this are left to the Logs page. */
const MAX_ACTIONS = 100;

const columns: Array<EuiBasicTableColumn<ExecutionLogItem>> = [
  { field: 'connector_name', name: 'Connector', render: (name: string, item: ExecutionLogItem) => name || item.connector_id || '—' },
  {
    field: 'status',
    name: 'Status',
    render: (status: string) => (
      <EuiBadge color={STATUS_COLORS[status] ?? 'hollow'} data-test-subj={`runActionStatus-${status}`}>
        {STATUS_LABELS[status] ?? status}
      </EuiBadge>
    ),
  },
  { field: 'message', name: 'Message', render: (text: string) => <span style={{ overflowWrap: 'anywhere' }}>{text || '—'}</span> },
  { field: 'duration_ms', name: 'Duration', render: (ms: number) => formatDuration(ms) },
];

/**
 * The connector executions one rule run queued: those whose events carry the run's execution
 * uuid, from the connectors' execution log.
 */
export function RunActions({ run }: { run: RuleExecutionLogItem }) {
  const { spaceId } = useSpace();
  const queued = run.num_triggered_actions > 0;
  const actions = useAsync(
    async () =>
      queued
        ? getExecutionLog(spaceId, {
            // The actions run after the run started.
            date_start: run.timestamp,
            filter: `kibana.alert.rule.execution.uuid:${kqlPhrase(run.id)}`,
            per_page: MAX_ACTIONS,
            sort: [{ timestamp: { order: 'asc' } }],
          })
        : { total: 0, data: [] },
    [spaceId, run.id, run.timestamp, queued, run.num_succeeded_actions + run.num_errored_actions],
  );
  if (actions.error) {
    return (
      <EuiCallOut size="s" color="danger" iconType="warning" title="The actions of this run could not be loaded" data-test-subj="runActionsError">
        <p>{actions.error.message}</p>
      </EuiCallOut>
    );
  }
  if (actions.data && actions.data.total === 0) {
    return (
      <EuiText size="s" color="subdued" data-test-subj="runActionsNone">
        <p>{queued ? 'The actions this run queued have not run yet.' : 'This run queued no actions.'}</p>
      </EuiText>
    );
  }
  return (
    <div style={{ width: '100%' }} data-test-subj="runActions">
      <EuiBasicTable<ExecutionLogItem>
        tableCaption="Actions this run queued"
        compressed
        items={actions.data?.data ?? []}
        columns={columns}
        loading={actions.loading}
        noItemsMessage="Loading actions…"
        rowProps={() => ({ 'data-test-subj': 'runActionRow' })}
        tableLayout="auto"
      />
    </div>
  );
}
