import { EuiFilterButton, EuiFilterGroup, EuiPopover, EuiSelectable, type EuiSelectableOption } from '@elastic/eui';
import { useState, type ReactNode } from 'react';

export interface FilterOption {
  key: string;
  label: string;
  prepend?: ReactNode;
}

export interface MultiSelectFilterProps {
  /** The button's text ("Type", "Status"). */
  label: string;
  /** What the list filters, for screen readers ("Filter by connector type"). */
  ariaLabel: string;
  options: FilterOption[];
  selected: readonly string[];
  onChange(keys: string[]): void;
  /** `data-test-subj` of the button, and of each option before its key (`<optionTestSubj>-<key>`). */
  testSubj: string;
  optionTestSubj: string;
  width?: number;
}

/**
 * Kibana's filter button with a multi-select list in a popover; nothing chosen means all.
 * Built from EuiSelectable rather than the search bar's field_value_selection, which cannot
 * carry data-test-subj on its button or options.
 */
export function MultiSelectFilter({ label, ariaLabel, options, selected, onChange, testSubj, optionTestSubj, width = 240 }: MultiSelectFilterProps) {
  const [open, setOpen] = useState(false);
  // `key` carries the option's id: EuiSelectable keeps it off the DOM, unlike extra fields.
  const items: EuiSelectableOption[] = options.map((option) => ({
    key: option.key,
    label: option.label,
    prepend: option.prepend,
    checked: selected.includes(option.key) ? 'on' : undefined,
    'data-test-subj': `${optionTestSubj}-${option.key}`,
  }));
  return (
    <EuiFilterGroup>
      <EuiPopover
        isOpen={open}
        closePopover={() => setOpen(false)}
        panelPaddingSize="none"
        anchorPosition="downRight"
        aria-label={ariaLabel}
        button={
          <EuiFilterButton
            iconType="chevronSingleDown"
            iconSide="right"
            onClick={() => setOpen(!open)}
            isSelected={open}
            hasActiveFilters={selected.length > 0}
            numFilters={options.length}
            numActiveFilters={selected.length}
            aria-label={ariaLabel}
            data-test-subj={testSubj}
          >
            {label}
          </EuiFilterButton>
        }
      >
        <EuiSelectable
          aria-label={ariaLabel}
          options={items}
          onChange={(next) => onChange(next.filter((o) => o.checked === 'on').flatMap((o) => (o.key ? [o.key] : [])))}
          emptyMessage="Nothing to filter by"
          listProps={{ isVirtualized: false, bordered: false, paddingSize: 's' }}
        >
          {(list) => <div style={{ width, maxWidth: '80vw' }}>{list}</div>}
        </EuiSelectable>
      </EuiPopover>
    </EuiFilterGroup>
  );
}
