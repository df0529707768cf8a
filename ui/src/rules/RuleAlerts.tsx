import { EuiBadge, EuiEmptyPrompt, EuiInMemoryTable, EuiLink, EuiSwitch, type EuiBasicTableColumn } from '@elastic/eui';
import { useState } from 'react';
import { getAlertSummary, getRuleTickets, muteAlert } from '../api/endpoints.js';
import type { Rule, RuleTicket, SummaryAlert } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useToasts } from '../app/toasts.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { WhyDisabled } from '../components/WhyDisabled.js';
import { useAsync } from '../lib/use_async.js';
import { usePoll } from '../lib/use_poll.js';
import { formatDuration } from '../logs/log_query.js';
import { RuleSection } from './RuleSection.js';
import { formatDate } from './status.js';

interface AlertRow extends SummaryAlert {
  id: string;
  /** How long an active alert has been active, ms; none for a recovered one. */
  durationMs?: number;
}

/** As Kibana's rule details list them: active alerts first, each with how long it has been active. */
function alertRows(alerts: Record<string, SummaryAlert>, now: number): AlertRow[] {
  const rows = Object.entries(alerts).map(([id, alert]) => ({
    ...alert,
    id,
    durationMs: alert.status === 'Active' && alert.activeStartDate ? Math.max(0, now - Date.parse(alert.activeStartDate)) : undefined,
  }));
  return rows.sort((a, b) => Number(b.status === 'Active') - Number(a.status === 'Active'));
}

/** Kibana's alert lifecycle badge: recovered, else active, or flapping (an active alert that changes too often). */
function AlertStatusBadge({ alert }: { alert: SummaryAlert }) {
  if (alert.status !== 'Active') {
    return (
      <EuiBadge color="success" data-test-subj="alertStatus-recovered">
        Recovered
      </EuiBadge>
    );
  }
  return alert.flapping ? (
    <EuiBadge color="danger" iconType="visGauge" iconSide="right" data-test-subj="alertStatus-flapping">
      Flapping
    </EuiBadge>
  ) : (
    <EuiBadge color="danger" data-test-subj="alertStatus-active">
      Active
    </EuiBadge>
  );
}

/** An alert's tickets (actions that follow their alerts): each a link, marked when closed. */
function AlertTickets({ tickets }: { tickets: RuleTicket[] }) {
  if (tickets.length === 0) return <>—</>;
  return (
    <>
      {tickets.map((t) => (
        <div key={t.action_uuid} data-test-subj="alertTicket">
          {t.url ? (
            <EuiLink href={t.url} target="_blank" external>
              {t.title ?? t.external_id}
            </EuiLink>
          ) : (
            (t.title ?? t.external_id)
          )}
          {t.state === 'closed' && ' (closed)'}
        </div>
      ))}
    </>
  );
}

/** The rule's alerts from its alert summary: status, start, duration, its tickets, and a mute switch each. */
export function RuleAlerts({ rule, onChanged }: { rule: Rule; onChanged(): void }) {
  const { spaceId, rules: permissions } = useSpace();
  const toasts = useToasts();
  const summary = useAsync(() => getAlertSummary(spaceId, rule.id), [spaceId, rule.id]);
  usePoll(summary);
  const follows = rule.actions.some((a) => a.follow_alert);
  const tickets = useAsync(async () => (follows ? getRuleTickets(spaceId, rule.id) : []), [spaceId, rule.id, follows]);
  usePoll(tickets);
  const ticketsOf = (alertId: string) => (tickets.data ?? []).filter((t) => t.alert_id === alertId && t.external_id !== null);
  const [changing, setChanging] = useState<string>();

  const toggleMute = async (alert: AlertRow) => {
    setChanging(alert.id);
    try {
      await muteAlert(spaceId, rule.id, alert.id, !alert.muted);
      summary.reload();
      onChanged();
    } catch (err) {
      toasts.danger(`Alert "${alert.id}" could not be ${alert.muted ? 'unmuted' : 'muted'}`, (err as Error).message);
    } finally {
      setChanging(undefined);
    }
  };

  const columns: Array<EuiBasicTableColumn<AlertRow>> = [
    { field: 'id', name: 'Alert', width: '40%', truncateText: true, render: (id: string) => <span title={id}>{id}</span> },
    { name: 'Status', render: (alert: AlertRow) => <AlertStatusBadge alert={alert} /> },
    { field: 'activeStartDate', name: 'Start', render: (start?: string) => formatDate(start) },
    { field: 'durationMs', name: 'Duration', render: (ms?: number) => (ms === undefined ? '—' : formatDuration(ms)) },
    ...(follows ? [{ name: 'Ticket', render: (alert: AlertRow) => <AlertTickets tickets={ticketsOf(alert.id)} /> }] : []),
    {
      name: 'Mute',
      align: 'right',
      width: '70px',
      render: (alert: AlertRow) => (
        <WhyDisabled reason={permissions.readOnlyReason}>
          <EuiSwitch
            showLabel={false}
            label={`${alert.muted ? 'Unmute' : 'Mute'} alert ${alert.id}`}
            checked={alert.muted}
            disabled={!permissions.save || changing !== undefined}
            onChange={() => void toggleMute(alert)}
            data-test-subj="alertMuteSwitch"
          />
        </WhyDisabled>
      ),
    },
  ];

  const items = summary.data ? alertRows(summary.data.alerts, Date.now()) : [];
  return (
    <RuleSection title="Alerts" testSubj="ruleAlertsSection">
      <LoadErrorCallOut title="The alerts could not be loaded" state={summary} testSubj="ruleAlertsLoadError" />
      {summary.data && items.length === 0 ? (
        <EuiEmptyPrompt
          iconType="bell"
          titleSize="xs"
          title={<h4>No alerts</h4>}
          body={<p>This rule has reported no alerts in its recent runs.</p>}
          data-test-subj="ruleAlertsEmpty"
        />
      ) : (
        <EuiInMemoryTable<AlertRow>
          tableCaption="Alerts of this rule"
          items={items}
          itemId="id"
          columns={columns}
          loading={!summary.data && summary.loading}
          pagination={items.length > 10 ? { initialPageSize: 10, pageSizeOptions: [10, 25, 50] } : undefined}
          noItemsMessage={summary.loading ? 'Loading alerts…' : 'No alerts'}
          rowProps={(alert: AlertRow) => ({ 'data-test-subj': `alertRow-${alert.id}` })}
          data-test-subj="ruleAlertsTable"
        />
      )}
    </RuleSection>
  );
}
