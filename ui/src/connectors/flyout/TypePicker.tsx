import { EuiCard, EuiEmptyPrompt, EuiFieldSearch, EuiFlexGrid, EuiFlexItem, EuiIcon, EuiSpacer, EuiTitle, EuiToolTip } from '@elastic/eui';
import { useState } from 'react';
import type { ConnectorTypeForm } from '../../api/types.js';
import type { ConnectorTypeCatalog } from '../use_connector_types.js';
import { typeDisabledReason } from '../type_status.js';
import { CATEGORY_ORDER, CATEGORY_TITLES, iconOf } from './type_ui.js';

/** Step 1 of the create flyout: the types as cards, grouped by category, with a search box. */
export function TypePicker({ catalog, onSelect, autoFocus }: { catalog: ConnectorTypeCatalog; onSelect(typeId: string): void; autoFocus?: boolean }) {
  const [search, setSearch] = useState('');
  const types = new Map(catalog.types.map((t) => [t.id, t]));
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  // Every word must appear in the name, the card text or the category.
  const matches = (form: ConnectorTypeForm) => {
    const text = `${form.name} ${form.summary} ${form.category} ${CATEGORY_TITLES[form.category] ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  };
  const forms = [...catalog.forms.values()].filter(matches).sort((a, b) => a.name.localeCompare(b.name));
  const groups = CATEGORY_ORDER.map((category) => ({ category, forms: forms.filter((f) => f.category === category) })).filter(
    (g) => g.forms.length > 0,
  );
  // A category the UI does not know yet still shows, under Other.
  const unknown = forms.filter((f) => !CATEGORY_ORDER.includes(f.category));
  if (unknown.length > 0) {
    const other = groups.find((g) => g.category === 'other');
    if (other) other.forms.push(...unknown);
    else groups.push({ category: 'other', forms: unknown });
  }

  return (
    <>
      <EuiFieldSearch
        fullWidth
        placeholder="Search"
        aria-label="Filter available connector types"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        incremental
        autoFocus={autoFocus}
        data-test-subj="connectorTypeSearch"
      />
      <EuiSpacer size="m" />
      {groups.length === 0 && (
        <EuiEmptyPrompt
          iconType="search"
          titleSize="xs"
          title={<h3>No connector types match</h3>}
          body={<p>Try another search: a name, what it does, or a category such as Messaging.</p>}
          data-test-subj="noConnectorTypes"
        />
      )}
      {groups.map(({ category, forms }) => (
        <section key={category} aria-labelledby={`typeCategoryTitle-${category}`}>
          <EuiTitle size="xxs" data-test-subj={`typeCategory-${category}`}>
            <h3 id={`typeCategoryTitle-${category}`}>{CATEGORY_TITLES[category] ?? category}</h3>
          </EuiTitle>
          <EuiSpacer size="s" />
          <EuiFlexGrid columns={3} gutterSize="m">
            {forms.map((form) => {
              const type = types.get(form.id);
              const reason = typeDisabledReason(type);
              const card = (
                <EuiCard
                  layout="vertical"
                  titleSize="xs"
                  titleElement="h4"
                  icon={<EuiIcon type={iconOf(form.id)} size="xl" aria-hidden />}
                  title={form.name}
                  description={reason ? `${form.summary} ${reason}` : form.summary}
                  isDisabled={!!reason}
                  onClick={() => onSelect(form.id)}
                  betaBadgeProps={type?.is_deprecated ? { label: 'Deprecated', tooltipContent: 'This connector type is deprecated.' } : undefined}
                  data-test-subj={`typeCard-${form.id}`}
                  style={{ height: '100%' }}
                />
              );
              return (
                <EuiFlexItem key={form.id}>
                  {reason ? (
                    <EuiToolTip content={reason} display="block" anchorProps={{ style: { height: '100%' } }}>
                      {card}
                    </EuiToolTip>
                  ) : (
                    card
                  )}
                </EuiFlexItem>
              );
            })}
          </EuiFlexGrid>
          <EuiSpacer size="l" />
        </section>
      ))}
    </>
  );
}
