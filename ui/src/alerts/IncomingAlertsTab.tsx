import {
  EuiBadge,
  EuiBasicTable,
  EuiButtonEmpty,
  EuiFieldSearch,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFormRow,
  EuiSpacer,
  EuiSwitch,
  EuiText,
  EuiToolTip,
  type EuiBasicTableColumn,
} from '@elastic/eui';
import { useState } from 'react';
import { listIncomingAlerts } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import type { IncomingAlertView, SilenceMatcher } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { AppLink } from '../components/AppLink.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { ServerErrorCallOut } from '../components/ServerErrorCallOut.js';
import { WhyDisabled } from '../components/WhyDisabled.js';
import { useAsync } from '../lib/use_async.js';
import { usePoll } from '../lib/use_poll.js';
import { alertName, formatTime, shortTime, SOURCE_LABELS, STATUS_COLORS, STATUS_LABELS, SILENCES_READ_ONLY_REASON } from './format.js';

const FILTER_HELP = 'Alertmanager matchers separated by commas, e.g. severity=~"critical|page", team!="qa"; every one must match.';

/** The space's incoming alerts, filtered by matchers, loaded again every few seconds while on screen. */
export function IncomingAlertsTab({ changes, onSilence }: { changes: number; onSilence(matchers: SilenceMatcher[]): void }) {
  const { spaceId, rules, href } = useSpace();
  const permissions = { save: rules.save, readOnlyReason: rules.readOnlyReason && SILENCES_READ_ONLY_REASON };
  const [draft, setDraft] = useState('');
  const [filter, setFilter] = useState('');
  const [includeResolved, setIncludeResolved] = useState(false);
  const alerts = useAsync(() => listIncomingAlerts(spaceId, { filter, includeResolved }), [spaceId, filter, includeResolved, changes]);
  usePoll(alerts);
  const badFilter = alerts.error instanceof ApiError && alerts.error.statusCode === 400 ? alerts.error.message : undefined;
  const items = alerts.error ? [] : (alerts.data?.alerts ?? []);

  const columns: Array<EuiBasicTableColumn<IncomingAlertView>> = [
    {
      name: 'Status',
      width: '100px',
      render: (alert: IncomingAlertView) => {
        const badge = (
          <EuiBadge color={STATUS_COLORS[alert.status]} data-test-subj={`alertStatus-${alert.status}`}>
            {STATUS_LABELS[alert.status]}
          </EuiBadge>
        );
        return alert.silencedBy.length ? <EuiToolTip content={`Suppressed by silence ${alert.silencedBy.join(', ')}: no notifications while it is active.`}>{badge}</EuiToolTip> : badge;
      },
    },
    {
      name: 'Alert',
      width: '18%',
      render: (alert: IncomingAlertView) => (
        <div style={{ minWidth: 0 }}>
          <EuiText size="s">
            <strong data-test-subj="alertName">{alertName(alert)}</strong>
          </EuiText>
          {alert.annotations.summary && (
            <EuiText size="xs" data-test-subj="alertSummary">
              {alert.annotations.summary}
            </EuiText>
          )}
          <EuiText size="xs" color="subdued" data-test-subj="alertSource">
            via {SOURCE_LABELS[alert.source] ?? alert.source}
          </EuiText>
        </div>
      ),
    },
    {
      name: 'Labels',
      render: (alert: IncomingAlertView) => (
        <EuiFlexGroup gutterSize="xs" wrap responsive={false}>
          <LabelBadges labels={alert.labels} testSubj="alertLabel" />
        </EuiFlexGroup>
      ),
    },
    {
      name: 'Rules',
      width: '12%',
      render: (alert: IncomingAlertView) =>
        alert.rules.length === 0 ? (
          <EuiText size="xs" color="subdued" data-test-subj="alertNoRule" title="No incoming-alerts rule of this space selects it: it notifies nothing.">
            —
          </EuiText>
        ) : (
          <EuiText size="xs">
            {alert.rules.map((rule) => (
              <div key={rule.id} style={{ overflowWrap: 'anywhere' }}>
                <AppLink to={href(`/rules/${encodeURIComponent(rule.id)}`)} testSubj="alertRuleLink">
                  {rule.name}
                </AppLink>
              </div>
            ))}
          </EuiText>
        ),
    },
    {
      name: 'Seen',
      width: '150px',
      render: (alert: IncomingAlertView) => (
        <TimeLines
          lines={[
            ['First', alert.firstSeenAt],
            ['Last', alert.updatedAt],
          ]}
          testSubj="alertSeen"
        />
      ),
    },
    {
      name: 'Active',
      width: '165px',
      render: (alert: IncomingAlertView) => (
        <TimeLines
          lines={[
            ['Starts', alert.startsAt],
            [alert.status === 'resolved' ? 'Ended' : 'Ends', alert.endsAt, alert.timeout && alert.status !== 'resolved' ? 'No end was sent: it resolves then unless sent again.' : undefined],
          ]}
          testSubj="alertActive"
        />
      ),
    },
    {
      name: 'Actions',
      width: '95px',
      render: (alert: IncomingAlertView) =>
        alert.status === 'resolved' ? null : (
          <WhyDisabled reason={permissions.readOnlyReason}>
            <EuiButtonEmpty
              size="xs"
              iconType="bellSlash"
              isDisabled={!permissions.save}
              onClick={() => onSilence(Object.entries(alert.labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })))}
              data-test-subj="silenceAlertButton"
            >
              Silence
            </EuiButtonEmpty>
          </WhyDisabled>
        ),
    },
  ];

  return (
    <>
      <EuiFlexGroup gutterSize="m" alignItems="flexEnd" wrap>
        <EuiFlexItem style={{ minWidth: 300 }}>
          <EuiFormRow label="Filter by label matchers" helpText={FILTER_HELP} fullWidth>
            <EuiFieldSearch
              fullWidth
              placeholder='severity=~"critical|page", team!="qa"'
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onSearch={(value) => setFilter(value)}
              isInvalid={badFilter !== undefined}
              aria-label="Filter alerts by label matchers"
              data-test-subj="alertsFilter"
            />
          </EuiFormRow>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiFormRow hasEmptyLabelSpace helpText=" ">
            <EuiSwitch label="Show resolved" checked={includeResolved} onChange={(e) => setIncludeResolved(e.target.checked)} data-test-subj="showResolvedSwitch" />
          </EuiFormRow>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="m" />
      <ServerErrorCallOut title="The filter is not valid" message={badFilter} testSubj="alertsFilterError" />
      {!badFilter && <LoadErrorCallOut title="The alerts could not be loaded" state={alerts} testSubj="alertsLoadError" />}
      <EuiBasicTable
        tableCaption="Incoming alerts"
        items={items}
        itemId="fingerprint"
        columns={columns}
        loading={alerts.loading && alerts.data === undefined}
        noItemsMessage={
          alerts.data === undefined && !alerts.error
            ? 'Loading alerts…'
            : filter
              ? 'No alert matches the filter.'
              : 'No alerts. Point Prometheus or Alertmanager at this space to send some (see the API documentation).'
        }
        rowProps={(alert: IncomingAlertView) => ({ 'data-test-subj': `alertRow-${alertName(alert)}` })}
        data-test-subj="incomingAlertsTable"
      />
    </>
  );
}

/** The labels but `alertname` as `name=value` badges, items of the caller's wrapping flex group. */
export function LabelBadges({ labels, testSubj }: { labels: Record<string, string>; testSubj: string }) {
  return Object.entries(labels)
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => (
      <EuiFlexItem grow={false} key={name} style={{ maxWidth: '100%' }}>
        <EuiBadge color="hollow" data-test-subj={testSubj} title={`${name}="${value}"`} style={{ maxWidth: '100%' }}>
          {name}={value}
        </EuiBadge>
      </EuiFlexItem>
    ));
}

/** Labelled times, one a line, the full date on hover; a note marks a time with a tooltip. */
function TimeLines({ lines, testSubj }: { lines: Array<[string, string, string?]>; testSubj: string }) {
  return (
    <EuiText size="xs" data-test-subj={testSubj}>
      {lines.map(([label, iso, note]) => (
        <div key={label} title={note ? `${formatTime(iso)}. ${note}` : formatTime(iso)} style={{ whiteSpace: 'nowrap' }}>
          <span style={{ display: 'inline-block', width: 44, color: '#69707d' }}>{label}</span>
          {shortTime(iso)}
          {note ? ' *' : ''}
        </div>
      ))}
    </EuiText>
  );
}
