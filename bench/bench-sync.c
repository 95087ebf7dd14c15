/* bench-sync: the cost of Sync in easd (issue 5, "Performance"), over loopback:
 *
 * (a) the initial Sync of a phone (14.1) with WindowSize 100 over 1,000 and 10,000 contacts:
 *     the server time of the whole walk (the sum of per-request times seen by the client,
 *     and the sum of easd's own ms= from its request log), the number of requests, and
 *     easd's peak RSS (VmHWM of /proc/PID/status) after the login (argon2id's 64 MiB are in
 *     it) and during the walk alone (VmHWM reset by /proc/PID/clear_refs before it); each run
 *     on a freshly started easd;
 * (b) no-change Sync and no-change FolderSync: requests per second with 1 and 32 concurrent
 *     phones (keep-alive connections, each phone sending its next request when answered)
 *     and the median latency seen by the client; no-change Sync also on the 10,000-contact
 *     book, to show that its cost does not grow with the book.
 * Every figure is the median of several runs (default 5), each bounded in time and count.
 *
 * It starts its own easd (found next to itself: dirname(argv[0])/../easd, as `make bench`
 * builds it) on 127.0.0.1:0 with a fresh data directory, creates the users and their
 * contacts with easctl (one `easctl contacts import` of a generated vCard file per user),
 * provisions each phone (MS-ASPROV handshake), and removes everything at the end.
 *
 * Usage: bench-sync [--runs N] [--seconds S] [--large N]
 *   (defaults: 5 runs, runs of (b) of at most 1 s, a large book of 10000 contacts) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench-sync"
#define BENCH_PHONE_FIELDS \
	buf sync_body;              /* the no-change requests */ \
	buf folder_body; \
	struct curl_slist *headers; /* of the prepared requests */
#include "bench-common.h"

#define SMALL_USER "small@bench.test"
#define LARGE_USER "large@bench.test"
#define SMALL_BOOK 1000
#define MAX_CLIENTS 32
#define MAX_RUNS 50
/* A run of (b) stops after this many answers even if its time is not up. */
#define RUN_MAX_REQUESTS 100000

/* Waits (at most 5 s) until `want` request lines arrived after mark. */
static void log_wait(size_t mark, size_t want)
{
	double deadline = now_seconds() + 5;

	while (log_mark() < mark + want && now_seconds() < deadline) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* phone_free and the fields of BENCH_PHONE_FIELDS that own memory. */
static void phone_done(struct phone *ph)
{
	buf_free(&ph->sync_body);
	buf_free(&ph->folder_body);
	curl_slist_free_all(ph->headers);
	phone_free(ph);
}

/* FolderSync from 0 for the Contacts folder; the no-change FolderSync prepared. */
static void phone_folder_sync(struct phone *ph)
{
	phone_folder_sync_type(ph, "9");
	write_folder_sync(&ph->folder_body, ph->folder_key);
}

/* ---- (a) initial sync ---- */

struct initial_result {
	double client_ms, log_ms;
	double requests, adds;
	double hwm_login_kib, hwm_kib, rss_kib;
};

static void initial_sync(const char *login, unsigned book, unsigned runs, struct initial_result *res)
{
	double client[MAX_RUNS], logms[MAX_RUNS], reqs[MAX_RUNS], adds[MAX_RUNS];
	double hwm0[MAX_RUNS], hwm[MAX_RUNS], rss[MAX_RUNS];

	for (unsigned r = 0; r < runs; r++) {
		struct phone ph;
		struct walk walk;
		char device[32];

		start_easd(NULL);
		snprintf(device, sizeof(device), "init%ur%u", book, r);
		phone_init(&ph, login, device);
		phone_provision(&ph);
		phone_folder_sync(&ph);
		hwm0[r] = (double)easd_status_kib("VmHWM:");
		if (!easd_reset_hwm())
			die("cannot reset easd's VmHWM (/proc/%d/clear_refs)", (int)easd_pid);
		size_t mark = log_mark();
		phone_walk(&ph, 100, &walk);
		if (walk.adds != book)
			die("%s: %u contacts arrived, %u expected", device, walk.adds, book);
		hwm[r] = (double)easd_status_kib("VmHWM:");
		rss[r] = (double)easd_status_kib("VmRSS:");
		unsigned sum = 0;
		size_t n;
		double deadline = now_seconds() + 5;
		while ((n = log_count_of(mark, device, "Sync", &sum)) < walk.requests &&
		       now_seconds() < deadline) {
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (n != walk.requests)
			die("%s: %zu request lines in easd's log for %u requests", device, n, walk.requests);
		client[r] = walk.client_seconds * 1e3;
		logms[r] = sum;
		reqs[r] = walk.requests;
		adds[r] = walk.adds;
		phone_done(&ph);
		stop_easd();
	}
	res->client_ms = median(client, runs);
	res->log_ms = median(logms, runs);
	res->requests = median(reqs, runs);
	res->adds = median(adds, runs);
	res->hwm_login_kib = median(hwm0, runs);
	res->hwm_kib = median(hwm, runs);
	res->rss_kib = median(rss, runs);
}

/* ---- (b) no-change requests ---- */

enum nochange { NC_SYNC, NC_FOLDER };

struct run_result {
	double per_second;
	double median_us;          /* client-side latency */
	double log_median_ms;      /* easd's ms= */
	double log_zero_share;     /* share of answers with ms=0 (under 1 ms) */
	uint64_t answered, unexpected, failed;
};

static double *latencies;

/* True when the answer is the no-change answer the phone expects. */
static bool nochange_ok(enum nochange kind, long status, const buf *body, const struct phone *ph)
{
	if (status != 200)
		return false;
	if (kind == NC_SYNC)
		return body->len == 0;  /* 14.1: an empty body says that nothing changed */
	/* FolderSync: Status 1, the same key, no Changes element with changes. */
	pool *p = pool_new(1024);
	struct wbxml_node *root;
	const char *error;
	bool ok = wbxml_decode(p, body->data, body->len, NULL, &root, &error) == 0 &&
		  status_of(root) == 1 &&
		  wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey) != NULL &&
		  strcmp(wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey), ph->folder_key) == 0;
	pool_free(&p);
	return ok;
}

/* One run: each phone sends its no-change request again as soon as it is answered, until
 * `seconds` pass or RUN_MAX_REQUESTS are answered. */
static struct run_result nochange_run(struct phone *phones, unsigned clients, enum nochange kind,
				      double seconds)
{
	struct run_result res = { 0 };
	CURLM *multi = curl_multi_init();
	buf bodies[MAX_CLIENTS];
	size_t count = 0;

	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)clients * 2);
	for (unsigned i = 0; i < clients; i++) {
		buf_init(&bodies[i]);
		struct phone *ph = &phones[i];
		phone_prepare(ph, ph->curl, kind == NC_SYNC ? "Sync" : "FolderSync",
			      kind == NC_SYNC ? &ph->sync_body : &ph->folder_body, ph->headers, &bodies[i]);
		curl_easy_setopt(ph->curl, CURLOPT_PRIVATE, (void *)(uintptr_t)i);
		curl_multi_add_handle(multi, ph->curl);
	}
	size_t mark = log_mark();
	double start = now_seconds(), end = start + seconds;
	unsigned active = clients;
	bool stopping = false;
	while (active > 0) {
		int running, left;
		CURLMsg *msg;
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *c = msg->easy_handle;
			void *priv = NULL;
			curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv);
			unsigned i = (unsigned)(uintptr_t)priv;
			if (msg->data.result != CURLE_OK) {
				res.failed++;
			} else {
				long status = 0;
				curl_off_t us = 0;
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
				curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
				if (!nochange_ok(kind, status, &bodies[i], &phones[i]))
					res.unexpected++;
				if (count < RUN_MAX_REQUESTS)
					latencies[count++] = (double)us;
				res.answered++;
			}
			buf_truncate(&bodies[i], 0);
			curl_multi_remove_handle(multi, c);
			if (!stopping && (now_seconds() >= end || res.answered >= RUN_MAX_REQUESTS))
				stopping = true;
			if (stopping)
				active--;
			else
				curl_multi_add_handle(multi, c);  /* same handle: its connection is reused */
		}
		if (active > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	double elapsed = now_seconds() - start;
	res.per_second = (double)(res.answered - res.unexpected) / elapsed;
	res.median_us = median(latencies, count);
	curl_multi_cleanup(multi);
	for (unsigned i = 0; i < clients; i++)
		buf_free(&bodies[i]);

	/* easd's own time of these requests. */
	log_wait(mark, res.answered + res.failed);
	pthread_mutex_lock(&log_mu);
	size_t n = log_count - mark, zero = 0;
	double *ms = xcalloc(n > 0 ? n : 1, sizeof(*ms));
	for (size_t i = 0; i < n; i++) {
		ms[i] = log_recs[mark + i].ms;
		zero += log_recs[mark + i].ms == 0;
	}
	pthread_mutex_unlock(&log_mu);
	res.log_median_ms = median(ms, n);
	res.log_zero_share = n > 0 ? (double)zero / (double)n : 0;
	free(ms);
	return res;
}

/* A phone provisioned, with its hierarchy and its contacts synced to the end (WindowSize
 * 512), and its no-change requests ready. */
static void phone_ready(struct phone *ph, const char *login, const char *device)
{
	struct walk walk;

	phone_init(ph, login, device);
	phone_provision(ph);
	phone_folder_sync(ph);
	phone_walk(ph, 512, &walk);
	/* The last answer's key is pending until the phone shows it: one more Sync confirms it,
	 * after which nothing changes any more. */
	phone_sync_once(ph, 100, &walk);
	write_sync(&ph->sync_body, ph->sync_key, ph->collection, 100, 0);
	ph->headers = phone_headers(ph);
}

static void print_nochange(const char *what, struct phone *phones, unsigned clients,
			   enum nochange kind, unsigned runs, double seconds)
{
	double rate[MAX_RUNS], lat[MAX_RUNS], logm[MAX_RUNS], zero[MAX_RUNS];
	uint64_t unexpected = 0, failed = 0;

	nochange_run(phones, clients, kind, 0.2);  /* warm-up */
	for (unsigned r = 0; r < runs; r++) {
		struct run_result res = nochange_run(phones, clients, kind, seconds);
		rate[r] = res.per_second;
		lat[r] = res.median_us;
		logm[r] = res.log_median_ms;
		zero[r] = res.log_zero_share;
		unexpected += res.unexpected;
		failed += res.failed;
	}
	double m = median(rate, runs);
	char extra[96] = "-";
	if (unexpected > 0 || failed > 0)
		snprintf(extra, sizeof(extra), "%llu unexpected answers, %llu transport errors",
			 (unsigned long long)unexpected, (unsigned long long)failed);
	printf("%-34s %7u %10.0f %10.0f..%-8.0f %9.3f %8.0f %8.1f%% %s\n", what, clients, m,
	       rate[0], rate[runs - 1], median(lat, runs) / 1000.0, median(logm, runs),
	       100.0 * median(zero, runs), extra);
	fflush(stdout);
}

/* ---- main ---- */

static unsigned parse_count(const char *s, unsigned min, unsigned max)
{
	uint64_t v;

	if (s == NULL || str_to_uint64(s, max, &v) < 0 || v < min) {
		fprintf(stderr, "usage: bench-sync [--runs N] [--seconds S] [--large N]\n");
		exit(2);
	}
	return (unsigned)v;
}

/* Writes count vCards to path. */
static void write_vcards(const char *path, const char *prefix, unsigned count)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("cannot write %s", path);
	for (unsigned i = 1; i <= count; i++)
		fprintf(f, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s-%u@bench\r\nFN:%s %u\r\n"
			"N:%s;Person %u;;;\r\nORG:Bench Inc.;Unit %u\r\nTITLE:Tester\r\n"
			"EMAIL;TYPE=INTERNET:%s.%u@example.com\r\nTEL;TYPE=CELL:+1555%07u\r\n"
			"TEL;TYPE=WORK:+1666%07u\r\nADR;TYPE=WORK:;;%u Main Street;Springfield;;%05u;US\r\n"
			"NOTE:Met at the conference number %u.\r\nEND:VCARD\r\n",
			prefix, i, prefix, i, prefix, i, i % 50, prefix, i, i, i, i, i % 100000, i);
	if (fclose(f) != 0)
		die("cannot write %s", path);
}

int main(int argc, char **argv)
{
	unsigned runs = 5, seconds = 1, large = 10000;
	char path[PATH_MAX + 32];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = parse_count(argv[++i], 1, MAX_RUNS);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = parse_count(argv[++i], 1, 60);
		else if (strcmp(argv[i], "--large") == 0 && i + 1 < argc)
			large = parse_count(argv[++i], SMALL_BOOK, 1000000);
		else
			parse_count(NULL, 0, 0);
	}
	find_binaries(argv[0]);

	signal(SIGPIPE, SIG_IGN);
	make_data_root("easd-bench");
	easctl(NULL, "context", "add", "bench.test", NULL);
	easctl(NULL, "context", "default", "bench.test", NULL);
	easctl(PASSWORD "\n", "user", "add", SMALL_USER, "--password-stdin", NULL);
	easctl(PASSWORD "\n", "user", "add", LARGE_USER, "--password-stdin", NULL);
	double t0 = now_seconds();
	snprintf(path, sizeof(path), "%s/small.vcf", data_root);
	write_vcards(path, "Small", SMALL_BOOK);
	easctl(NULL, "contacts", "import", SMALL_USER, path, NULL);
	snprintf(path, sizeof(path), "%s/large.vcf", data_root);
	write_vcards(path, "Large", large);
	easctl(NULL, "contacts", "import", LARGE_USER, path, NULL);
	double import_s = now_seconds() - t0;

	if (curl_global_init(CURL_GLOBAL_ALL) != 0)
		die("curl_global_init");
	latencies = xcalloc(RUN_MAX_REQUESTS, sizeof(*latencies));
	printf("easd Sync over loopback, protocol %s, provisioned phones; medians of %u runs\n",
	       VERSION, runs);
	printf("(easctl contacts import of %u + %u contacts took %.1f s)\n\n", SMALL_BOOK, large,
	       import_s);

	/* (a) */
	printf("(a) initial Sync, WindowSize 100, a fresh easd per run\n");
	printf("%-9s %9s %9s %14s %12s %14s %14s %12s\n", "contacts", "requests", "adds",
	       "client ms", "easd ms", "VmHWM login", "VmHWM sync", "VmRSS after");
	const unsigned books[2] = { SMALL_BOOK, large };
	const char *users[2] = { SMALL_USER, LARGE_USER };
	for (int b = 0; b < 2; b++) {
		struct initial_result res;
		initial_sync(users[b], books[b], runs, &res);
		printf("%-9u %9.0f %9.0f %14.1f %12.0f %11.1f MiB %11.1f MiB %9.1f MiB\n", books[b],
		       res.requests, res.adds, res.client_ms, res.log_ms, res.hwm_login_kib / 1024,
		       res.hwm_kib / 1024, res.rss_kib / 1024);
		fflush(stdout);
	}
	printf("client ms: the sum of the requests' times seen by the client; easd ms: the sum of "
	       "the ms= of easd's request log (whole milliseconds, rounded down)\n"
	       "VmHWM login: easd's peak after Provision and FolderSync (argon2id takes 64 MiB); "
	       "VmHWM sync: its peak during the walk alone (reset with /proc/PID/clear_refs)\n\n");

	/* (b) */
	static struct phone small_phones[MAX_CLIENTS], large_phone;
	start_easd(NULL);
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		char device[32];
		snprintf(device, sizeof(device), "nochange%02u", i);
		phone_ready(&small_phones[i], SMALL_USER, device);
	}
	phone_ready(&large_phone, LARGE_USER, "nochangelarge");
	printf("(b) no-change requests, keep-alive phones, runs of at most %u s (or %d answers)\n",
	       seconds, RUN_MAX_REQUESTS);
	printf("%-34s %7s %10s %19s %9s %8s %9s %s\n", "request", "phones", "req/s", "min..max",
	       "median ms", "easd ms", "easd <1ms", "other");
	char what[64];
	snprintf(what, sizeof(what), "Sync, %u contacts", SMALL_BOOK);
	print_nochange(what, small_phones, 1, NC_SYNC, runs, seconds);
	print_nochange(what, small_phones, MAX_CLIENTS, NC_SYNC, runs, seconds);
	snprintf(what, sizeof(what), "Sync, %u contacts", large);
	print_nochange(what, &large_phone, 1, NC_SYNC, runs, seconds);
	print_nochange("FolderSync", small_phones, 1, NC_FOLDER, runs, seconds);
	print_nochange("FolderSync", small_phones, MAX_CLIENTS, NC_FOLDER, runs, seconds);
	printf("median ms: the client's median latency (loopback, includes queueing with 32 phones); "
	       "easd ms: the median of easd's ms=, easd <1ms: the share of answers with ms=0\n");
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		phone_done(&small_phones[i]);
	phone_done(&large_phone);
	stop_easd();

	free(latencies);
	free(log_recs);
	curl_global_cleanup();
	remove_data_root();
	return 0;
}
