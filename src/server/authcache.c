/* authcache.c: direct-mapped table of verified-credential hashes (see authcache.h). */
#include "server/authcache.h"

#include "lib/mem.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define DEFAULT_CAPACITY 4096

struct slot {
	unsigned char key[SRV_AUTH_CACHE_KEY_LEN];
	int64_t at;   /* insertion time; 0: empty */
};

struct srv_auth_cache {
	pthread_mutex_t lock;
	unsigned char hash_key[crypto_generichash_KEYBYTES];
	struct slot *slots;
	size_t capacity;
};

struct srv_auth_cache *srv_auth_cache_new(size_t capacity)
{
	struct srv_auth_cache *c = xcalloc(1, sizeof(*c));

	c->capacity = capacity == 0 ? DEFAULT_CAPACITY : capacity;
	c->slots = xcalloc(c->capacity, sizeof(struct slot));
	randombytes_buf(c->hash_key, sizeof(c->hash_key));
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void srv_auth_cache_free(struct srv_auth_cache **cache)
{
	struct srv_auth_cache *c = *cache;

	if (c == NULL)
		return;
	sodium_memzero(c->slots, c->capacity * sizeof(struct slot));
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	sodium_memzero(c->hash_key, sizeof(c->hash_key));
	free(c);
	*cache = NULL;
}

/* Feeds one length-prefixed field, so that ("ab","c") and ("a","bc") differ. */
static void feed(crypto_generichash_state *st, const void *data, size_t len)
{
	uint64_t n = len;

	crypto_generichash_update(st, (const unsigned char *)&n, sizeof(n));
	crypto_generichash_update(st, data, len);
}

void srv_auth_cache_key(const struct srv_auth_cache *c, const char *domain, const char *user,
			const char *password, size_t password_len, const char *stored_hash,
			unsigned char key_r[SRV_AUTH_CACHE_KEY_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, c->hash_key, sizeof(c->hash_key), SRV_AUTH_CACHE_KEY_LEN);
	feed(&st, domain, strlen(domain));
	feed(&st, user, strlen(user));
	feed(&st, password, password_len);
	feed(&st, stored_hash, strlen(stored_hash));
	crypto_generichash_final(&st, key_r, SRV_AUTH_CACHE_KEY_LEN);
	sodium_memzero(&st, sizeof(st));
}

static struct slot *slot_of(struct srv_auth_cache *c, const unsigned char *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return &c->slots[h % c->capacity];
}

bool srv_auth_cache_lookup(struct srv_auth_cache *c, const unsigned char key[SRV_AUTH_CACHE_KEY_LEN],
			   int64_t now, unsigned ttl)
{
	bool hit = false;

	if (ttl == 0)
		return false;
	pthread_mutex_lock(&c->lock);
	struct slot *s = slot_of(c, key);
	if (s->at != 0 && s->at <= now && now - s->at < (int64_t)ttl &&
	    sodium_memcmp(s->key, key, SRV_AUTH_CACHE_KEY_LEN) == 0)
		hit = true;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void srv_auth_cache_insert(struct srv_auth_cache *c, const unsigned char key[SRV_AUTH_CACHE_KEY_LEN],
			   int64_t now)
{
	pthread_mutex_lock(&c->lock);
	struct slot *s = slot_of(c, key);
	memcpy(s->key, key, SRV_AUTH_CACHE_KEY_LEN);
	s->at = now > 0 ? now : 1;
	pthread_mutex_unlock(&c->lock);
}

void srv_auth_cache_clear(struct srv_auth_cache *c)
{
	pthread_mutex_lock(&c->lock);
	memset(c->slots, 0, c->capacity * sizeof(struct slot));
	pthread_mutex_unlock(&c->lock);
}
