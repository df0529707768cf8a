import { EuiButton, EuiEmptyPrompt, EuiLoadingSpinner } from '@elastic/eui';
import { useEffect, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useMatch, useNavigate, useParams } from 'react-router-dom';
import { getCurrentUser, listSpaces } from '../api/endpoints.js';
import { AlertsPage } from '../alerts/AlertsPage.js';
import { ApiError, onUnauthorized, spacePrefix } from '../api/http.js';
import { ConnectorsPage } from '../connectors/ConnectorsPage.js';
import { useAsync } from '../lib/use_async.js';
import { LoginPage } from '../login/LoginPage.js';
import { LogsPage } from '../logs/LogsPage.js';
import { RuleDetailsPage } from '../rules/RuleDetailsPage.js';
import { RulesPage } from '../rules/RulesPage.js';
import { Layout } from './Layout.js';
import { SessionProvider, signOut, useSpaces } from './session.js';
import { pageOf, SpaceProvider } from './space.js';
import { ToastsProvider, useToasts } from './toasts.js';

/**
 * The app's pages; the same ones under `/s/{space}/…` for other spaces. The session is checked
 * once, outside the space routes, so switching spaces does not ask for it again.
 */
export function App() {
  const onLoginPage = useMatch('/login') !== null;
  return (
    <ToastsProvider>
      {onLoginPage ? (
        <LoginPage />
      ) : (
        <SessionGate>
          <Routes>
            <Route path="/s/:spaceId/*" element={<SpacePages />} />
            <Route path="/*" element={<SpacePages />} />
          </Routes>
        </SessionGate>
      )}
    </ToastsProvider>
  );
}

function SpacePages() {
  const { spaceId = 'default' } = useParams();
  const spaces = useSpaces();
  if (!spaces.data?.some((space) => space.id === spaceId)) return <LeaveUnknownSpace spaceId={spaceId} />;
  return (
    <SpaceProvider spaceId={spaceId}>
      <Layout>
        <Routes>
          <Route index element={<Navigate to="connectors" replace />} />
          <Route path="connectors" element={<ConnectorsPage />} />
          <Route path="connectors/:connectorId" element={<ConnectorsPage />} />
          <Route path="rules" element={<RulesPage />} />
          <Route path="rules/:ruleId" element={<RuleDetailsPage />} />
          <Route path="logs" element={<LogsPage />} />
          <Route path="alerts" element={<AlertsPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </SpaceProvider>
  );
}

const isUnauthorized = (error: Error | undefined) => error instanceof ApiError && error.statusCode === 401;

/** Pages need a session: without one (a 401 anywhere), the login page, then back here. */
function SessionGate({ children }: { children: React.ReactNode }) {
  const navigate = useNavigate();
  const me = useAsync(getCurrentUser, []);
  const spaces = useAsync(listSpaces, []);
  const error = me.error ?? spaces.error;
  useEffect(() => {
    const toLogin = () => {
      const next = `${window.location.pathname}${window.location.search}${window.location.hash}`;
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
    };
    if (isUnauthorized(error)) toLogin();
    return onUnauthorized(toLogin);
  }, [error, navigate]);
  if (me.data && spaces.data) return <SessionProvider user={me.data} spaces={spaces}>{children}</SessionProvider>;
  if (error && !isUnauthorized(error)) {
    return <EuiEmptyPrompt color="danger" iconType="warning" title={<h2>Plugboard cannot be reached</h2>} body={<p>{error.message}</p>} />;
  }
  return <Loading />;
}

const Loading = () => <EuiEmptyPrompt icon={<EuiLoadingSpinner size="xl" />} title={<h2>Loading Plugboard</h2>} data-test-subj="appLoading" />;

/**
 * An address in a space the user cannot open (no privilege there, or no such space): once the
 * list of spaces is fresh (the space may be new), the same page in the first space they can
 * open. Landing on the default space without a privilege there is no mistake, so it goes unsaid.
 */
function LeaveUnknownSpace({ spaceId }: { spaceId: string }) {
  const spaces = useSpaces();
  const toasts = useToasts();
  const navigate = useNavigate();
  const location = useLocation();
  const [refreshed, setRefreshed] = useState(false);
  const { reload } = spaces;
  useEffect(() => {
    reload();
    setRefreshed(true);
  }, [reload, spaceId]);
  const target = refreshed && !spaces.loading ? spaces.data?.[0] : undefined;
  useEffect(() => {
    if (!target) return;
    if (location.pathname.startsWith('/s/')) toasts.danger(`You cannot open the space "${spaceId}"`, `Showing ${target.name} instead.`);
    navigate(`${spacePrefix(target.id)}${pageOf(location.pathname)}`, { replace: true });
    // Once per target: the address changes right after.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [target]);
  if (refreshed && !spaces.loading && spaces.data?.length === 0) {
    return (
      <EuiEmptyPrompt
        iconType="lock"
        title={<h2>No space to open</h2>}
        body={<p>Your role gives you no access to connectors in any space. Ask an administrator for a role, then log in again.</p>}
        actions={
          <EuiButton onClick={signOut} data-test-subj="logoutButton">
            Log out
          </EuiButton>
        }
        data-test-subj="noSpacePrompt"
      />
    );
  }
  return <Loading />;
}

function NotFound() {
  return <EuiEmptyPrompt iconType="search" title={<h2>Page not found</h2>} body={<p>There is no page at this address.</p>} />;
}
