/* hasher.c: argon2id verification threads (see hasher.h). */
#include "server/hasher.h"

#include "lib/mem.h"
#include "lib/password.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 64

struct job {
	struct job *next;
	char *hash;
	char *password;
	size_t len;
	srv_hasher_done_fn *done;
	void *ctx;
};

struct srv_hasher {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *head, *tail;
	unsigned reserved;   /* places taken: queued, running or reserved */
	unsigned queue_max;
	bool stopping;
	unsigned nthreads;
	pthread_t threads[MAX_THREADS];
};

static void job_free(struct job *job)
{
	sodium_memzero(job->password, job->len);
	free(job->password);
	free(job->hash);
	free(job);
}

static void *hasher_main(void *arg)
{
	struct srv_hasher *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		/* When stopping, a place reserved before may still be submitted: wait for it. */
		while (h->head == NULL && !(h->stopping && h->reserved == 0))
			pthread_cond_wait(&h->wake, &h->lock);
		struct job *job = h->head;
		if (job == NULL)
			break; /* stopping and nothing left or promised */
		h->head = job->next;
		if (h->head == NULL)
			h->tail = NULL;
		pthread_mutex_unlock(&h->lock);

		bool match = password_verify(job->hash, job->password, job->len);
		/* The place is given back before the callback, which may submit again. */
		pthread_mutex_lock(&h->lock);
		h->reserved--;
		if (h->stopping && h->reserved == 0)
			pthread_cond_broadcast(&h->wake);
		pthread_mutex_unlock(&h->lock);
		job->done(job->ctx, match);
		job_free(job);

		pthread_mutex_lock(&h->lock);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct srv_hasher *srv_hasher_new(unsigned threads, unsigned queue_max)
{
	struct srv_hasher *h = xcalloc(1, sizeof(*h));

	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	h->queue_max = queue_max > threads ? queue_max : threads;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&h->threads[i], NULL, hasher_main, h) != 0)
			i_panic("hasher: cannot start a thread");
		h->nthreads++;
	}
	return h;
}

void srv_hasher_drain(struct srv_hasher *h)
{
	pthread_mutex_lock(&h->lock);
	bool joined = h->stopping && h->nthreads == 0;
	h->stopping = true;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
	if (joined)
		return;
	for (unsigned i = 0; i < h->nthreads; i++)
		pthread_join(h->threads[i], NULL);
	h->nthreads = 0;
}

void srv_hasher_free(struct srv_hasher **hasher)
{
	struct srv_hasher *h = *hasher;

	if (h == NULL)
		return;
	srv_hasher_drain(h);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
	*hasher = NULL;
}

bool srv_hasher_reserve(struct srv_hasher *h)
{
	bool ok;

	pthread_mutex_lock(&h->lock);
	ok = !h->stopping && h->reserved < h->queue_max;
	if (ok)
		h->reserved++;
	pthread_mutex_unlock(&h->lock);
	return ok;
}

void srv_hasher_release(struct srv_hasher *h)
{
	pthread_mutex_lock(&h->lock);
	h->reserved--;
	if (h->stopping && h->reserved == 0)
		pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

void srv_hasher_submit(struct srv_hasher *h, const char *stored_hash, const char *password,
		       size_t len, srv_hasher_done_fn *done, void *ctx)
{
	struct job *job = xcalloc(1, sizeof(*job));

	job->hash = xstrdup(stored_hash);
	job->password = xmalloc(len + 1);
	memcpy(job->password, password, len);
	job->password[len] = '\0';
	job->len = len;
	job->done = done;
	job->ctx = ctx;
	pthread_mutex_lock(&h->lock);
	if (h->tail != NULL)
		h->tail->next = job;
	else
		h->head = job;
	h->tail = job;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

unsigned srv_hasher_threads(const struct srv_hasher *h)
{
	return h->nthreads;
}
