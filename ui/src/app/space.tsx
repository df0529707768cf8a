import { createContext, useContext, type ReactNode } from 'react';
import { getCapabilities } from '../api/endpoints.js';
import { spacePrefix } from '../api/http.js';
import type { ActionsCapabilities } from '../api/types.js';
import { useAsync } from '../lib/use_async.js';

/** What the user may do with connectors in the space; all false until known. */
export interface Permissions extends ActionsCapabilities {
  /** Why changes are refused, for the tooltips of what is disabled; undefined when they are not. */
  readOnlyReason?: string;
}

export interface SpaceContextValue {
  spaceId: string;
  /** A UI path in this space: `/connectors` → `/s/{space}/connectors` outside the default space. */
  href(path: string): string;
  permissions: Permissions;
  /** What the user may do with the space's rules; none until known. */
  rules: RulePermissions;
}

export interface RulePermissions {
  show: boolean;
  save: boolean;
  /** Why rule changes are refused, for the tooltips of what is disabled; undefined when they are not. */
  readOnlyReason?: string;
}

const NOTHING: Permissions = { show: false, execute: false, save: false, delete: false };
const EVERYTHING: Permissions = { show: true, execute: true, save: true, delete: true };
const READ_ONLY_REASON = 'Your role lets you view and test the connectors of this space, not change them.';
const RULES_READ_ONLY_REASON = 'Your role lets you view the rules of this space, not change them.';

const SpaceContext = createContext<SpaceContextValue>({ spaceId: 'default', href: (p) => p, permissions: NOTHING, rules: { show: false, save: false } });

export function SpaceProvider({ spaceId, children }: { spaceId: string; children: ReactNode }) {
  const capabilities = useAsync(() => getCapabilities(spaceId), [spaceId]);
  // Unknown capabilities (the request failed) leave the decision to the server, which says why it refuses.
  const actions = capabilities.data?.actions ?? (capabilities.error ? EVERYTHING : NOTHING);
  const permissions = { ...actions, readOnlyReason: capabilities.data && !actions.save ? READ_ONLY_REASON : undefined };
  const ruleCapabilities = capabilities.data?.rules ?? { show: !!capabilities.error, save: !!capabilities.error };
  const rules = { ...ruleCapabilities, readOnlyReason: capabilities.data && !ruleCapabilities.save ? RULES_READ_ONLY_REASON : undefined };
  return <SpaceContext.Provider value={{ spaceId, href: (p) => `${spacePrefix(spaceId)}${p}`, permissions, rules }}>{children}</SpaceContext.Provider>;
}

export const useSpace = () => useContext(SpaceContext);

/** The page of a UI path, for the same page in another space (a connector's deep link becomes the list). */
export function pageOf(pathname: string): '/logs' | '/rules' | '/alerts' | '/connectors' {
  const page = pathname.replace(/^\/s\/[^/]+/, '');
  return page.startsWith('/logs') ? '/logs' : page.startsWith('/rules') ? '/rules' : page.startsWith('/alerts') ? '/alerts' : '/connectors';
}
