import { EuiButton, EuiCallOut, EuiSpacer } from '@elastic/eui';
import type { AsyncState } from '../lib/use_async.js';

/** A load that failed: the server's message and a way to try again (nothing when it did not fail). */
export function LoadErrorCallOut({ title, state, testSubj }: { title: string; state: AsyncState<unknown>; testSubj: string }) {
  if (!state.error) return null;
  return (
    <>
      <EuiCallOut color="danger" iconType="error" title={title} data-test-subj={testSubj} role="alert">
        <p>{state.error.message}</p>
        <EuiButton size="s" color="danger" onClick={state.reload} isLoading={state.loading}>
          Try again
        </EuiButton>
      </EuiCallOut>
      <EuiSpacer />
    </>
  );
}
