import { EuiBadge, EuiBasicTable, EuiButton, EuiButtonEmpty, EuiCode, EuiConfirmModal, EuiFlexGroup, EuiFlexItem, EuiSpacer, type EuiBasicTableColumn } from '@elastic/eui';
import { Fragment, useState } from 'react';
import { expireSilence, listSilences } from '../api/endpoints.js';
import type { Silence } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useToasts } from '../app/toasts.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { WhyDisabled } from '../components/WhyDisabled.js';
import { useAsync } from '../lib/use_async.js';
import { usePoll } from '../lib/use_poll.js';
import { formatTime, matcherText, shortTime, SILENCE_STATE_COLORS, silenceText, SILENCES_READ_ONLY_REASON } from './format.js';

/** The space's silences (active, pending, expired), with create and expire. */
export function SilencesTab({ changes, onCreate, onChanged }: { changes: number; onCreate(): void; onChanged(): void }) {
  const { spaceId, rules } = useSpace();
  const permissions = { save: rules.save, readOnlyReason: rules.readOnlyReason && SILENCES_READ_ONLY_REASON };
  const toasts = useToasts();
  const silences = useAsync(() => listSilences(spaceId), [spaceId, changes]);
  usePoll(silences);
  const [toExpire, setToExpire] = useState<Silence>();

  const columns: Array<EuiBasicTableColumn<Silence>> = [
    {
      name: 'State',
      width: '100px',
      render: (s: Silence) => (
        <EuiBadge color={SILENCE_STATE_COLORS[s.status.state]} data-test-subj={`silenceState-${s.status.state}`}>
          {s.status.state}
        </EuiBadge>
      ),
    },
    {
      name: 'Matchers',
      render: (s: Silence) => (
        <span data-test-subj="silenceMatchers">
          {s.matchers.map((m, i) => (
            <Fragment key={i}>
              {i > 0 && ', '}
              <EuiCode style={{ overflowWrap: 'anywhere' }}>{matcherText(m)}</EuiCode>
            </Fragment>
          ))}
        </span>
      ),
    },
    { field: 'createdBy', name: 'Created by', width: '120px' },
    { field: 'comment', name: 'Comment', render: (comment: string) => <span style={{ overflowWrap: 'anywhere' }}>{comment}</span> },
    { name: 'Starts', width: '140px', render: (s: Silence) => <span title={formatTime(s.startsAt)}>{shortTime(s.startsAt)}</span> },
    { name: 'Ends', width: '140px', render: (s: Silence) => <span title={formatTime(s.endsAt)}>{shortTime(s.endsAt)}</span> },
    {
      name: 'Actions',
      width: '100px',
      render: (s: Silence) =>
        s.status.state === 'expired' ? null : (
          <WhyDisabled reason={permissions.readOnlyReason}>
            <EuiButtonEmpty size="xs" color="danger" iconType="clockCounter" isDisabled={!permissions.save} onClick={() => setToExpire(s)} data-test-subj="expireSilenceButton">
              Expire
            </EuiButtonEmpty>
          </WhyDisabled>
        ),
    },
  ];

  const expire = async (silence: Silence) => {
    setToExpire(undefined);
    try {
      await expireSilence(spaceId, silence.id);
      toasts.success('Silence expired', silenceText(silence));
    } catch (err) {
      toasts.danger('The silence could not be expired', (err as Error).message);
    }
    onChanged();
  };

  return (
    <>
      <EuiFlexGroup justifyContent="flexEnd">
        <EuiFlexItem grow={false}>
          <WhyDisabled reason={permissions.readOnlyReason}>
            <EuiButton fill iconType="plusCircle" isDisabled={!permissions.save} onClick={onCreate} data-test-subj="createSilenceButton">
              Create silence
            </EuiButton>
          </WhyDisabled>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="m" />
      <LoadErrorCallOut title="The silences could not be loaded" state={silences} testSubj="silencesLoadError" />
      <EuiBasicTable
        tableCaption="Silences"
        items={silences.data?.silences ?? []}
        itemId="id"
        columns={columns}
        loading={silences.loading && silences.data === undefined}
        noItemsMessage={silences.data === undefined ? 'Loading silences…' : 'No silences. Silence an alert from the Alerts tab, or create one here.'}
        rowProps={(s: Silence) => ({ 'data-test-subj': `silenceRow-${s.status.state}` })}
        data-test-subj="silencesTable"
      />
      {toExpire && (
        <EuiConfirmModal
          title="Expire this silence?"
          onCancel={() => setToExpire(undefined)}
          onConfirm={() => void expire(toExpire)}
          cancelButtonText="Cancel"
          confirmButtonText="Expire"
          buttonColor="danger"
          defaultFocusedButton="cancel"
          data-test-subj="expireSilenceModal"
        >
          <p>
            Alerts matching <EuiCode>{silenceText(toExpire)}</EuiCode> notify again from now on. An expired silence cannot be made active again.
          </p>
        </EuiConfirmModal>
      )}
    </>
  );
}
