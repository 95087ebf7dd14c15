/* throttle.h: counting failed logins per user and per client address, and deciding what a
 * new login attempt may cost before any password hash is computed.
 *
 * Failures are counted in a fixed window per key: the first failure opens a window of
 * failure_window seconds; a key with more than its limit of failures in the window is locked
 * until the window ends. Successes do not reset the count (an attacker must not be able to
 * interleave guesses with a phone's good logins), but they remember the address the user
 * logged in from ("known addresses", a few per user).
 *
 * Verdicts (Q-MS-4: Outlook for iOS/Android shares Microsoft's addresses between many users,
 * so an address lock alone must not lock out a user whose own password is right):
 *   user locked:    from an address known for this user, only credentials the cache has
 *                   already verified pass (CACHE_ONLY); from anywhere else DENY. A phone that
 *                   was logged in keeps working while someone guesses its password elsewhere,
 *                   and a guesser gets no oracle, not even at hash-free cache speed.
 *   address locked (user not locked): a user known from this address is verified as usual
 *                   (ALLOW); anyone else only from the cache (CACHE_ONLY).
 *   otherwise:      ALLOW.
 * A refusal (DENY, or CACHE_ONLY without a cache hit) computes no hash and counts no failure.
 *
 * Memory is bounded: each table holds a fixed number of keys; when a probe run is full, the
 * entry whose window is oldest is replaced. Time is passed in (clock_now()), so tests move it.
 * Thread-safe (one mutex). */
#ifndef EASD_SERVER_THROTTLE_H
#define EASD_SERVER_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_throttle;

struct srv_throttle_limits {
	unsigned max_failures_per_user;
	unsigned max_failures_per_address;
	unsigned failure_window;   /* seconds */
};

enum srv_throttle_verdict {
	SRV_THROTTLE_ALLOW = 0,      /* verify normally (cache, else hash) */
	SRV_THROTTLE_CACHE_ONLY = 1, /* accept a cache hit; otherwise refuse without hashing */
	SRV_THROTTLE_DENY = 2,       /* refuse without looking at the password */
};

/* capacity: keys per table (users, addresses); 0 for the default (65536). */
struct srv_throttle *srv_throttle_new(const struct srv_throttle_limits *limits, size_t capacity);
void srv_throttle_free(struct srv_throttle **throttle);
/* New limits (SIGHUP); counts already made stay. */
void srv_throttle_set_limits(struct srv_throttle *t, const struct srv_throttle_limits *limits);

/* user: a canonical key for the login (e.g. "name@domain" with the domain in lower case);
 * addr: the client address as text. *retry_after_r (may be NULL) is set to the seconds until
 * the lock that caused a refusal ends, else 0. */
enum srv_throttle_verdict srv_throttle_check(struct srv_throttle *t, const char *user,
					     const char *addr, int64_t now,
					     unsigned *retry_after_r);
/* A password that was checked (hashed) and was wrong, or an unknown user. */
void srv_throttle_failure(struct srv_throttle *t, const char *user, const char *addr, int64_t now);
/* A password that was right: remembers addr as known for user. */
void srv_throttle_success(struct srv_throttle *t, const char *user, const char *addr, int64_t now);

#endif
