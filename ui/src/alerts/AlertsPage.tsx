import { EuiPageTemplate } from '@elastic/eui';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { SilenceMatcher } from '../api/types.js';
import { IncomingAlertsTab } from './IncomingAlertsTab.js';
import { SilenceFlyout } from './SilenceFlyout.js';
import { SilencesTab } from './SilencesTab.js';

/**
 * The space's incoming alerts (from Prometheus, Alertmanager, Grafana) and their silences, in
 * two tabs; the tab is in the address (`?tab=silences`) so that it survives a reload.
 */
export function AlertsPage() {
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') === 'silences' ? 'silences' : 'alerts';
  /** The silence form, open with these matchers (an alert's labels, or none). */
  const [silencing, setSilencing] = useState<SilenceMatcher[]>();
  /** Bumped when a silence is created or expired, so that both tabs load again. */
  const [changes, setChanges] = useState(0);
  const selectTab = (next: 'alerts' | 'silences') => setSearch(next === 'alerts' ? {} : { tab: next }, { replace: true });
  return (
    <>
      <EuiPageTemplate.Header
        pageTitle="Alerts"
        description="Alerts that Prometheus, Alertmanager and Grafana send to this space, and the silences that mute them."
        tabs={[
          { label: 'Alerts', isSelected: tab === 'alerts', onClick: () => selectTab('alerts'), 'data-test-subj': 'alertsTab' },
          { label: 'Silences', isSelected: tab === 'silences', onClick: () => selectTab('silences'), 'data-test-subj': 'silencesTab' },
        ]}
      />
      <EuiPageTemplate.Section>
        {tab === 'alerts' ? (
          <IncomingAlertsTab changes={changes} onSilence={setSilencing} />
        ) : (
          <SilencesTab changes={changes} onCreate={() => setSilencing([])} onChanged={() => setChanges((n) => n + 1)} />
        )}
      </EuiPageTemplate.Section>
      {silencing && (
        <SilenceFlyout
          initialMatchers={silencing}
          onClose={() => setSilencing(undefined)}
          onCreated={() => {
            setSilencing(undefined);
            setChanges((n) => n + 1);
          }}
        />
      )}
    </>
  );
}
