import { EuiToolTip } from '@elastic/eui';
import type { ReactElement } from 'react';

/** A control the user may not use, with a tooltip that says why; the control alone when there is no reason. */
export function WhyDisabled({ reason, children, testSubj }: { reason?: string; children: ReactElement; testSubj?: string }) {
  if (!reason) return children;
  return (
    <EuiToolTip content={reason} anchorProps={{ 'data-test-subj': testSubj }}>
      {children}
    </EuiToolTip>
  );
}
