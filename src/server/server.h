/* server.h: the HTTP front of easd: listeners (libmicrohttpd with internal epoll threads,
 * suspend/resume for parked requests, GnuTLS), routing of /Microsoft-Server-ActiveSync,
 * authentication and the dispatch of EAS commands. Used by cmd/easd.c. */
#ifndef EASD_SERVER_H
#define EASD_SERVER_H

#include "lib/config.h"

#define EASD_VERSION "0.1.0"

struct srv_server;

/* Checks cfg (listen addresses, trusted proxies, TLS files) and prepares the server; nothing
 * listens yet. NULL with *error_r (heap: free it) on a bad configuration. */
struct srv_server *srv_server_new(const struct config *cfg, char **error_r);
/* Opens every listener and starts serving. Logs "easd: listening on http(s)://ADDR:PORT/"
 * for each, with the real port, once it accepts connections. 0, or -1 with *error_r (heap). */
int srv_server_start(struct srv_server *server, char **error_r);
/* Applies a reloaded configuration (SIGHUP): realm, request size limit, trusted proxies,
 * throttling, cache TTL, log level and the TLS pair are taken over at once; listen addresses,
 * threads and the data directory need a restart (a warning says so). A TLS pair that fails
 * to load keeps the current one: returns -1 with *error_r (heap), everything else applied. */
int srv_server_reconfigure(struct srv_server *server, const struct config *cfg, char **error_r);
/* Stops accepting, waits up to grace_ms for requests in progress, then stops the listeners
 * and closes the per-thread store handles. */
void srv_server_stop(struct srv_server *server, unsigned grace_ms);
void srv_server_free(struct srv_server **server);

#endif
