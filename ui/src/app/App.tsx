import { EuiEmptyPrompt, EuiLoadingSpinner } from '@elastic/eui';
import { useEffect } from 'react';
import { Navigate, Route, Routes, useMatch, useNavigate, useParams } from 'react-router-dom';
import { getCurrentUser } from '../api/endpoints.js';
import { ApiError, onUnauthorized } from '../api/http.js';
import { ConnectorsPage } from '../connectors/ConnectorsPage.js';
import { useAsync } from '../lib/use_async.js';
import { LoginPage } from '../login/LoginPage.js';
import { LogsPage } from '../logs/LogsPage.js';
import { Layout } from './Layout.js';
import { SessionProvider } from './session.js';
import { SpaceProvider } from './space.js';
import { ToastsProvider } from './toasts.js';

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
  return (
    <SpaceProvider spaceId={spaceId}>
      <Layout>
        <Routes>
          <Route index element={<Navigate to="connectors" replace />} />
          <Route path="connectors" element={<ConnectorsPage />} />
          <Route path="connectors/:connectorId" element={<ConnectorsPage />} />
          <Route path="logs" element={<LogsPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </SpaceProvider>
  );
}

/** Pages need a session: without one (a 401 anywhere), the login page, then back here. */
function SessionGate({ children }: { children: React.ReactNode }) {
  const navigate = useNavigate();
  const me = useAsync(getCurrentUser, []);
  useEffect(() => {
    const toLogin = () => {
      const next = `${window.location.pathname}${window.location.search}${window.location.hash}`;
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
    };
    if (me.error instanceof ApiError && me.error.statusCode === 401) toLogin();
    return onUnauthorized(toLogin);
  }, [me.error, navigate]);
  if (me.data) return <SessionProvider user={me.data}>{children}</SessionProvider>;
  if (me.error && !(me.error instanceof ApiError && me.error.statusCode === 401)) {
    return <EuiEmptyPrompt color="danger" iconType="warning" title={<h2>Plugboard cannot be reached</h2>} body={<p>{me.error.message}</p>} />;
  }
  return (
    <EuiEmptyPrompt icon={<EuiLoadingSpinner size="xl" />} title={<h2>Loading Plugboard</h2>} data-test-subj="appLoading" />
  );
}

function NotFound() {
  return <EuiEmptyPrompt iconType="search" title={<h2>Page not found</h2>} body={<p>There is no page at this address.</p>} />;
}
