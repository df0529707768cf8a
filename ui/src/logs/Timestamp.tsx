import { EuiText } from '@elastic/eui';
import { formatTimestamp } from './log_query.js';

/** Date over time, so the column stays narrow; the full text for screen readers and on hover. */
export function Timestamp({ iso }: { iso: string }) {
  const full = formatTimestamp(iso);
  const [date, time] = full.split(' @ ');
  return (
    <span title={full} style={{ whiteSpace: 'nowrap' }}>
      {date}
      <br />
      <EuiText size="xs" color="subdued" component="span">
        {time}
      </EuiText>
    </span>
  );
}
