/* login.h: the login forms of easd, shared by the HTTP front (Basic user names) and easctl.
 *   "mike@ox.io"  → user "mike", domain "ox.io" (split at the LAST '@', so "a@b@ox.io" is
 *                   user "a@b", which the store then refuses as a name)
 *   "ox.io\mike"  → user "mike", domain "ox.io" (split at the FIRST '\')
 *   "ox.io\mike@ox.io" → the same, when both domains agree (case-insensitively)
 *   "mike"        → user "mike", no domain: the default context
 * The domain comes back in ASCII lower case; the user name unchanged (case-sensitive).
 * Only the structure is checked here; the store checks the characters of each part. */
#ifndef EASD_LOGIN_H
#define EASD_LOGIN_H

#include "pool.h"

#define LOGIN_MAX_LEN 512

/* Splits login into *user_r and *domain_r (NULL when the login names no domain), both
 * allocated from p. Returns 0, or -1 with *error_r (static text) for an empty login or
 * part, one longer than LOGIN_MAX_LEN, or two domains that disagree. */
int login_parse(const char *login, pool *p, const char **user_r, const char **domain_r,
		const char **error_r);

#endif
