import {
  EuiAccordion,
  EuiBadge,
  EuiButtonIcon,
  EuiCallOut,
  EuiCodeBlock,
  EuiCopy,
  EuiDescriptionList,
  EuiFlexGroup,
  EuiFlexItem,
  EuiLoadingSpinner,
  EuiPanel,
  EuiSpacer,
  EuiText,
  EuiTitle,
} from '@elastic/eui';
import { getExecutionEvents } from '../api/endpoints.js';
import type { EventDocument, ExecutionLogItem } from '../api/types.js';
import { useAsync } from '../lib/use_async.js';
import { formatCount, formatDuration, formatTimestamp, STATUS_COLORS, STATUS_LABELS } from './log_query.js';

export interface ExecutionDetailProps {
  /** The space the execution ran in: the events route only answers with that space's events. */
  spaceId: string;
  executionId: string;
  /** Changes when the log is refreshed, so that an open detail follows. */
  refreshKey?: number;
  /** The execution's figures that its table row does not show (a connector's narrow log). */
  summary?: ExecutionLogItem;
}

/** Every event-log document of one execution (each attempt's start and end), oldest first. */
export function ExecutionDetail({ spaceId, executionId, refreshKey, summary }: ExecutionDetailProps) {
  const events = useAsync(() => getExecutionEvents(spaceId, executionId), [spaceId, executionId, refreshKey]);
  return (
    <div data-test-subj="executionDetail" style={{ width: '100%' }}>
      <EuiFlexGroup gutterSize="xs" alignItems="center" responsive={false} wrap>
        <EuiFlexItem grow={false}>
          <EuiTitle size="xxs">
            <h4>Execution</h4>
          </EuiTitle>
        </EuiFlexItem>
        <EuiFlexItem grow={false} style={{ minWidth: 0 }}>
          <EuiText size="s" style={{ overflowWrap: 'anywhere' }}>
            <code data-test-subj="executionId">{executionId}</code>
          </EuiText>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiCopy textToCopy={executionId}>
            {(copy) => <EuiButtonIcon iconType="copy" onClick={copy} aria-label="Copy the execution id" size="xs" />}
          </EuiCopy>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      {summary && (
        <>
          <EuiDescriptionList
            type="responsiveColumn"
            compressed
            columnWidths={['max-content', 'auto']}
            listItems={[
              { title: 'Schedule delay', description: formatDuration(summary.schedule_delay_ms) },
              { title: 'Timed out', description: summary.timed_out ? 'Yes' : 'No' },
              { title: 'Source', description: summary.source || '—' },
              { title: 'Attempts', description: String(summary.attempts) },
            ]}
            data-test-subj="executionSummary"
          />
          <EuiSpacer size="s" />
        </>
      )}
      {events.error ? (
        <EuiCallOut color="danger" iconType="warning" size="s" title="Unable to load the events of this execution" data-test-subj="executionDetailError">
          <p>{events.error.message}</p>
        </EuiCallOut>
      ) : !events.data ? (
        <EuiLoadingSpinner size="m" aria-label="Loading the events of this execution" />
      ) : events.data.length === 0 ? (
        <EuiText size="s" color="subdued">
          <p>No events of this execution in this space.</p>
        </EuiText>
      ) : (
        <EuiFlexGroup direction="column" gutterSize="s">
          {events.data.map((doc, index) => (
            <EuiFlexItem key={index}>
              <EventPanel doc={doc} id={`${executionId}-${index}`} />
            </EuiFlexItem>
          ))}
        </EuiFlexGroup>
      )}
    </div>
  );
}

function EventPanel({ doc, id }: { doc: EventDocument; id: string }) {
  const outcome: string | undefined = doc.event?.outcome;
  const attempt = doc.kibana?.action?.execution?.attempt;
  const durationNs = doc.event?.duration !== undefined ? Number(doc.event.duration) : undefined;
  const usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined = doc.kibana?.action?.execution?.gen_ai?.usage;
  const items = [
    { title: 'Time', description: doc['@timestamp'] ? formatTimestamp(doc['@timestamp']) : '—' },
    {
      title: 'Action',
      description: (
        <span>
          <code>{doc.event?.action ?? '—'}</code>
          {outcome ? (
            <>
              {' '}
              <EuiBadge color={STATUS_COLORS[outcome] ?? 'hollow'}>{STATUS_LABELS[outcome] ?? outcome}</EuiBadge>
            </>
          ) : null}
        </span>
      ),
    },
    { title: 'Attempt', description: attempt === undefined ? '—' : String(attempt) },
    ...(durationNs !== undefined && Number.isFinite(durationNs) ? [{ title: 'Duration', description: formatDuration(durationNs / 1_000_000) }] : []),
    ...(usage
      ? [
          {
            title: 'Tokens',
            description: (
              <span data-test-subj="executionEventTokens">
                {formatCount(usage.total_tokens)} ({formatCount(usage.prompt_tokens)} prompt, {formatCount(usage.completion_tokens)} completion)
              </span>
            ),
          },
        ]
      : []),
    { title: 'Message', description: doc.message || '—' },
    ...(doc.error?.message ? [{ title: 'Error', description: <span style={{ overflowWrap: 'anywhere' }}>{doc.error.message}</span> }] : []),
  ];
  return (
    <EuiPanel hasBorder paddingSize="s" data-test-subj="executionEvent">
      <EuiDescriptionList type="responsiveColumn" compressed listItems={items} columnWidths={[1, 5]} style={{ overflowWrap: 'anywhere' }} />
      <EuiSpacer size="xs" />
      <EuiAccordion id={`event-json-${id}`} buttonContent="Full document" paddingSize="s" data-test-subj="executionEventJson">
        <EuiCodeBlock language="json" fontSize="s" paddingSize="s" isCopyable overflowHeight={320}>
          {JSON.stringify(doc, null, 2)}
        </EuiCodeBlock>
      </EuiAccordion>
    </EuiPanel>
  );
}
