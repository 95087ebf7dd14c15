/* server-private.h: what server.c and http.c share. Not for other folders. */
#ifndef EASD_SERVER_PRIVATE_H
#define EASD_SERVER_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "server/addr.h"
#include "server/auth.h"
#include "server/server.h"
#include "store/store.h"

struct MHD_Daemon;

/* Settings that SIGHUP may change, shared read-only by requests: a request takes a reference
 * at its start and keeps that snapshot to its end. */
struct srv_settings {
	atomic_int refs;
	char *www_authenticate;           /* Basic realm="..." */
	uint64_t max_request_size;
	struct srv_net proxies[CONFIG_MAX_PROXIES];
	size_t proxy_count;
};

struct srv_listener {
	struct srv_server *server;
	struct srv_listen_spec spec;
	bool tls;
	int fd;
	struct MHD_Daemon *daemon;
	char url[SRV_ADDR_TEXT_MAX + 16];
};

struct srv_server {
	char *data_dir;
	unsigned threads;
	struct srv_listener listeners[CONFIG_MAX_LISTEN];
	size_t listener_count;
	char *tls_cert, *tls_key;

	pthread_mutex_t settings_lock;
	struct srv_settings *settings;
	struct srv_auth *auth;
	char *protocol_commands;          /* MS-ASProtocolCommands */

	pthread_mutex_t active_lock;
	pthread_cond_t active_cond;
	unsigned active;                  /* requests between URI and completion */

	pthread_mutex_t stores_lock;
	struct store **stores;            /* every per-thread handle, closed at stop */
	size_t store_count;
};

struct srv_settings *srv_settings_get(struct srv_server *server);
void srv_settings_put(struct srv_settings **settings);
/* The calling thread's store handle, opened on first use. NULL with *error_r on failure. */
struct store *srv_thread_store(struct srv_server *server, const char **error_r);

/* http.c: the libmicrohttpd callbacks of a listener. */
struct srv_listener;
int srv_http_start(struct srv_listener *listener, char **error_r);
void srv_http_request_begun(struct srv_server *server);
void srv_http_request_ended(struct srv_server *server);

#endif
