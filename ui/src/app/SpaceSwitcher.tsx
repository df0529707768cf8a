import { EuiSuperSelect, EuiAvatar, EuiFlexGroup, EuiFlexItem } from '@elastic/eui';
import { useLocation, useNavigate } from 'react-router-dom';
import { listSpaces } from '../api/endpoints.js';
import { spacePrefix } from '../api/http.js';
import { useAsync } from '../lib/use_async.js';
import { useSpace } from './space.js';

/** Switches the space the pages show, keeping the page (the connector deep link is dropped). */
export function SpaceSwitcher() {
  const { spaceId } = useSpace();
  const navigate = useNavigate();
  const location = useLocation();
  const spaces = useAsync(listSpaces, []);
  const list = spaces.data ?? [{ id: spaceId, name: spaceId }];
  const page = location.pathname.replace(/^\/s\/[^/]+/, '').startsWith('/logs') ? '/logs' : '/connectors';
  return (
    <EuiSuperSelect
      compressed
      aria-label="Space"
      data-test-subj="spaceSwitcher"
      isLoading={spaces.loading}
      valueOfSelected={spaceId}
      onChange={(id) => navigate(`${spacePrefix(id)}${page}`)}
      options={list.map((space) => ({
        value: space.id,
        'data-test-subj': `spaceOption-${space.id}`,
        inputDisplay: (
          <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false}>
            <EuiFlexItem grow={false}>
              <EuiAvatar type="space" size="s" name={space.name} initials={space.initials} color={space.color} />
            </EuiFlexItem>
            <EuiFlexItem>{space.name}</EuiFlexItem>
          </EuiFlexGroup>
        ),
      }))}
    />
  );
}
