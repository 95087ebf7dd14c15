/* throttle.c: failure counters in two bounded hash tables (see throttle.h). */
#include "server/throttle.h"

#include "lib/mem.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define KEY_MAX 64            /* keys are stored as a keyed hash: fixed size, no strings */
#define KNOWN_ADDRS 8         /* addresses remembered per user */
#define PROBE_RUN 8           /* slots looked at per key */
#define DEFAULT_CAPACITY 65536

struct entry {
	unsigned char key[16];    /* keyed hash of the key text; all zero: free slot */
	int64_t window_start;     /* first failure of the current window; 0: none */
	unsigned failures;
	int64_t last_used;        /* for replacement when a probe run is full */
	/* users only: addresses of recent successes (keyed hashes) and when */
	unsigned char known[KNOWN_ADDRS][16];
	int64_t known_at[KNOWN_ADDRS];
};

struct table {
	struct entry *slots;
	size_t capacity;
};

struct srv_throttle {
	pthread_mutex_t lock;
	struct srv_throttle_limits limits;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	struct table users, addrs;
};

/* A 16-byte keyed hash of text (two SipHash runs with different prefixes): keys of
 * attacker-chosen text cannot be made to collide into one probe run on purpose. */
static void key_hash(const struct srv_throttle *t, const char *text, unsigned char out[16])
{
	size_t len = strlen(text);
	unsigned char *tmp = xmalloc(len + 1);

	memcpy(tmp + 1, text, len);
	tmp[0] = 'a';
	crypto_shorthash(out, tmp, len + 1, t->hash_key);
	tmp[0] = 'b';
	crypto_shorthash(out + 8, tmp, len + 1, t->hash_key);
	free(tmp);
	static const unsigned char zero[16];
	if (memcmp(out, zero, 16) == 0)
		out[0] = 1; /* all zero marks a free slot */
}

static bool window_open(const struct srv_throttle *t, const struct entry *e, int64_t now)
{
	return e->window_start != 0 && now - e->window_start < (int64_t)t->limits.failure_window;
}

/* The entry of key; created (replacing the stalest entry of the run) when create is set. */
static struct entry *table_find(struct table *tab, const unsigned char key[16], bool create,
				int64_t now)
{
	uint64_t h;
	memcpy(&h, key, sizeof(h));
	size_t start = (size_t)(h % tab->capacity);
	struct entry *victim = NULL;

	for (size_t i = 0; i < PROBE_RUN; i++) {
		struct entry *e = &tab->slots[(start + i) % tab->capacity];
		if (memcmp(e->key, key, 16) == 0)
			return e;
		if (victim == NULL || e->last_used < victim->last_used)
			victim = e;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, 16);
	victim->last_used = now;
	return victim;
}

struct srv_throttle *srv_throttle_new(const struct srv_throttle_limits *limits, size_t capacity)
{
	struct srv_throttle *t = xcalloc(1, sizeof(*t));

	if (capacity == 0)
		capacity = DEFAULT_CAPACITY;
	if (capacity < PROBE_RUN)
		capacity = PROBE_RUN;
	pthread_mutex_init(&t->lock, NULL);
	t->limits = *limits;
	randombytes_buf(t->hash_key, sizeof(t->hash_key));
	t->users.capacity = capacity;
	t->users.slots = xcalloc(capacity, sizeof(struct entry));
	t->addrs.capacity = capacity;
	t->addrs.slots = xcalloc(capacity, sizeof(struct entry));
	return t;
}

void srv_throttle_free(struct srv_throttle **throttle)
{
	struct srv_throttle *t = *throttle;

	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->users.slots);
	free(t->addrs.slots);
	free(t);
	*throttle = NULL;
}

void srv_throttle_set_limits(struct srv_throttle *t, const struct srv_throttle_limits *limits)
{
	pthread_mutex_lock(&t->lock);
	t->limits = *limits;
	pthread_mutex_unlock(&t->lock);
}

/* Seconds left of a lock on e, or 0 when e is not locked. */
static unsigned lock_left(const struct srv_throttle *t, const struct entry *e, unsigned max,
			  int64_t now)
{
	if (e == NULL || !window_open(t, e, now) || e->failures < max)
		return 0;
	int64_t left = e->window_start + (int64_t)t->limits.failure_window - now;
	return left > 0 ? (unsigned)left : 1;
}

static bool addr_known(const struct srv_throttle *t, const struct entry *user,
		       const unsigned char addr[16], int64_t now)
{
	if (user == NULL)
		return false;
	for (size_t i = 0; i < KNOWN_ADDRS; i++) {
		/* A known address is trusted for the same span as a failure is remembered:
		 * long enough to cover a lock, short enough to forget a phone's old networks. */
		if (user->known_at[i] != 0 && memcmp(user->known[i], addr, 16) == 0 &&
		    now - user->known_at[i] < 2 * (int64_t)t->limits.failure_window + 86400)
			return true;
	}
	return false;
}

enum srv_throttle_verdict srv_throttle_check(struct srv_throttle *t, const char *user,
					     const char *addr, int64_t now,
					     unsigned *retry_after_r)
{
	unsigned char ukey[16], akey[16];
	enum srv_throttle_verdict verdict = SRV_THROTTLE_ALLOW;
	unsigned retry = 0;

	key_hash(t, user, ukey);
	key_hash(t, addr, akey);
	pthread_mutex_lock(&t->lock);
	struct entry *u = table_find(&t->users, ukey, false, now);
	struct entry *a = table_find(&t->addrs, akey, false, now);
	unsigned user_left = lock_left(t, u, t->limits.max_failures_per_user, now);
	unsigned addr_left = lock_left(t, a, t->limits.max_failures_per_address, now);
	bool known = addr_known(t, u, akey, now);

	if (user_left > 0) {
		verdict = known ? SRV_THROTTLE_CACHE_ONLY : SRV_THROTTLE_DENY;
		retry = user_left;
	} else if (addr_left > 0 && !known) {
		verdict = SRV_THROTTLE_CACHE_ONLY;
		retry = addr_left;
	}
	pthread_mutex_unlock(&t->lock);
	if (retry_after_r != NULL)
		*retry_after_r = retry;
	return verdict;
}

static void count_failure(struct srv_throttle *t, struct table *tab, const unsigned char key[16],
			  int64_t now)
{
	struct entry *e = table_find(tab, key, true, now);

	if (!window_open(t, e, now)) {
		e->window_start = now;
		e->failures = 0;
	}
	if (e->failures < UINT32_MAX)
		e->failures++;
	e->last_used = now;
}

void srv_throttle_failure(struct srv_throttle *t, const char *user, const char *addr, int64_t now)
{
	unsigned char ukey[16], akey[16];

	key_hash(t, user, ukey);
	key_hash(t, addr, akey);
	pthread_mutex_lock(&t->lock);
	count_failure(t, &t->users, ukey, now);
	count_failure(t, &t->addrs, akey, now);
	pthread_mutex_unlock(&t->lock);
}

void srv_throttle_success(struct srv_throttle *t, const char *user, const char *addr, int64_t now)
{
	unsigned char ukey[16], akey[16];

	key_hash(t, user, ukey);
	key_hash(t, addr, akey);
	pthread_mutex_lock(&t->lock);
	struct entry *u = table_find(&t->users, ukey, true, now);
	size_t slot = 0;
	for (size_t i = 0; i < KNOWN_ADDRS; i++) {
		if (memcmp(u->known[i], akey, 16) == 0) {
			slot = i;
			break;
		}
		if (u->known_at[i] < u->known_at[slot])
			slot = i;
	}
	memcpy(u->known[slot], akey, 16);
	u->known_at[slot] = now;
	u->last_used = now;
	pthread_mutex_unlock(&t->lock);
}
