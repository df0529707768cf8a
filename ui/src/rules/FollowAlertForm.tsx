import { EuiFieldText, EuiFlexGroup, EuiFlexItem, EuiFormRow, EuiSelect, EuiSwitch } from '@elastic/eui';
import type { FollowAlert } from '../api/types.js';
import { IntervalInput } from './controls.js';

// A ticketing action's `follow_alert` (Plugboard's): its ticket is updated while the alert fires,
// commented and closed when it resolves, and reopened or replaced when it fires again.

const DEFAULT_FOLLOW: FollowAlert = { reopen_within: '24h', resolve: 'close' };

const RESOLVE_OPTIONS: Array<{ value: FollowAlert['resolve']; text: string }> = [
  { value: 'close', text: 'Comment and close the ticket' },
  { value: 'comment', text: 'Only comment' },
  { value: 'none', text: 'Leave the ticket as it is' },
];

const AFTER_CLOSE_OPTIONS = [
  { value: 'reopen', text: 'Reopen it when closed within' },
  { value: 'new', text: 'Always open a new ticket' },
];

/** The switch, and when on, what happens on resolve and when a closed ticket's alert fires again. */
export function FollowAlertForm({ value, onChange }: { value: FollowAlert | undefined; onChange(next: FollowAlert | undefined): void }) {
  const set = (next: Partial<FollowAlert>) => onChange({ ...value!, ...next });
  return (
    <>
      <EuiFormRow fullWidth helpText="One ticket per alert: updated while it fires instead of a new one each time.">
        <EuiSwitch
          label="Follow the alert: update its ticket and close it on resolve"
          checked={value !== undefined}
          onChange={(e) => onChange(e.target.checked ? DEFAULT_FOLLOW : undefined)}
          data-test-subj="followAlertSwitch"
        />
      </EuiFormRow>
      {value && (
        <EuiFlexGroup gutterSize="m" wrap>
          <EuiFlexItem style={{ minWidth: 200 }}>
            <EuiFormRow label="When the alert resolves" fullWidth>
              <EuiSelect fullWidth options={RESOLVE_OPTIONS} value={value.resolve} onChange={(e) => set({ resolve: e.target.value as FollowAlert['resolve'] })} data-test-subj="followAlertResolveSelect" />
            </EuiFormRow>
          </EuiFlexItem>
          <EuiFlexItem style={{ minWidth: 200 }}>
            <EuiFormRow label="When it fires again after a close" fullWidth>
              <EuiSelect
                fullWidth
                options={AFTER_CLOSE_OPTIONS}
                value={value.reopen_within === null ? 'new' : 'reopen'}
                onChange={(e) => set({ reopen_within: e.target.value === 'new' ? null : DEFAULT_FOLLOW.reopen_within })}
                data-test-subj="followAlertAfterCloseSelect"
              />
            </EuiFormRow>
            {value.reopen_within !== null && (
              <IntervalInput value={value.reopen_within} onChange={(reopen_within) => set({ reopen_within })} label="Reopen window" testSubj="followAlertReopenWithin" />
            )}
          </EuiFlexItem>
          {value.resolve !== 'none' && (
            <EuiFlexItem style={{ minWidth: 300 }}>
              <EuiFormRow label="Resolve comment" fullWidth helpText="Mustache variables as in the message; empty: the default comment.">
                <EuiFieldText
                  fullWidth
                  value={value.resolve_comment ?? ''}
                  placeholder="Resolved: alert {{alert.id}} of rule {{rule.name}} recovered at {{date}}."
                  onChange={(e) => {
                    const { resolve_comment: _old, ...rest } = value;
                    onChange(e.target.value === '' ? rest : { ...rest, resolve_comment: e.target.value });
                  }}
                  data-test-subj="followAlertResolveComment"
                />
              </EuiFormRow>
            </EuiFlexItem>
          )}
        </EuiFlexGroup>
      )}
    </>
  );
}

/** How the rule details page says it: `follows the alert (close on resolve, reopen within 24h)`. */
export function describeFollowAlert(follow: FollowAlert): string {
  const resolve = { close: 'close on resolve', comment: 'comment on resolve', none: 'nothing on resolve' }[follow.resolve];
  return `follows the alert (${resolve}, ${follow.reopen_within === null ? 'a new ticket after a close' : `reopen within ${follow.reopen_within}`})`;
}
