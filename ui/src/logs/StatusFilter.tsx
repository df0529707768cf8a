import { EuiHealth } from '@elastic/eui';
import { MultiSelectFilter } from '../components/MultiSelectFilter.js';
import { STATUS_COLORS, STATUS_LABELS, STATUSES } from './log_query.js';

export interface StatusFilterProps {
  selected: readonly string[];
  onChange(statuses: string[]): void;
}

/** Kibana's status filter of the execution log; nothing chosen means all. */
export function StatusFilter({ selected, onChange }: StatusFilterProps) {
  return (
    <MultiSelectFilter
      label="Status"
      ariaLabel="Filter executions by status"
      options={STATUSES.map((status) => ({ key: status, label: STATUS_LABELS[status], prepend: <EuiHealth color={STATUS_COLORS[status]} /> }))}
      selected={selected}
      onChange={onChange}
      testSubj="statusFilter"
      optionTestSubj="statusFilterOption"
      width={200}
    />
  );
}
