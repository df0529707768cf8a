import { EuiFlexGroup, EuiFlexItem, EuiPanel, EuiSpacer, EuiTitle } from '@elastic/eui';
import type { ReactNode } from 'react';

/** One titled panel of the rule details page. */
export function RuleSection({ title, testSubj, children }: { title: string; testSubj: string; children: ReactNode }) {
  return (
    <EuiPanel hasBorder data-test-subj={testSubj}>
      <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false}>
        <EuiFlexItem>
          <EuiTitle size="xs">
            <h3>{title}</h3>
          </EuiTitle>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      {children}
    </EuiPanel>
  );
}
