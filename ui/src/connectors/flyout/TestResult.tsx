import { EuiAccordion, EuiCallOut, EuiCodeBlock, EuiFlexGroup, EuiFlexItem, EuiLoadingSpinner, EuiSpacer, EuiText } from '@elastic/eui';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExecuteResult } from '../../api/types.js';
import { MESSAGE_STYLE } from '../../components/ServerErrorCallOut.js';

export type TestRun =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done'; result: ExecuteResult }
  | { status: 'failed'; error: Error };

/** One test run at a time; an answer that arrives after the flyout closed is dropped. */
export function useTestRun(): [TestRun, (call: () => Promise<ExecuteResult>) => Promise<void>, () => void] {
  const [run, setRun] = useState<TestRun>({ status: 'idle' });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const start = useCallback(async (call: () => Promise<ExecuteResult>) => {
    setRun({ status: 'running' });
    try {
      const result = await call();
      if (mounted.current) setRun({ status: 'done', result });
    } catch (error) {
      if (mounted.current) setRun({ status: 'failed', error: error as Error });
    }
  }, []);
  const clear = useCallback(() => setRun({ status: 'idle' }), []);
  return [run, start, clear];
}

/**
 * The result of a test, as Kibana's Test tab shows it: awaiting, success ("ensure the results
 * are what you expect") or failure with the error message and the service's own message.
 * Used by the Test tab and by the create flyout's test before saving.
 */
export function TestResult({ run }: { run: TestRun }) {
  // A run's progress and result may be below the fold (a long form above): brought into view.
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (run.status !== 'idle') box.current?.scrollIntoView({ block: 'nearest' });
  }, [run]);
  return (
    <div ref={box} aria-live="polite" data-test-subj="testResult">
      {run.status === 'idle' && (
        <EuiText size="s" color="subdued" data-test-subj="testResultAwaiting">
          <p>When you run the test, the result shows up here.</p>
        </EuiText>
      )}
      {run.status === 'running' && (
        <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false} data-test-subj="testResultRunning">
          <EuiFlexItem grow={false}>
            <EuiLoadingSpinner size="m" />
          </EuiFlexItem>
          <EuiFlexItem>
            <EuiText size="s">
              <p>Running the test…</p>
            </EuiText>
          </EuiFlexItem>
        </EuiFlexGroup>
      )}
      {run.status === 'done' && run.result.status === 'ok' && (
        <EuiCallOut color="success" iconType="check" title="Action was successful" data-test-subj="testResultSuccess">
          <p>Ensure that the results are what you expect.</p>
          {run.result.data !== undefined && run.result.data !== null && (
            <EuiAccordion id="testResultData" buttonContent="Response data" paddingSize="s">
              <EuiCodeBlock language="json" fontSize="s" paddingSize="s" isCopyable overflowHeight={240} data-test-subj="testResultData">
                {JSON.stringify(run.result.data, null, 2)}
              </EuiCodeBlock>
            </EuiAccordion>
          )}
        </EuiCallOut>
      )}
      {run.status === 'done' && run.result.status === 'error' && (
        <Failure message={run.result.message ?? 'The connector reported an error.'} serviceMessage={run.result.service_message} />
      )}
      {run.status === 'failed' && <Failure message={run.error.message} />}
    </div>
  );
}

function Failure({ message, serviceMessage }: { message: string; serviceMessage?: string }) {
  return (
    <EuiCallOut color="danger" iconType="warning" title="Action failed to run" data-test-subj="testResultError">
      <p data-test-subj="testResultMessage" style={MESSAGE_STYLE}>
        {message}
      </p>
      {serviceMessage && (
        <>
          <EuiSpacer size="s" />
          <EuiText size="xs">
            <strong>Details from the service</strong>
          </EuiText>
          <p data-test-subj="testResultServiceMessage" style={MESSAGE_STYLE}>
            {serviceMessage}
          </p>
        </>
      )}
    </EuiCallOut>
  );
}
