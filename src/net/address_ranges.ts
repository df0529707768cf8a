import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export const DENIED_ADDRESSES_SETTING = 'plugboard.net.deniedAddresses';
/** The link-local ranges, which hold cloud metadata endpoints (169.254.169.254, fd00:ec2::254 aside). */
export const DEFAULT_DENIED_ADDRESSES = ['169.254.0.0/16', 'fe80::/10'];

interface Range {
  cidr: string;
  list: BlockList;
}

function parseRange(cidr: string): Range | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!match) return undefined;
  const version = isIP(match[1]);
  const prefix = Number(match[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  const list = new BlockList();
  list.addSubnet(match[1], prefix, version === 4 ? 'ipv4' : 'ipv6');
  return { cidr: cidr.trim(), list };
}

/** True for `a.b.c.d/n` and `x:y::/n` with a prefix length that fits the address family. */
export function isCidr(value: string): boolean {
  return parseRange(value) !== undefined;
}

/** Refused before a connection is made: the address is in a denied range. */
export class DeniedAddressError extends Error {
  override name = 'DeniedAddressError';
  readonly code = 'EADDRDENIED';
  constructor(
    readonly address: string,
    readonly hostname: string,
    readonly range: string,
  ) {
    super(
      `connection to ${address}${hostname !== address ? ` (${hostname})` : ''} refused: the address is in ${range}, which ${DENIED_ADDRESSES_SETTING} denies`,
    );
  }
}

/** `::ffff:169.254.169.254` is the IPv4 address for this purpose. */
function normalize(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  const version = isIP(bare);
  if (version === 0) return undefined;
  return { address: bare, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Addresses whose answer rangeOf keeps; past this many it starts again. */
const RANGE_CACHE_SIZE = 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The SSRF guard: address ranges connectors may not reach. It is applied where the address is
 * known: to an IP literal before connecting, and to every address DNS returns for a hostname,
 * inside the lookup the socket uses, so a name that resolves into a denied range (or a
 * redirect to one) never gets a connection.
 */
export class DeniedAddresses {
  private readonly ranges: Range[];
  /**
   * Answers of rangeOf by address ('' for none): every request to an IP literal asks, and each
   * BlockList check builds a SocketAddress, which cost more than the rest of the request's checks.
   */
  private readonly rangeByAddress = new Map<string, string>();

  constructor(cidrs: string[]) {
    this.ranges = cidrs.map((cidr) => {
      const range = parseRange(cidr);
      if (!range) throw new Error(`${DENIED_ADDRESSES_SETTING}: "${cidr}" is not an address range such as 10.0.0.0/8 or fd00::/8`);
      return range;
    });
  }

  get enabled(): boolean {
    return this.ranges.length > 0;
  }

  /** The denied range that holds `address`, if any; undefined also for a non-address. */
  rangeOf(address: string): string | undefined {
    const known = this.rangeByAddress.get(address);
    if (known !== undefined) return known || undefined;
    const ip = normalize(address);
    const range = ip ? this.ranges.find((r) => r.list.check(ip.address, ip.family))?.cidr : undefined;
    if (this.rangeByAddress.size >= RANGE_CACHE_SIZE) this.rangeByAddress.clear();
    this.rangeByAddress.set(address, range ?? '');
    return range;
  }

  /** Throws DeniedAddressError when `hostname` is an IP literal in a denied range. */
  checkLiteral(hostname: string): void {
    const range = this.rangeOf(hostname);
    if (range) throw new DeniedAddressError(normalize(hostname)!.address, hostname, range);
  }

  /**
   * For a request the proxy connects: throws when `hostname` is a denied literal, or a name that
   * resolves here to a denied address. A name this machine cannot resolve is left to the proxy,
   * which often knows names the local resolver does not (Kibana hands every name to it).
   */
  async checkHostname(hostname: string): Promise<void> {
    if (!this.enabled) return;
    if (normalize(hostname)) return this.checkLiteral(hostname);
    const addresses = await new Promise<LookupAddress[]>((resolve) =>
      dnsLookup(hostname, { all: true }, (err, found) => resolve(err ? [] : found)),
    );
    this.assertAllowed(hostname, addresses);
  }

  private assertAllowed(hostname: string, addresses: LookupAddress[]): void {
    // One denied address refuses the name: picking the others would let DNS answers that
    // mix public and internal addresses through.
    for (const { address } of addresses) {
      const range = this.rangeOf(address);
      if (range) throw new DeniedAddressError(address, hostname, range);
    }
  }

  /** A `lookup` for net.connect / tls.connect that refuses denied addresses. */
  readonly lookup = (hostname: string, options: LookupAllOptions | number | object, callback: LookupCallback): void => {
    const opts = typeof options === 'number' ? { family: options } : options;
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      try {
        this.assertAllowed(hostname, addresses);
      } catch (denied) {
        return callback(denied as NodeJS.ErrnoException, []);
      }
      if ((opts as LookupAllOptions).all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
