import { EuiAvatar, EuiFlexGroup, EuiFlexItem, EuiSuperSelect } from '@elastic/eui';
import { useLocation, useNavigate } from 'react-router-dom';
import { spacePrefix } from '../api/http.js';
import type { Space } from '../api/types.js';
import { useSpaces } from './session.js';
import { pageOf, useSpace } from './space.js';

/** A space's avatar and whole name (a long one wraps in the list rather than being cut). */
function SpaceLabel({ space }: { space: Space }) {
  return (
    <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false}>
      <EuiFlexItem grow={false}>
        <EuiAvatar type="space" size="s" name={space.name} initials={space.initials} color={space.color} />
      </EuiFlexItem>
      <EuiFlexItem grow={false} style={{ minWidth: 0, overflowWrap: 'anywhere' }} data-test-subj="spaceName">
        {space.name}
      </EuiFlexItem>
    </EuiFlexGroup>
  );
}

/** Switches the space the pages show, keeping the page (the connector deep link is dropped). */
export function SpaceSwitcher() {
  const { spaceId } = useSpace();
  const navigate = useNavigate();
  const location = useLocation();
  const spaces = useSpaces();
  return (
    <EuiSuperSelect
      compressed
      aria-label="Space"
      data-test-subj="spaceSwitcher"
      valueOfSelected={spaceId}
      onChange={(id) => navigate(`${spacePrefix(id)}${pageOf(location.pathname)}`)}
      // The list is at least as wide as a usual name needs, whatever the width of the button.
      popoverProps={{ panelMinWidth: 240, anchorPosition: 'downRight' }}
      options={(spaces.data ?? []).map((space) => ({
        value: space.id,
        'data-test-subj': `spaceOption-${space.id}`,
        inputDisplay: <SpaceLabel space={space} />,
      }))}
    />
  );
}
