/* authcache.h: remembers credentials that argon2id has verified, for [auth] cache_ttl seconds,
 * so that a phone's steady stream of requests does not pay a hash (tens of milliseconds) each.
 *
 * Nothing secret is stored: an entry is a keyed BLAKE2b hash (key random per process) of the
 * domain, the user name, the password AND the stored password hash. A new password gives a new
 * stored hash, so old entries simply stop matching; a removed or disabled user is caught by the
 * store lookup that every request makes anyway. Bounded (direct-mapped slots), thread-safe. */
#ifndef EASD_SERVER_AUTHCACHE_H
#define EASD_SERVER_AUTHCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_AUTH_CACHE_KEY_LEN 32

struct srv_auth_cache;

/* capacity: number of slots, 0 for the default (4096). */
struct srv_auth_cache *srv_auth_cache_new(size_t capacity);
void srv_auth_cache_free(struct srv_auth_cache **cache);

/* The cache key of one set of credentials against one stored hash. */
void srv_auth_cache_key(const struct srv_auth_cache *cache, const char *domain, const char *user,
			const char *password, size_t password_len, const char *stored_hash,
			unsigned char key_r[SRV_AUTH_CACHE_KEY_LEN]);
/* True when key was inserted at a time t with t <= now < t + ttl (ttl 0: never). */
bool srv_auth_cache_lookup(struct srv_auth_cache *cache, const unsigned char key[SRV_AUTH_CACHE_KEY_LEN],
			   int64_t now, unsigned ttl);
void srv_auth_cache_insert(struct srv_auth_cache *cache, const unsigned char key[SRV_AUTH_CACHE_KEY_LEN],
			   int64_t now);
/* Forgets everything (e.g. when the TTL is set to 0 on reload). */
void srv_auth_cache_clear(struct srv_auth_cache *cache);

#endif
