import { EuiBadge, EuiFlexGroup, EuiFlexItem, EuiLoadingSpinner, EuiPanel, EuiSpacer, EuiText, EuiTitle } from '@elastic/eui';
import { listIncomingAlerts } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { useSpace } from '../app/space.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { ServerErrorCallOut } from '../components/ServerErrorCallOut.js';
import { useAsync } from '../lib/use_async.js';
import { useDebounced } from '../lib/use_debounced.js';
import { LabelBadges } from './IncomingAlertsTab.js';
import { alertName, STATUS_COLORS, STATUS_LABELS } from './format.js';

/** How many of the selected alerts the preview lists. */
const SHOWN = 5;
const DEBOUNCE_MS = 400;

/**
 * The rule flyout's live preview for incoming-alerts rules: the current (not resolved) alerts of
 * the space that the matchers being edited select, as the server selects them (its filter parses
 * them with Alertmanager's rules, and its error is shown for a bad one).
 */
export function IncomingAlertsPreview({ matchers }: { matchers: unknown }) {
  const { spaceId } = useSpace();
  const list = Array.isArray(matchers) ? matchers.filter((m): m is string => typeof m === 'string' && m.trim() !== '') : [];
  const typed = list.join(', ');
  const filter = useDebounced(typed, DEBOUNCE_MS, (v) => v);
  // Each answer with the filter it is for: what is shown says which matchers it previews.
  const alerts = useAsync(async () => ({ filter, alerts: (await listIncomingAlerts(spaceId, { filter })).alerts }), [spaceId, filter]);
  const badMatcher = alerts.error instanceof ApiError && alerts.error.statusCode === 400 ? alerts.error.message : undefined;
  const selected = alerts.error ? undefined : alerts.data?.alerts;
  const shownFilter = alerts.data?.filter;
  const pending = alerts.loading || filter !== typed || (!alerts.error && shownFilter !== typed);

  return (
    <EuiPanel color="subdued" paddingSize="m" hasBorder={false} style={{ margin: '8px 0 16px' }} data-test-subj="incomingAlertsPreview" aria-live="polite">
      <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false}>
        <EuiFlexItem grow={false}>
          <EuiTitle size="xxs">
            <h4>Preview: current alerts these matchers select</h4>
          </EuiTitle>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>{pending && <EuiLoadingSpinner size="s" data-test-subj="previewLoading" />}</EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      <ServerErrorCallOut title="A matcher is not valid" message={badMatcher} testSubj="previewMatcherError" />
      {!badMatcher && <LoadErrorCallOut title="The alerts could not be loaded" state={alerts} testSubj="previewLoadError" />}
      {selected && !badMatcher && (
        <>
          <EuiText size="s" data-test-subj="previewCount" data-filter={shownFilter}>
            {selected.length === 0
              ? 'No current alert of this space matches.'
              : `${selected.length} current alert${selected.length === 1 ? '' : 's'} of this space ${selected.length === 1 ? 'matches' : 'match'}${shownFilter ? '' : ' (no matchers: every alert)'}.`}
          </EuiText>
          {selected.slice(0, SHOWN).map((alert) => (
            <div key={alert.fingerprint} style={{ marginTop: 8 }} data-test-subj={`previewAlert-${alertName(alert)}`}>
              <EuiFlexGroup gutterSize="xs" wrap responsive={false} alignItems="center">
                <EuiFlexItem grow={false}>
                  <EuiBadge color={STATUS_COLORS[alert.status]}>{STATUS_LABELS[alert.status]}</EuiBadge>
                </EuiFlexItem>
                <EuiFlexItem grow={false}>
                  <EuiText size="s">
                    <strong>{alertName(alert)}</strong>
                  </EuiText>
                </EuiFlexItem>
                <LabelBadges labels={alert.labels} testSubj="previewLabel" />
              </EuiFlexGroup>
            </div>
          ))}
          {selected.length > SHOWN && (
            <EuiText size="xs" color="subdued" style={{ marginTop: 8 }}>
              and {selected.length - SHOWN} more (see the Alerts page).
            </EuiText>
          )}
        </>
      )}
    </EuiPanel>
  );
}
