import { createContext, useContext, type ReactNode } from 'react';
import { spacePrefix } from '../api/http.js';

export interface SpaceContextValue {
  spaceId: string;
  /** A UI path in this space: `/connectors` → `/s/{space}/connectors` outside the default space. */
  href(path: string): string;
}

const SpaceContext = createContext<SpaceContextValue>({ spaceId: 'default', href: (p) => p });

export function SpaceProvider({ spaceId, children }: { spaceId: string; children: ReactNode }) {
  return <SpaceContext.Provider value={{ spaceId, href: (p) => `${spacePrefix(spaceId)}${p}` }}>{children}</SpaceContext.Provider>;
}

export const useSpace = () => useContext(SpaceContext);
