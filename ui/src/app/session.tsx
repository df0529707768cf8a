import { createContext, useContext, type ReactNode } from 'react';
import { logout } from '../api/endpoints.js';
import type { CurrentUser, Space } from '../api/types.js';
import type { AsyncState } from '../lib/use_async.js';

interface Session {
  user: CurrentUser;
  /** The spaces the user may open, loaded with the session (reloaded when a page names another). */
  spaces: AsyncState<Space[]>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ user, spaces, children }: Session & { children: ReactNode }) {
  return <SessionContext.Provider value={{ user, spaces }}>{children}</SessionContext.Provider>;
}

function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The logged-in user (only below the app's session gate). */
export const useCurrentUser = (): CurrentUser => useSession().user;

/** The spaces the logged-in user may open. */
export const useSpaces = (): AsyncState<Space[]> => useSession().spaces;

/** Ends the session, then the login page (also when the server could not be told). */
export async function signOut(): Promise<void> {
  try {
    await logout();
  } finally {
    window.location.assign('/login?msg=LOGGED_OUT');
  }
}
