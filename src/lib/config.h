/* config.h: easd's configuration file (INI syntax through GLib's GKeyFile), documented key by
 * key in the README and in contrib/easd.conf. Every key has a default, so no file is needed. */
#ifndef EASD_CONFIG_H
#define EASD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/easd/easd.conf"
#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_PROXIES 32

struct config {
	/* [server] */
	char *data_dir;                       /* data = DIR */
	char *listen[CONFIG_MAX_LISTEN];      /* listen = ADDR:PORT;ADDR:PORT */
	size_t listen_count;
	unsigned threads;                     /* threads = N (HTTP worker threads) */
	uint64_t max_request_size;            /* max_request_size = BYTES (bodies above: 413) */
	char *realm;                          /* realm = text of WWW-Authenticate */
	char *tls_cert;                       /* tls_cert = PEM file (empty: plain HTTP) */
	char *tls_key;                        /* tls_key = PEM file */
	char *trusted_proxies[CONFIG_MAX_PROXIES]; /* trusted_proxies = IP;IP (X-Forwarded-For) */
	size_t trusted_proxy_count;
	/* [auth] */
	unsigned max_failures_per_user;       /* failures within failure_window before a lockout */
	unsigned max_failures_per_address;
	unsigned failure_window;              /* seconds */
	unsigned auth_cache_ttl;              /* seconds a verified password is remembered */
	/* [log] */
	char *log_level;                      /* level = debug|info|warn|error */
	bool log_wbxml;                       /* wbxml = true: log decoded requests and responses */
};

/* Sets every key to its default. */
void config_init_defaults(struct config *cfg);
/* Reads path into cfg (over the defaults already there). Unknown groups or keys, bad values
 * and unreadable files are errors: returns -1 with *error_r (heap string: free it), and cfg
 * is left unchanged. */
int config_load(struct config *cfg, const char *path, char **error_r);
void config_free(struct config *cfg);

#endif
