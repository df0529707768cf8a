// xpack.actions.allowedHosts: an exact hostname match, or the single entry `*`.

export const ALLOWED_HOSTS_SETTING = 'xpack.actions.allowedHosts';

export class AllowedHosts {
  private readonly any: boolean;
  private readonly hosts: Set<string>;

  constructor(list: string[]) {
    this.any = list.includes('*');
    this.hosts = new Set(list.map((h) => h.toLowerCase()));
  }

  isHostnameAllowed(hostname: string): boolean {
    return this.any || this.hosts.has(hostname.toLowerCase());
  }

  isUriAllowed(uri: string): boolean {
    const hostname = hostnameOf(uri);
    return hostname !== undefined && this.isHostnameAllowed(hostname);
  }

  ensureUriAllowed(uri: string): void {
    if (!this.isUriAllowed(uri)) {
      throw new Error(`target url "${uri}" is not added to the Kibana config ${ALLOWED_HOSTS_SETTING}`);
    }
  }

  ensureHostnameAllowed(hostname: string): void {
    if (!this.isHostnameAllowed(hostname)) {
      throw new Error(`target hostname "${hostname}" is not added to the Kibana config ${ALLOWED_HOSTS_SETTING}`);
    }
  }
}

/**
 * Lets every host through while noting the ones `policy` refuses. Preconfigured connectors are
 * validated with it at start-up: Kibana starts with a connector whose host is not allowed and
 * refuses it only when it runs, so only its other faults may stop start-up.
 */
export class AllowedHostsRecorder extends AllowedHosts {
  readonly refused = new Set<string>();

  constructor(private readonly policy: AllowedHosts) {
    super(['*']);
  }

  override isHostnameAllowed(hostname: string): boolean {
    if (!this.policy.isHostnameAllowed(hostname)) this.refused.add(hostname);
    return true;
  }
}

/** The hostname of a URL (IPv6 without brackets), or undefined when it has none. */
export function hostnameOf(uri: string): string | undefined {
  try {
    const { hostname } = new URL(uri);
    if (!hostname) return undefined;
    return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  } catch {
    return undefined;
  }
}
