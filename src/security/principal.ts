/** Who is making a request, as established by authentication. */
export interface Principal {
  username: string;
  roles: string[];
  /** How the request authenticated; API keys arrive with the security issue. */
  authenticationType: 'basic' | 'internal';
}

export const SUPERUSER_ROLE = 'superuser';

/** The principal for work Plugboard does on its own behalf (start-up, CLI). */
export const INTERNAL_PRINCIPAL: Principal = { username: '_plugboard', roles: [SUPERUSER_ROLE], authenticationType: 'internal' };
