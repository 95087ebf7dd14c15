/* hasher.h: a small pool of threads that verify argon2id password hashes, so that the HTTP
 * threads never compute one: a request that needs a hash parks its connection, a hasher
 * thread verifies and wakes it. The number of threads bounds the CPU that logins can take
 * (one per core by default) and the queue bounds the waiting: when it is full, new logins
 * are refused at once (503) instead of piling up behind a brute-force loop. */
#ifndef EASD_SERVER_HASHER_H
#define EASD_SERVER_HASHER_H

#include <stdbool.h>
#include <stddef.h>

struct srv_hasher;

typedef void srv_hasher_done_fn(void *ctx, bool match);

/* threads: hashing threads (0: one per online CPU); queue_max: jobs waiting or running. */
struct srv_hasher *srv_hasher_new(unsigned threads, unsigned queue_max);
/* Refuses new reservations, finishes every queued or reserved job (their callbacks run) and
 * stops the threads. The pool stays valid (reservations fail) until srv_hasher_free. */
void srv_hasher_drain(struct srv_hasher *h);
/* Drains, then frees. */
void srv_hasher_free(struct srv_hasher **hasher);
/* Takes a place in the queue; false when it is full. A place is used by srv_hasher_submit
 * or given back with srv_hasher_release. */
bool srv_hasher_reserve(struct srv_hasher *h);
void srv_hasher_release(struct srv_hasher *h);
/* Queues a verification of password[0..len) against stored_hash (both copied; the copy of
 * the password is wiped after use) on a reserved place. done(ctx, match) runs on a hasher
 * thread. */
void srv_hasher_submit(struct srv_hasher *h, const char *stored_hash, const char *password,
		       size_t len, srv_hasher_done_fn *done, void *ctx);
/* Threads of the pool (for the start-up log line). */
unsigned srv_hasher_threads(const struct srv_hasher *h);

#endif
