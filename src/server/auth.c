/* auth.c: Basic authentication with throttling, cache and off-thread hashing (see auth.h). */
#include "server/auth.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/login.h"
#include "lib/mem.h"
#include "lib/password.h"
#include "lib/str.h"
#include "server/hasher.h"
#include "server/query.h"
#include "server/throttle.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define AUTH_HEADER_MAX 4096
/* Jobs that may wait per hashing thread: enough to ride out a burst of phones logging in at
 * once, few enough that a flood is refused at once instead of queued for minutes. */
#define HASH_QUEUE_PER_THREAD 8

struct srv_auth {
	struct srv_throttle *throttle;
	struct srv_auth_cache *cache;
	struct srv_hasher *hasher;
	char dummy_hash[PASSWORD_HASH_MAX];
	atomic_uint cache_ttl;
};

struct srv_auth *srv_auth_new(const struct srv_throttle_limits *limits, unsigned cache_ttl,
			      unsigned hash_threads)
{
	struct srv_auth *a = xcalloc(1, sizeof(*a));
	unsigned char random_pw[24];

	if (hash_threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		hash_threads = n > 0 ? (unsigned)n : 1;
	}
	a->throttle = srv_throttle_new(limits, 0);
	a->cache = srv_auth_cache_new(0);
	a->hasher = srv_hasher_new(hash_threads, hash_threads * HASH_QUEUE_PER_THREAD);
	atomic_store(&a->cache_ttl, cache_ttl);
	randombytes_buf(random_pw, sizeof(random_pw));
	if (password_hash((const char *)random_pw, sizeof(random_pw), a->dummy_hash) < 0)
		i_panic("auth: cannot compute the dummy hash");
	return a;
}

void srv_auth_drain(struct srv_auth *a)
{
	srv_hasher_drain(a->hasher);
}

void srv_auth_free(struct srv_auth **auth)
{
	struct srv_auth *a = *auth;

	if (a == NULL)
		return;
	srv_hasher_free(&a->hasher);
	srv_auth_cache_free(&a->cache);
	srv_throttle_free(&a->throttle);
	free(a);
	*auth = NULL;
}

void srv_auth_configure(struct srv_auth *a, const struct srv_throttle_limits *limits,
			unsigned cache_ttl)
{
	srv_throttle_set_limits(a->throttle, limits);
	atomic_store(&a->cache_ttl, cache_ttl);
	if (cache_ttl == 0)
		srv_auth_cache_clear(a->cache);
}

unsigned srv_auth_hash_threads(const struct srv_auth *a)
{
	return srv_hasher_threads(a->hasher);
}

int srv_basic_decode(pool *p, const char *authorization, const char **login_r,
		     char **password_r, size_t *password_len_r, const char **error_r)
{
	const char *s = authorization;
	buf raw = BUF_INIT;

	if (s == NULL) {
		*error_r = "no credentials";
		return -1;
	}
	if (strlen(s) > AUTH_HEADER_MAX || strncasecmp(s, "Basic", 5) != 0 ||
	    (s[5] != ' ' && s[5] != '\t')) {
		*error_r = "not Basic credentials";
		return -1;
	}
	s += 5;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (base64_decode(&raw, s, len, error_r) < 0) {
		buf_free(&raw);
		*error_r = "credentials are not base64";
		return -1;
	}
	const char *bytes = (const char *)(raw.data != NULL ? raw.data : (unsigned char *)"");
	const char *colon = memchr(bytes, ':', raw.len);
	if (colon == NULL || colon == bytes || memchr(bytes, '\0', raw.len) != NULL) {
		sodium_memzero(raw.data, raw.len);
		buf_free(&raw);
		*error_r = "malformed credentials";
		return -1;
	}
	size_t login_len = (size_t)(colon - bytes);
	/* Q-HTTP-4: UTF-8 from phones, ISO-8859-1 from Outlook desktop. */
	*login_r = srv_utf8_or_latin1(p, bytes, login_len);
	*password_r = srv_utf8_or_latin1(p, colon + 1, raw.len - login_len - 1);
	*password_len_r = strlen(*password_r);
	sodium_memzero(raw.data, raw.len);
	buf_free(&raw);
	return 0;
}

static enum srv_auth_state set_state(struct srv_auth_attempt *at, enum srv_auth_state state,
				     const char *reason)
{
	at->state = state;
	if (reason != NULL)
		at->reason = reason;
	if (state != SRV_AUTH_NEED_HASH && at->password != NULL) {
		sodium_memzero(at->password, at->password_len);
		at->password = NULL;
	}
	return state;
}

/* The password was found right (by hash or cache). */
static enum srv_auth_state accepted(struct srv_auth_attempt *at)
{
	if (at->user.disabled)
		return set_state(at, SRV_AUTH_DISABLED, "user disabled");
	return set_state(at, SRV_AUTH_OK, NULL);
}

enum srv_auth_state srv_auth_begin(struct srv_auth *a, struct store *store, pool *p,
				   const char *authorization, const char *addr, int64_t now,
				   struct srv_auth_attempt *at)
{
	const char *login, *name, *domain, *error;
	char *password;
	size_t password_len;

	memset(at, 0, sizeof(*at));
	at->addr = pool_strdup(p, addr);
	if (srv_basic_decode(p, authorization, &login, &password, &password_len, &error) < 0)
		return set_state(at, SRV_AUTH_FAILED, error);
	at->password = password;
	at->password_len = password_len;
	if (login_parse(login, p, &name, &domain, &error) < 0)
		return set_state(at, SRV_AUTH_FAILED, "malformed login");
	if (domain == NULL) {
		enum store_result r = store_context_get_default(store, p, &domain, &error);
		if (r == STORE_NOT_FOUND)
			return set_state(at, SRV_AUTH_FAILED, "no default context");
		if (r != STORE_OK)
			return set_state(at, SRV_AUTH_ERROR, "store failed");
	}
	at->login = pool_printf(p, "%s@%s", name, domain);

	unsigned retry = 0;
	enum srv_throttle_verdict verdict = srv_throttle_check(a->throttle, at->login, addr, now,
							       &retry);
	if (verdict == SRV_THROTTLE_DENY) {
		at->retry_after = retry;
		return set_state(at, SRV_AUTH_LOCKED, "too many failures for this user");
	}

	enum store_result r = store_user_get(store, p, domain, name, &at->user, &error);
	if (r == STORE_OK) {
		at->known_user = true;
		srv_auth_cache_key(a->cache, at->user.domain, at->user.name, password, password_len,
				   at->user.password_hash, at->cache_key);
		if (srv_auth_cache_lookup(a->cache, at->cache_key, now,
					  atomic_load(&a->cache_ttl)))
			return accepted(at);
	} else if (r == STORE_NOT_FOUND || r == STORE_INVALID) {
		at->known_user = false;
	} else {
		return set_state(at, SRV_AUTH_ERROR, "store failed");
	}
	if (verdict == SRV_THROTTLE_CACHE_ONLY) {
		at->retry_after = retry;
		return set_state(at, SRV_AUTH_LOCKED, "too many failures from this address");
	}
	if (!srv_hasher_reserve(a->hasher)) {
		at->retry_after = 5;
		return set_state(at, SRV_AUTH_BUSY, "password hashing queue full");
	}
	return set_state(at, SRV_AUTH_NEED_HASH, NULL);
}

static void hash_done(void *ctx, bool match)
{
	struct srv_auth_attempt *at = ctx;

	at->hash_match = match;
	at->wake(at->wake_ctx);
}

void srv_auth_submit(struct srv_auth *a, struct srv_auth_attempt *at, void (*wake)(void *ctx),
		     void *ctx)
{
	at->wake = wake;
	at->wake_ctx = ctx;
	/* An unknown user costs the same hash as a known one (no user enumeration by time). */
	srv_hasher_submit(a->hasher, at->known_user ? at->user.password_hash : a->dummy_hash,
			  at->password, at->password_len, hash_done, at);
}

enum srv_auth_state srv_auth_finish(struct srv_auth *a, struct srv_auth_attempt *at, int64_t now)
{
	if (!at->known_user || !at->hash_match) {
		srv_throttle_failure(a->throttle, at->login, at->addr, now);
		return set_state(at, SRV_AUTH_FAILED,
				 at->known_user ? "wrong password" : "unknown user");
	}
	srv_throttle_success(a->throttle, at->login, at->addr, now);
	srv_auth_cache_insert(a->cache, at->cache_key, now);
	return accepted(at);
}

bool srv_auth_user_matches(pool *p, const char *url_user, const struct store_user *user,
			   const char *default_domain)
{
	const char *name, *domain, *error;

	if (user->email != NULL && *user->email != '\0' && str_eq_nocase(url_user, user->email))
		return true;
	if (login_parse(url_user, p, &name, &domain, &error) < 0)
		return false;
	if (domain == NULL)
		domain = default_domain;
	return domain != NULL && strcmp(name, user->name) == 0 && str_eq_nocase(domain, user->domain);
}
