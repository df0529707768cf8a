import { EuiLink } from '@elastic/eui';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';

/** A link to a page of the UI: followed in the app, or opened elsewhere with a modifier key. */
export function AppLink({ to, children, testSubj }: { to: string; children: ReactNode; testSubj?: string }) {
  const navigate = useNavigate();
  return (
    <EuiLink
      href={to}
      onClick={(e: React.MouseEvent) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(to);
      }}
      data-test-subj={testSubj}
    >
      {children}
    </EuiLink>
  );
}
