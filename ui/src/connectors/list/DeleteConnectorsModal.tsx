import { EuiCallOut, EuiConfirmModal, EuiSpacer, useGeneratedHtmlId } from '@elastic/eui';
import { useState } from 'react';
import { deleteConnector } from '../../api/endpoints.js';
import type { Connector } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import { useToasts } from '../../app/toasts.js';

const connectorsNoun = (n: number) => `${n} ${n === 1 ? 'connector' : 'connectors'}`;
const rulesNoun = (n: number) => `${n} ${n === 1 ? 'rule' : 'rules'}`;
// Past this many, the body names the first ones and counts the others.
const NAMES_SHOWN = 10;

interface DeleteConnectorsModalProps {
  connectors: Connector[];
  onCancel(): void;
  /** After the deletions were tried (some may have failed; the toasts say which). */
  onDone(): void;
}

/** Confirms the deletion of one or more connectors, warning about those rules still use. */
export function DeleteConnectorsModal({ connectors, onCancel, onDone }: DeleteConnectorsModalProps) {
  const { spaceId } = useSpace();
  const toasts = useToasts();
  const titleId = useGeneratedHtmlId({ prefix: 'deleteConnectorsTitle' });
  const [busy, setBusy] = useState(false);
  const count = connectors.length;
  const inUse = connectors.filter((c) => (c.referenced_by_count ?? 0) > 0);

  const confirm = async () => {
    setBusy(true);
    const results = await Promise.allSettled(connectors.map((c) => deleteConnector(spaceId, c.id)));
    const failures = results.flatMap((result, i) =>
      result.status === 'rejected' ? [{ name: connectors[i].name, message: (result.reason as Error).message }] : [],
    );
    const deleted = count - failures.length;
    if (deleted > 0) toasts.success(`Deleted ${connectorsNoun(deleted)}`);
    if (failures.length === 1) toasts.danger(`Failed to delete '${failures[0].name}'`, failures[0].message);
    else if (failures.length > 1) {
      toasts.danger(`Failed to delete ${connectorsNoun(failures.length)}`, failures.map((f) => `${f.name}: ${f.message}`).join('; '));
    }
    onDone();
  };

  const shown = connectors.slice(0, NAMES_SHOWN);
  return (
    <EuiConfirmModal
      data-test-subj="deleteConnectorsConfirm"
      aria-labelledby={titleId}
      titleProps={{ id: titleId }}
      title={`Delete ${connectorsNoun(count)}`}
      // While the requests run, closing would hide whether they succeeded.
      onCancel={() => !busy && onCancel()}
      onConfirm={confirm}
      isLoading={busy}
      cancelButtonText="Cancel"
      confirmButtonText={`Delete ${connectorsNoun(count)}`}
      buttonColor="danger"
      defaultFocusedButton="cancel"
    >
      {inUse.length > 0 && (
        <>
          <EuiCallOut
            size="s"
            color="warning"
            iconType="warning"
            data-test-subj="deleteInUseWarning"
            title={inUse.length === 1 ? `${inUse[0].name} is in use` : `${connectorsNoun(inUse.length)} are in use`}
          >
            {inUse.length === 1 ? (
              <p>
                {inUse[0].name} is used by {rulesNoun(inUse[0].referenced_by_count ?? 0)}. Their actions with this connector will fail.
              </p>
            ) : (
              <>
                <ul>
                  {inUse.map((c) => (
                    <li key={c.id}>
                      {c.name} is used by {rulesNoun(c.referenced_by_count ?? 0)}.
                    </li>
                  ))}
                </ul>
                <p>The actions of these rules with a deleted connector will fail.</p>
              </>
            )}
          </EuiCallOut>
          <EuiSpacer size="m" />
        </>
      )}
      {count === 1 ? (
        <p>
          <strong>{connectors[0].name}</strong> will be deleted. You can't recover a deleted connector.
        </p>
      ) : (
        <>
          <p>These connectors will be deleted. You can't recover deleted connectors.</p>
          <ul>
            {shown.map((c) => (
              <li key={c.id}>{c.name}</li>
            ))}
            {count > shown.length && <li>and {count - shown.length} more</li>}
          </ul>
        </>
      )}
    </EuiConfirmModal>
  );
}
