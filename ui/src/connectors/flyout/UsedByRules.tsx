import { EuiCallOut, EuiLink, EuiSpacer } from '@elastic/eui';
import { useNavigate } from 'react-router-dom';
import { findRules } from '../../api/endpoints.js';
import { useSpace } from '../../app/space.js';
import { useAsync } from '../../lib/use_async.js';

/** The rules with an action on this connector, each a link to its page; nothing when there is none. */
export function UsedByRules({ connectorId }: { connectorId: string }) {
  const { spaceId, href, rules: mayRead } = useSpace();
  const navigate = useNavigate();
  // A user without access to rules is not asked (the server would refuse).
  const rules = useAsync(async () => (mayRead.show ? (await findRules(spaceId, { connectorId })).data : []), [spaceId, connectorId, mayRead.show]);
  const list = rules.data ?? [];
  if (list.length === 0) return null;
  return (
    <>
      <EuiCallOut size="s" iconType="bell" title={`Used by ${list.length} ${list.length === 1 ? 'rule' : 'rules'}`} data-test-subj="connectorUsedByRules">
        <p>
          {list.map((rule, i) => {
            const to = href(`/rules/${encodeURIComponent(rule.id)}`);
            return (
              <span key={rule.id}>
                {i > 0 && ', '}
                <EuiLink href={to} onClick={(e: React.MouseEvent) => (e.preventDefault(), navigate(to))} data-test-subj="connectorRuleLink">
                  {rule.name}
                </EuiLink>
              </span>
            );
          })}
        </p>
      </EuiCallOut>
      <EuiSpacer size="m" />
    </>
  );
}
