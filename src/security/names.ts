import { z } from 'zod';

// Elasticsearch's rules for the names of users, roles and API keys, with its messages: Kibana
// passes these names through, and relays Elasticsearch's refusal.

/** The native realm's limit for user and role names: its document ids carry a prefix. */
export const MAX_NATIVE_NAME_LENGTH = 507;
/** Elasticsearch's general limit for role names, e.g. those of an API key's role descriptors. */
export const MAX_ROLE_DESCRIPTOR_NAME_LENGTH = 1024;
export const MAX_ROLE_DESCRIPTION_LENGTH = 1000;

/** Printable ASCII (space to `~`), not starting or ending with a space. */
const PRINTABLE_ASCII_NAME = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A user or role name as Elasticsearch accepts it, refused in its words otherwise. */
export function elasticsearchName(kind: 'User' | 'Role', maxLength: number) {
  return z
    .string()
    .refine(
      (name) => name.length <= maxLength && PRINTABLE_ASCII_NAME.test(name),
      `${kind} names must be at least 1 and no more than ${maxLength} characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.`,
    );
}

export const roleDescription = z
  .string()
  .refine((text) => text.length <= MAX_ROLE_DESCRIPTION_LENGTH, `Role description must be less than ${MAX_ROLE_DESCRIPTION_LENGTH} characters.`);

/** Java's String.trim() removes every character up to U+0020, so Elasticsearch calls them all whitespace. */
const OUTER_JAVA_WHITESPACE = /^[\x00-\x20]|[\x00-\x20]$/;
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** Elasticsearch's rules for an API key name, and no control characters inside it either. */
export const apiKeyName = z
  .string()
  .min(1)
  .max(256)
  .superRefine((name, ctx) => {
    if (OUTER_JAVA_WHITESPACE.test(name)) ctx.addIssue({ code: 'custom', message: 'api key name may not begin or end with whitespace' });
    else if (CONTROL_CHARACTER.test(name)) ctx.addIssue({ code: 'custom', message: 'api key name may not contain control characters' });
    if (name.startsWith('_')) ctx.addIssue({ code: 'custom', message: 'api key name may not begin with an underscore' });
  });
