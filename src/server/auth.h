/* auth.h: HTTP Basic authentication of EAS requests against the store.
 *
 * Logins: "mike@ox.io", "ox.io\mike" and "mike" (the default context) through login_parse.
 * User names and passwords are case-sensitive, domains are not. Credentials that are not
 * valid UTF-8 are read as ISO-8859-1 (Q-HTTP-4: Outlook desktop).
 *
 * The steps, cheapest first, so that failures cost no hash where possible:
 *   decode → throttle verdict (throttle.h) → store lookup → credential cache (authcache.h)
 *   → argon2id on a hasher thread (hasher.h), never on an HTTP thread.
 * An unknown user is verified against a dummy hash, so that the answer takes as long as for
 * a known user with a wrong password. A disabled user is reported only after the password
 * was found right (403), so that the account state is not revealed to a guesser. */
#ifndef EASD_SERVER_AUTH_H
#define EASD_SERVER_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pool.h"
#include "server/authcache.h"
#include "store/store.h"

struct srv_auth;
struct srv_throttle_limits;

enum srv_auth_state {
	SRV_AUTH_OK = 0,         /* user_r is the authenticated user */
	SRV_AUTH_FAILED,         /* missing or wrong credentials: 401 */
	SRV_AUTH_DISABLED,       /* right password, disabled user: 403 */
	SRV_AUTH_LOCKED,         /* throttled: refused without hashing (retry_after) */
	SRV_AUTH_BUSY,           /* every hasher place is taken: refused at once */
	SRV_AUTH_ERROR,          /* the store failed */
	SRV_AUTH_NEED_HASH,      /* call srv_auth_submit, then srv_auth_finish when woken */
};

/* One authentication, kept in the request until it is finished. */
struct srv_auth_attempt {
	/* results */
	enum srv_auth_state state;
	struct store_user user;       /* valid for SRV_AUTH_OK and SRV_AUTH_DISABLED */
	const char *login;            /* "name@domain" once known (for the log), else NULL */
	const char *reason;           /* why it failed (for the log), static text */
	unsigned retry_after;         /* seconds, for SRV_AUTH_LOCKED and SRV_AUTH_BUSY */
	/* private */
	const char *addr;
	char *password;
	size_t password_len;
	bool known_user;
	bool hash_match;              /* written by the hasher thread */
	unsigned char cache_key[SRV_AUTH_CACHE_KEY_LEN];
	void (*wake)(void *ctx);
	void *wake_ctx;
};

/* hash_threads: 0 for one per CPU. */
struct srv_auth *srv_auth_new(const struct srv_throttle_limits *limits, unsigned cache_ttl,
			      unsigned hash_threads);
/* Finishes queued verifications (their wake callbacks run); from then on every login that
 * needs a hash is refused as BUSY. For shutdown, before the listeners stop. */
void srv_auth_drain(struct srv_auth *auth);
/* Drains and frees everything. */
void srv_auth_free(struct srv_auth **auth);
void srv_auth_configure(struct srv_auth *auth, const struct srv_throttle_limits *limits,
			unsigned cache_ttl);
unsigned srv_auth_hash_threads(const struct srv_auth *auth);

/* Starts authenticating the Authorization header value (NULL when absent) of a client at
 * addr. Strings are allocated from p. Returns the state (also in attempt->state); for
 * SRV_AUTH_NEED_HASH a hasher place is reserved: the caller parks the request, then calls
 * srv_auth_submit, whose wake(ctx) runs on another thread when the hash is done. */
enum srv_auth_state srv_auth_begin(struct srv_auth *auth, struct store *store, pool *p,
				   const char *authorization, const char *addr, int64_t now,
				   struct srv_auth_attempt *attempt);
void srv_auth_submit(struct srv_auth *auth, struct srv_auth_attempt *attempt,
		     void (*wake)(void *ctx), void *ctx);
/* Completes an attempt after its wake callback ran. */
enum srv_auth_state srv_auth_finish(struct srv_auth *auth, struct srv_auth_attempt *attempt,
				    int64_t now);

/* Decodes a Basic Authorization header value into login and password (pool strings, UTF-8;
 * ISO-8859-1 is converted). 0, or -1 with *error_r. Exposed for unit tests. */
int srv_basic_decode(pool *p, const char *authorization, const char **login_r,
		     char **password_r, size_t *password_len_r, const char **error_r);

/* True when the URL's User parameter names the authenticated user: after login_parse the
 * same name (case-sensitive) and context (a plain name means default_domain), or the user's
 * e-mail address (case-insensitive). */
bool srv_auth_user_matches(pool *p, const char *url_user, const struct store_user *user,
			   const char *default_domain);

#endif
