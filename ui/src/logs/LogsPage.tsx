import { EuiPageTemplate } from '@elastic/eui';
import { ExecutionLogs } from './ExecutionLogs.js';

/** Stack Management > Logs: every connector execution of the space (or of all spaces). */
export function LogsPage() {
  return (
    <div data-test-subj="logsPage" style={{ display: 'contents' }}>
      <EuiPageTemplate.Header
        pageTitle="Logs"
        description="Executions of the connectors in this space, from the event log: when each ran, its outcome, how long it took and how many attempts it needed."
      />
      <EuiPageTemplate.Section>
        <ExecutionLogs showAllSpacesSwitch />
      </EuiPageTemplate.Section>
    </div>
  );
}
