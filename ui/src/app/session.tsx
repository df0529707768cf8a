import { createContext, useContext, type ReactNode } from 'react';
import type { CurrentUser } from '../api/types.js';

const SessionContext = createContext<CurrentUser | undefined>(undefined);

export function SessionProvider({ user, children }: { user: CurrentUser; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

/** The logged-in user (only below the app's session gate). */
export function useCurrentUser(): CurrentUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useCurrentUser outside SessionProvider');
  return user;
}
