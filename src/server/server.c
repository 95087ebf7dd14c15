/* server.c: listeners, live settings, per-thread store handles, reload and shutdown. */
#include "server/server-private.h"

#include "eas/eas.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "server/tls.h"
#include "server/throttle.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- errors ---- */

__attribute__((format(printf, 1, 2)))
static char *error_printf(const char *fmt, ...)
{
	buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return (char *)buf_detach(&b, NULL);
}

/* ---- settings ---- */

static struct srv_settings *settings_new(const struct config *cfg, char **error_r)
{
	struct srv_settings *st = xcalloc(1, sizeof(*st));
	buf b = BUF_INIT;

	for (size_t i = 0; i < cfg->trusted_proxy_count; i++) {
		if (srv_net_parse(cfg->trusted_proxies[i], &st->proxies[st->proxy_count]) < 0) {
			*error_r = error_printf("[server] trusted_proxies: '%s' is not an address "
						"or network", cfg->trusted_proxies[i]);
			free(st);
			return NULL;
		}
		st->proxy_count++;
	}
	/* The realm is a quoted-string: quotes and backslashes are escaped. */
	buf_puts(&b, "Basic realm=\"");
	for (const char *s = cfg->realm; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20)
			continue;
		if (*s == '"' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, (unsigned char)*s);
	}
	buf_puts(&b, "\", charset=\"UTF-8\"");
	st->www_authenticate = (char *)buf_detach(&b, NULL);
	st->max_request_size = cfg->max_request_size;
	atomic_init(&st->refs, 1);
	return st;
}

struct srv_settings *srv_settings_get(struct srv_server *s)
{
	pthread_mutex_lock(&s->settings_lock);
	struct srv_settings *st = s->settings;
	atomic_fetch_add(&st->refs, 1);
	pthread_mutex_unlock(&s->settings_lock);
	return st;
}

void srv_settings_put(struct srv_settings **settings)
{
	struct srv_settings *st = *settings;

	if (st == NULL)
		return;
	*settings = NULL;
	if (atomic_fetch_sub(&st->refs, 1) == 1) {
		free(st->www_authenticate);
		free(st);
	}
}

static void settings_replace(struct srv_server *s, struct srv_settings *st)
{
	pthread_mutex_lock(&s->settings_lock);
	struct srv_settings *old = s->settings;
	s->settings = st;
	pthread_mutex_unlock(&s->settings_lock);
	srv_settings_put(&old);
}

static void limits_of(const struct config *cfg, struct srv_throttle_limits *limits)
{
	limits->max_failures_per_user = cfg->max_failures_per_user;
	limits->max_failures_per_address = cfg->max_failures_per_address;
	limits->failure_window = cfg->failure_window;
}

/* ---- per-thread store handles ---- */

/* One SQLite connection per HTTP thread (store.h: a handle is used by one thread at a time).
 * There is one server per process. */
static _Thread_local struct store *thread_store;

struct store *srv_thread_store(struct srv_server *s, const char **error_r)
{
	if (thread_store != NULL)
		return thread_store;
	struct store *st = NULL;
	if (store_open(s->data_dir, &st, error_r) != STORE_OK)
		return NULL;
	pthread_mutex_lock(&s->stores_lock);
	s->stores = xrealloc(s->stores, (s->store_count + 1) * sizeof(*s->stores));
	s->stores[s->store_count++] = st;
	pthread_mutex_unlock(&s->stores_lock);
	thread_store = st;
	return st;
}

/* ---- in-flight requests ---- */

void srv_http_request_begun(struct srv_server *s)
{
	pthread_mutex_lock(&s->active_lock);
	s->active++;
	pthread_mutex_unlock(&s->active_lock);
}

void srv_http_request_ended(struct srv_server *s)
{
	pthread_mutex_lock(&s->active_lock);
	s->active--;
	if (s->active == 0)
		pthread_cond_broadcast(&s->active_cond);
	pthread_mutex_unlock(&s->active_lock);
}

/* ---- life cycle ---- */

static int tls_load_logged(const struct config *cfg, char **error_r)
{
	char what[384];

	if (srv_tls_load(cfg->tls_cert, cfg->tls_key, error_r) < 0)
		return -1;
	srv_tls_describe(what, sizeof(what));
	log_info("easd: TLS certificate %s: %s", cfg->tls_cert, what);
	return 0;
}

struct srv_server *srv_server_new(const struct config *cfg, char **error_r)
{
	struct srv_server *s = xcalloc(1, sizeof(*s));
	bool tls_configured = *cfg->tls_cert != '\0';

	pthread_mutex_init(&s->settings_lock, NULL);
	pthread_mutex_init(&s->active_lock, NULL);
	pthread_cond_init(&s->active_cond, NULL);
	pthread_mutex_init(&s->stores_lock, NULL);
	s->data_dir = xstrdup(cfg->data_dir);
	s->threads = cfg->threads;
	s->tls_cert = xstrdup(cfg->tls_cert);
	s->tls_key = xstrdup(cfg->tls_key);

	for (size_t i = 0; i < cfg->listen_count; i++) {
		struct srv_listener *l = &s->listeners[i];
		const char *error;
		l->server = s;
		l->fd = -1;
		if (srv_listen_parse(cfg->listen[i], &l->spec, &error) < 0) {
			*error_r = error_printf("listen address '%s': %s", cfg->listen[i], error);
			srv_server_free(&s);
			return NULL;
		}
		if (l->spec.scheme == SRV_SCHEME_HTTPS && !tls_configured) {
			*error_r = error_printf("listen address '%s' wants TLS, but tls_cert and "
						"tls_key are not set", cfg->listen[i]);
			srv_server_free(&s);
			return NULL;
		}
		l->tls = l->spec.scheme == SRV_SCHEME_HTTPS ||
			 (l->spec.scheme == SRV_SCHEME_DEFAULT && tls_configured);
		s->listener_count++;
	}
	if ((s->settings = settings_new(cfg, error_r)) == NULL) {
		srv_server_free(&s);
		return NULL;
	}
	if (tls_configured && tls_load_logged(cfg, error_r) < 0) {
		srv_server_free(&s);
		return NULL;
	}

	size_t count;
	const struct eas_command *table = eas_commands(&count);
	buf cmds = BUF_INIT;
	eas_commands_implemented(table, count, &cmds);
	s->protocol_commands = xstrdup(buf_cstr(&cmds));
	buf_free(&cmds);

	struct srv_throttle_limits limits;
	limits_of(cfg, &limits);
	s->auth = srv_auth_new(&limits, cfg->auth_cache_ttl, 0);
	return s;
}

/* Creates, binds and listens on the socket of l; the kernel's port replaces port 0. */
static int listener_open(struct srv_listener *l, char **error_r)
{
	char text[SRV_ADDR_TEXT_MAX];
	int one = 1;
	int family = l->spec.addr.ss_family;

	srv_sockaddr_text((struct sockaddr *)&l->spec.addr, text);
	l->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0) {
		*error_r = error_printf("socket for %s: %s", text, strerror(errno));
		return -1;
	}
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&l->spec.addr, l->spec.addr_len) < 0) {
		*error_r = error_printf("cannot listen on %s: %s", text, strerror(errno));
		return -1;
	}
	if (listen(l->fd, 1024) < 0) {
		*error_r = error_printf("listen on %s: %s", text, strerror(errno));
		return -1;
	}
	struct sockaddr_storage real;
	socklen_t len = sizeof(real);
	if (getsockname(l->fd, (struct sockaddr *)&real, &len) < 0) {
		*error_r = error_printf("getsockname on %s: %s", text, strerror(errno));
		return -1;
	}
	srv_sockaddr_text((struct sockaddr *)&real, text);
	snprintf(l->url, sizeof(l->url), "%s://%s/", l->tls ? "https" : "http", text);
	return 0;
}

int srv_server_start(struct srv_server *s, char **error_r)
{
	for (size_t i = 0; i < s->listener_count; i++) {
		struct srv_listener *l = &s->listeners[i];
		if (listener_open(l, error_r) < 0 || srv_http_start(l, error_r) < 0)
			return -1;
		l->fd = -1; /* the daemon owns the socket now; quiescing hands it back */
	}
	log_info("easd: %u HTTP threads per listener, %u password hashing threads, "
		 "commands: %s", s->threads, srv_auth_hash_threads(s->auth),
		 *s->protocol_commands != '\0' ? s->protocol_commands : "(none yet)");
	/* Only now, with every daemon polling its socket: the test harness waits for these
	 * lines and connects at once. */
	for (size_t i = 0; i < s->listener_count; i++)
		log_info("easd: listening on %s", s->listeners[i].url);
	fflush(stderr);
	return 0;
}

int srv_server_reconfigure(struct srv_server *s, const struct config *cfg, char **error_r)
{
	struct srv_settings *st = settings_new(cfg, error_r);
	int ret = 0;

	if (st == NULL)
		return -1;
	settings_replace(s, st);
	struct srv_throttle_limits limits;
	limits_of(cfg, &limits);
	srv_auth_configure(s->auth, &limits, cfg->auth_cache_ttl);
	log_info("easd: reloaded realm, max_request_size, trusted_proxies, [auth] and [log]");

	bool listen_same = cfg->listen_count == s->listener_count && cfg->threads == s->threads &&
			   strcmp(cfg->data_dir, s->data_dir) == 0;
	if (!listen_same)
		log_warn("easd: listen, threads and data take effect only after a restart");

	bool had_tls = false;
	for (size_t i = 0; i < s->listener_count; i++)
		had_tls = had_tls || s->listeners[i].tls;
	if (*cfg->tls_cert != '\0' && had_tls) {
		if (tls_load_logged(cfg, error_r) < 0) {
			ret = -1; /* the current pair stays */
		} else {
			free(s->tls_cert);
			free(s->tls_key);
			s->tls_cert = xstrdup(cfg->tls_cert);
			s->tls_key = xstrdup(cfg->tls_key);
		}
	} else if (*cfg->tls_cert != '\0' || had_tls) {
		log_warn("easd: turning TLS on or off takes effect only after a restart");
	}
	return ret;
}

void srv_server_stop(struct srv_server *s, unsigned grace_ms)
{
	/* Stop accepting: close the listening sockets, keep serving what is in progress. */
	for (size_t i = 0; i < s->listener_count; i++) {
		struct srv_listener *l = &s->listeners[i];
		if (l->daemon != NULL) {
			MHD_socket fd = MHD_quiesce_daemon(l->daemon);
			if (fd != MHD_INVALID_SOCKET)
				close(fd);
		}
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += grace_ms / 1000;
	until.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->active_lock);
	while (s->active > 0) {
		if (pthread_cond_timedwait(&s->active_cond, &s->active_lock, &until) == ETIMEDOUT)
			break;
	}
	unsigned left = s->active;
	pthread_mutex_unlock(&s->active_lock);
	if (left > 0)
		log_warn("easd: %u request(s) still running after %u ms: ending them", left, grace_ms);

	/* Parked logins are finished (and their connections resumed) before the daemons stop:
	 * libmicrohttpd must not be stopped with suspended connections. Requests that still
	 * arrive on open connections meanwhile find the hasher closed (503). */
	if (s->auth != NULL)
		srv_auth_drain(s->auth);
	for (size_t i = 0; i < s->listener_count; i++) {
		struct srv_listener *l = &s->listeners[i];
		if (l->daemon != NULL) {
			MHD_stop_daemon(l->daemon);
			l->daemon = NULL;
		}
		if (l->fd >= 0) {
			close(l->fd);
			l->fd = -1;
		}
	}
	/* The daemons' threads are gone: nothing uses the login state or the stores now. */
	srv_auth_free(&s->auth);
	pthread_mutex_lock(&s->stores_lock);
	for (size_t i = 0; i < s->store_count; i++)
		store_close(&s->stores[i]);
	s->store_count = 0;
	pthread_mutex_unlock(&s->stores_lock);
}

void srv_server_free(struct srv_server **server)
{
	struct srv_server *s = *server;

	if (s == NULL)
		return;
	srv_server_stop(s, 0);
	srv_settings_put(&s->settings);
	free(s->stores);
	free(s->protocol_commands);
	free(s->data_dir);
	free(s->tls_cert);
	free(s->tls_key);
	pthread_mutex_destroy(&s->settings_lock);
	pthread_mutex_destroy(&s->active_lock);
	pthread_cond_destroy(&s->active_cond);
	pthread_mutex_destroy(&s->stores_lock);
	srv_tls_free();
	free(s);
	*server = NULL;
}
