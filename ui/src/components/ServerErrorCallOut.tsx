import { EuiCallOut, EuiSpacer } from '@elastic/eui';

/** Server messages can be long and hold newlines (zod's lists): they wrap anywhere and keep them. */
export const MESSAGE_STYLE = { overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' } as const;

/** The server's refusal of a change, with its message whole; nothing when there is none. */
export function ServerErrorCallOut({ title, message, testSubj }: { title: string; message?: string; testSubj: string }) {
  if (!message) return null;
  return (
    <>
      <EuiCallOut color="danger" iconType="error" title={title} data-test-subj={testSubj} role="alert">
        <p style={MESSAGE_STYLE}>{message}</p>
      </EuiCallOut>
      <EuiSpacer size="m" />
    </>
  );
}
