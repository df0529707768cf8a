import { EuiFieldNumber, EuiFlexGroup, EuiFlexItem, EuiSelect, EuiSelectable } from '@elastic/eui';
import type { ReactNode } from 'react';
import { INTERVAL_UNITS, splitInterval } from './status.js';

export interface PickOption {
  key: string;
  label: string;
  append?: ReactNode;
  title?: string;
  testSubj: string;
}

/** A searchable list to pick one item from (in a popover): calls `onPick` with its key. */
export function PickList({ options, onPick, ariaLabel, searchPlaceholder, searchTestSubj }: { options: PickOption[]; onPick(key: string): void; ariaLabel: string; searchPlaceholder: string; searchTestSubj: string }) {
  return (
    <EuiSelectable
      searchable
      singleSelection
      aria-label={ariaLabel}
      searchProps={{ placeholder: searchPlaceholder, 'data-test-subj': searchTestSubj }}
      options={options.map((o) => ({ label: o.label, key: o.key, append: o.append, title: o.title, 'data-test-subj': o.testSubj }))}
      onChange={(chosen) => {
        const key = chosen.find((o) => o.checked === 'on')?.key;
        if (key) onPick(key);
      }}
      listProps={{ bordered: true }}
    >
      {(list, search) => (
        <div style={{ width: 320 }}>
          {search}
          {list}
        </div>
      )}
    </EuiSelectable>
  );
}

/** A duration as a whole number and a unit (`5m`): a rule's schedule, an action's throttle. */
export function IntervalInput({ value, onChange, label, testSubj }: { value: string; onChange(next: string): void; label: string; testSubj: string }) {
  const { count, unit } = splitInterval(value);
  return (
    <EuiFlexGroup gutterSize="s" responsive={false}>
      <EuiFlexItem grow={false} style={{ width: 100 }}>
        <EuiFieldNumber min={1} value={count} onChange={(e) => onChange(`${Math.max(1, Number(e.target.value) || 1)}${unit}`)} data-test-subj={`${testSubj}Input`} aria-label={label} />
      </EuiFlexItem>
      <EuiFlexItem grow={false}>
        <EuiSelect options={INTERVAL_UNITS} value={unit} onChange={(e) => onChange(`${count}${e.target.value}`)} data-test-subj={`${testSubj}UnitSelect`} aria-label={`${label} unit`} />
      </EuiFlexItem>
    </EuiFlexGroup>
  );
}
