import { EuiCallOut, EuiFlexGroup, EuiFlexItem, EuiPanel, EuiText, EuiTitle, useEuiTheme } from '@elastic/eui';
import moment from 'moment';
import { getTokenUsage } from '../api/endpoints.js';
import type { ConnectorTokenUsage } from '../api/types.js';
import { useAsync } from '../lib/use_async.js';
import { formatCount } from './log_query.js';

const HOUR = 3_600_000;
/** Past this many hours, bars are days: thinner bars than a pixel would tell nothing. */
const MAX_HOURLY_BARS = 31 * 24;
const WIDTH = 600;
const HEIGHT = 80;

export interface TokenUsageChartProps {
  spaceId: string;
  connectorId: string;
  /** The log's range, resolved (ISO). */
  range: { date_start: string; date_end: string };
  refreshKey: number;
}

interface Bar {
  start: number;
  tokens: number;
}

/** The range's hours (or days) from first to last, each with the tokens used in it. */
function bars(usage: ConnectorTokenUsage | undefined, from: number, to: number): { bars: Bar[]; size: number } {
  const size = (to - from) / HOUR > MAX_HOURLY_BARS ? 24 * HOUR : HOUR;
  const first = Math.floor(from / size) * size;
  const result: Bar[] = [];
  for (let start = first; start <= to; start += size) result.push({ start, tokens: 0 });
  for (const hour of usage?.hours ?? []) {
    const index = Math.floor((Date.parse(hour.start) - first) / size);
    if (result[index]) result[index].tokens += hour.total_tokens;
  }
  return { bars: result, size };
}

/** A connector's tokens over the log's range: the totals, and a small bar chart per hour. */
export function TokenUsageChart({ spaceId, connectorId, range, refreshKey }: TokenUsageChartProps) {
  const { euiTheme } = useEuiTheme();
  const usage = useAsync(
    () => getTokenUsage(spaceId, { ...range, connector_id: connectorId }),
    [spaceId, connectorId, range.date_start, range.date_end, refreshKey],
  );
  if (usage.error) {
    return (
      <EuiCallOut color="danger" iconType="warning" size="s" title="Unable to load the token usage" data-test-subj="tokenUsageError">
        <p>{usage.error.message}</p>
      </EuiCallOut>
    );
  }
  const used = usage.data?.connectors.find((c) => c.connector_id === connectorId);
  const from = Date.parse(range.date_start);
  const to = Date.parse(range.date_end);
  const chart = bars(used, from, to);
  const max = Math.max(1, ...chart.bars.map((b) => b.tokens));
  const step = WIDTH / chart.bars.length;
  const unit = chart.size === HOUR ? 'hour' : 'day';
  const label = (start: number) => moment(start).format(chart.size === HOUR ? 'MMM D HH:00' : 'MMM D');
  return (
    <EuiPanel hasBorder paddingSize="s" data-test-subj="tokenUsage">
      <EuiFlexGroup gutterSize="s" alignItems="baseline" justifyContent="spaceBetween" responsive={false} wrap>
        <EuiFlexItem grow={false}>
          <EuiTitle size="xxs">
            <h4>Tokens per {unit}</h4>
          </EuiTitle>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiText size="xs" color="subdued" data-test-subj="tokenUsageTotals">
            {!usage.data
              ? 'Loading…'
              : used
                ? `${formatCount(used.total_tokens)} tokens (${formatCount(used.prompt_tokens)} prompt, ${formatCount(used.completion_tokens)} completion) in ${formatCount(used.executions)} runs`
                : 'No tokens used in this range'}
          </EuiText>
        </EuiFlexItem>
      </EuiFlexGroup>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        width="100%"
        height={HEIGHT}
        role="img"
        aria-label={`Tokens per ${unit}, at most ${formatCount(used ? max : 0)}`}
        data-test-subj="tokenUsageChart"
      >
        <line x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} stroke={euiTheme.colors.lightShade} />
        {chart.bars.map((bar) =>
          bar.tokens > 0 ? (
            <rect
              key={bar.start}
              x={(bar.start - chart.bars[0].start) / chart.size * step + step * 0.1}
              width={Math.max(step * 0.8, 0.5)}
              y={HEIGHT - (bar.tokens / max) * (HEIGHT - 4)}
              height={(bar.tokens / max) * (HEIGHT - 4)}
              fill={euiTheme.colors.primary}
              data-test-subj="tokenUsageBar"
            >
              <title>{`${label(bar.start)}: ${formatCount(bar.tokens)} tokens`}</title>
            </rect>
          ) : null,
        )}
      </svg>
      <EuiFlexGroup gutterSize="none" justifyContent="spaceBetween" responsive={false}>
        <EuiText size="xs" color="subdued">
          {label(chart.bars[0]?.start ?? from)}
        </EuiText>
        <EuiText size="xs" color="subdued">
          {used ? `max ${formatCount(max)} per ${unit}` : ''}
        </EuiText>
        <EuiText size="xs" color="subdued">
          {label(chart.bars.at(-1)?.start ?? to)}
        </EuiText>
      </EuiFlexGroup>
    </EuiPanel>
  );
}
