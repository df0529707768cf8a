import { MultiSelectFilter } from '../../components/MultiSelectFilter.js';
import type { TypeCount } from './rows.js';

interface TypeFilterProps {
  options: TypeCount[];
  selected: string[];
  onChange(typeIds: string[]): void;
}

/** The "Type" multi-select of the list, each option with its count ("Slack (3)"). */
export function TypeFilter({ options, selected, onChange }: TypeFilterProps) {
  return (
    <MultiSelectFilter
      label="Type"
      ariaLabel="Filter by connector type"
      options={options.map((o) => ({ key: o.id, label: `${o.name} (${o.count})` }))}
      selected={selected}
      onChange={onChange}
      testSubj="typeFilterButton"
      optionTestSubj="typeFilterOption"
      width={260}
    />
  );
}
