import {
  EuiButton,
  EuiCallOut,
  EuiFieldPassword,
  EuiFieldText,
  EuiFlexGroup,
  EuiFlexItem,
  EuiForm,
  EuiFormRow,
  EuiIcon,
  EuiPanel,
  EuiSpacer,
  EuiTitle,
} from '@elastic/eui';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { login } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';

const MESSAGES: Record<string, string> = {
  LOGGED_OUT: 'You have logged out.',
  SESSION_EXPIRED: 'Your session has timed out. Please log in again.',
};

/** Kibana's basic login form; the session cookie it gets back authenticates the app. */
export function LoginPage() {
  const [search] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const notice = MESSAGES[search.get('msg') ?? ''];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!username || !password) {
      setError(!username ? 'Username is required.' : 'Password is required.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const { location } = await login(username, password);
      window.location.assign(location);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.statusCode === 401) setError('Username or password is incorrect. Please try again.');
      else if (err instanceof ApiError && err.statusCode === 429) setError(err.message);
      else setError(`Could not log in: ${(err as Error).message}`);
    }
  };

  return (
    <EuiFlexGroup justifyContent="center" alignItems="center" style={{ minHeight: '100vh', padding: 16 }}>
      <EuiFlexItem style={{ maxWidth: 420 }}>
        <EuiFlexGroup direction="column" alignItems="center" gutterSize="s">
          <EuiIcon type="plugs" size="xxl" />
          <EuiTitle size="m">
            <h1>Welcome to Plugboard</h1>
          </EuiTitle>
        </EuiFlexGroup>
        <EuiSpacer />
        <EuiPanel>
          {notice && !error && (
            <>
              <EuiCallOut size="s" title={notice} data-test-subj="loginNotice" />
              <EuiSpacer size="m" />
            </>
          )}
          {error && (
            <>
              <EuiCallOut size="s" color="danger" iconType="warning" title={error} data-test-subj="loginError" role="alert" />
              <EuiSpacer size="m" />
            </>
          )}
          <EuiForm component="form" onSubmit={submit} data-test-subj="loginForm">
            <EuiFormRow label="Username">
              <EuiFieldText
                name="username"
                autoComplete="username"
                autoFocus
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                data-test-subj="loginUsername"
              />
            </EuiFormRow>
            <EuiFormRow label="Password">
              <EuiFieldPassword
                name="password"
                type="dual"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                data-test-subj="loginPassword"
              />
            </EuiFormRow>
            <EuiSpacer />
            <EuiButton type="submit" fill fullWidth isLoading={busy} data-test-subj="loginSubmit">
              Log in
            </EuiButton>
          </EuiForm>
        </EuiPanel>
      </EuiFlexItem>
    </EuiFlexGroup>
  );
}
