import {
  EuiAvatar,
  EuiButtonEmpty,
  EuiHeader,
  EuiIcon,
  EuiLink,
  EuiHeaderSection,
  EuiHeaderSectionItem,
  EuiHeaderSectionItemButton,
  EuiPageTemplate,
  EuiPopover,
  EuiSideNav,
  EuiText,
  EuiTitle,
  EuiFlexGroup,
  EuiFlexItem,
  EuiSpacer,
} from '@elastic/eui';
import { useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { signOut, useCurrentUser } from './session.js';
import { useSpace } from './space.js';
import { SpaceSwitcher } from './SpaceSwitcher.js';

const PAGES = [
  { id: 'connectors', name: 'Connectors', path: '/connectors' },
  { id: 'rules', name: 'Rules', path: '/rules' },
  { id: 'alerts', name: 'Alerts', path: '/alerts' },
  { id: 'logs', name: 'Logs', path: '/logs' },
];

/** The frame of every page: header (logo, space, user) and the side navigation. */
export function Layout({ children }: { children: ReactNode }) {
  const { href, rules } = useSpace();
  const navigate = useNavigate();
  const location = useLocation();
  const [navOpen, setNavOpen] = useState(false);
  const current = PAGES.find((p) => location.pathname.endsWith(p.path) || location.pathname.includes(`${p.path}/`));
  return (
    <>
      <EuiHeader position="fixed" data-test-subj="appHeader">
        <EuiHeaderSection>
          <EuiHeaderSectionItem>
            <EuiLink
              href={href('/connectors')}
              onClick={(e: React.MouseEvent) => (e.preventDefault(), navigate(href('/connectors')))}
              color="text"
              style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '0 12px' }}
            >
              <EuiIcon type="plugs" size="l" />
              <EuiTitle size="xxs">
                <span>Plugboard</span>
              </EuiTitle>
            </EuiLink>
          </EuiHeaderSectionItem>
        </EuiHeaderSection>
        <EuiHeaderSection side="right">
          <EuiHeaderSectionItem>
            <SpaceSwitcher />
          </EuiHeaderSectionItem>
          <EuiHeaderSectionItem>
            <UserMenu />
          </EuiHeaderSectionItem>
        </EuiHeaderSection>
      </EuiHeader>
      <EuiPageTemplate panelled restrictWidth={false} offset={48} grow>
        <EuiPageTemplate.Sidebar sticky minWidth={200}>
          <EuiSideNav
            aria-label="Plugboard"
            mobileTitle="Menu"
            toggleOpenOnMobile={() => setNavOpen(!navOpen)}
            isOpenOnMobile={navOpen}
            items={[
              {
                id: 'management',
                name: 'Stack Management',
                items: PAGES.filter((page) => (page.id !== 'rules' && page.id !== 'alerts') || rules.show).map((page) => ({
                  id: page.id,
                  name: page.name,
                  isSelected: current?.id === page.id,
                  href: href(page.path),
                  'data-test-subj': `nav-${page.id}`,
                  onClick: (e: React.MouseEvent) => {
                    e.preventDefault();
                    setNavOpen(false);
                    navigate(href(page.path));
                  },
                })),
              },
            ]}
          />
        </EuiPageTemplate.Sidebar>
        {children}
      </EuiPageTemplate>
    </>
  );
}

function UserMenu() {
  const user = useCurrentUser();
  const [open, setOpen] = useState(false);
  const name = user.full_name || user.username;
  return (
    <EuiPopover
      isOpen={open}
      closePopover={() => setOpen(false)}
      anchorPosition="downRight"
      button={
        <EuiHeaderSectionItemButton aria-label={`Account menu of ${name}`} onClick={() => setOpen(!open)} data-test-subj="userMenuButton">
          <EuiAvatar name={name} size="s" />
        </EuiHeaderSectionItemButton>
      }
    >
      <EuiFlexGroup direction="column" gutterSize="s" style={{ minWidth: 200 }}>
        <EuiFlexItem>
          <EuiText size="s">
            <strong data-test-subj="currentUsername">{name}</strong>
            <div>{user.roles.join(', ')}</div>
          </EuiText>
        </EuiFlexItem>
        <EuiSpacer size="xs" />
        <EuiFlexItem>
          <EuiButtonEmpty iconType="logOut" onClick={signOut} data-test-subj="logoutButton" flush="left">
            Log out
          </EuiButtonEmpty>
        </EuiFlexItem>
      </EuiFlexGroup>
    </EuiPopover>
  );
}
