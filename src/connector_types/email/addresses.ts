import emailAddresses from 'email-addresses';

// Email address lists as RFC 5322 writes them (`user@host`, `Name <user@host>`, groups such as
// `team: a@x, b@y;`, comments), parsed by the email-addresses package as Kibana parses them
// (`parseAddressList` with its default options), and the `xpack.actions.email` allowlists
// (reference §1.1).

export type Mailbox = emailAddresses.ParsedMailbox;
export type ParsedAddress = emailAddresses.ParsedMailbox | emailAddresses.ParsedGroup;

/** The addresses of a list such as `a@x, Name <b@y>`, or null when it is not a valid list. */
export function parseAddressList(input: string): ParsedAddress[] | null {
  try {
    return emailAddresses.parseAddressList(input);
  } catch {
    // As in Kibana, whatever the parser throws (deeply nested comments overflow its stack) means invalid.
    return null;
  }
}

/** Every mailbox of a parsed list, group members included. */
export function mailboxesOf(list: ParsedAddress[]): Mailbox[] {
  return list.flatMap((entry) => (entry.type === 'group' ? entry.addresses : [entry]));
}

/** Addresses holding a mustache template are checked only once rendered. */
export function hasMustacheTemplate(text: string): boolean {
  return /\{\{.*\}\}/s.test(text);
}

export function withoutMustacheTemplates(addresses: string[]): string[] {
  return addresses.filter((address) => !hasMustacheTemplate(address));
}

export interface EmailAllowlists {
  /** xpack.actions.email.domain_allowlist: exact, case-sensitive domains. */
  domainAllowlist?: string[];
  /** xpack.actions.email.recipient_allowlist: addresses, `*` matching any run of characters, case-insensitive. */
  recipientAllowlist?: string[];
}

export interface ValidateAddressesOptions {
  treatMustacheTemplatesAsValid?: boolean;
  /** The sender is held to the domain allowlist only; the recipient allowlist is about recipients. */
  isSender?: boolean;
}

/**
 * Kibana's wildcard match: `*` stands for any run of characters, everything else is literal,
 * case-insensitive. Each literal piece is found left to right, so it runs in linear time.
 */
export function matchesWildcard(pattern: string, text: string): boolean {
  const subject = text.toLowerCase();
  const pieces = pattern.toLowerCase().split('*');
  if (pieces.length === 1) return subject === pieces[0];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!subject.startsWith(first)) return false;
  let pos = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = subject.indexOf(piece, pos);
    if (found === -1) return false;
    pos = found + piece.length;
  }
  return subject.length - last.length >= pos && subject.endsWith(last);
}

type Verdict = 'valid' | 'invalid' | 'notAllowed';

function judge(address: string, lists: EmailAllowlists, options: ValidateAddressesOptions): Verdict {
  if (options.treatMustacheTemplatesAsValid && hasMustacheTemplate(address)) return 'valid';
  const parsed = parseAddressList(address);
  if (!parsed) return 'invalid';
  const mailboxes = mailboxesOf(parsed);
  if (lists.domainAllowlist) {
    const domains = new Set(lists.domainAllowlist);
    if (mailboxes.some((m) => !domains.has(m.domain))) return 'notAllowed';
  }
  if (!options.isSender && lists.recipientAllowlist) {
    const patterns = lists.recipientAllowlist;
    if (mailboxes.some((m) => !patterns.some((p) => matchesWildcard(p, m.address)))) return 'notAllowed';
  }
  return 'valid';
}

/**
 * Kibana's report on a list of addresses: `not valid emails: a, b` for syntax errors and
 * `not allowed emails: c` for allowlist refusals, joined with `; `; undefined when all pass.
 */
export function invalidAddressesMessage(addresses: string[], lists: EmailAllowlists, options: ValidateAddressesOptions = {}): string | undefined {
  const invalid: string[] = [];
  const notAllowed: string[] = [];
  for (const address of addresses) {
    const verdict = judge(address, lists, options);
    if (verdict === 'invalid') invalid.push(address);
    else if (verdict === 'notAllowed') notAllowed.push(address);
  }
  const parts: string[] = [];
  if (invalid.length > 0) parts.push(`not valid emails: ${invalid.join(', ')}`);
  if (notAllowed.length > 0) parts.push(`not allowed emails: ${notAllowed.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}
