/* tls.h: the server's TLS certificate and key (PEM files), served to GnuTLS through
 * libmicrohttpd's certificate callback so that SIGHUP can swap them without restarting the
 * listeners: new handshakes get the new pair, running sessions keep theirs.
 *
 * One set per process. Every pair loaded stays in memory until srv_tls_free (GnuTLS may use a
 * pair for as long as a session lives; certificates are renewed every few weeks, so the cost
 * is a few kilobytes per renewal). */
#ifndef EASD_SERVER_TLS_H
#define EASD_SERVER_TLS_H

#include <gnutls/abstract.h>
#include <stdbool.h>

/* Loads cert_file (chain, leaf first) and key_file and makes them current. A pair whose key
 * does not match the certificate is refused. 0, or -1 with *error_r (heap: free it) and the
 * current pair unchanged. */
int srv_tls_load(const char *cert_file, const char *key_file, char **error_r);
/* True once a pair is loaded. */
bool srv_tls_loaded(void);
/* The callback for MHD_OPTION_HTTPS_CERT_CALLBACK (a gnutls_certificate_retrieve_function2). */
gnutls_certificate_retrieve_function2 *srv_tls_callback(void);
/* Subject of the current certificate and its expiry (for the log), into out. */
void srv_tls_describe(char *out, unsigned size);
/* Frees every pair; call after the listeners stopped. */
void srv_tls_free(void);

#endif
