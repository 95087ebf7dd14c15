/* addr.h: network addresses of the HTTP front: listen specifications, trusted proxies and the
 * choice of the real client address behind them (X-Forwarded-For). Pure functions. */
#ifndef EASD_SERVER_ADDR_H
#define EASD_SERVER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SRV_ADDR_TEXT_MAX 64   /* "[v6 address]:port" fits */

enum srv_listen_scheme {
	SRV_SCHEME_DEFAULT = 0, /* ADDR:PORT: HTTPS when tls_cert is set, else HTTP */
	SRV_SCHEME_HTTP = 1,    /* http://ADDR:PORT: always plain (behind a reverse proxy) */
	SRV_SCHEME_HTTPS = 2,   /* https://ADDR:PORT: TLS; an error without tls_cert */
};

struct srv_listen_spec {
	enum srv_listen_scheme scheme;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

/* Parses "ADDR:PORT", "[IPV6]:PORT", optionally with "http://" or "https://" in front and a
 * '/' at the end. ADDR is numeric (no host names). 0, or -1 with *error_r (static). */
int srv_listen_parse(const char *text, struct srv_listen_spec *spec_r, const char **error_r);
/* "127.0.0.1:8080" or "[::1]:8080" of a socket address. */
void srv_sockaddr_text(const struct sockaddr *sa, char out[SRV_ADDR_TEXT_MAX]);

/* An address or network: "192.0.2.1", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32". */
struct srv_net {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
	unsigned prefix;         /* bits that must match */
};

int srv_net_parse(const char *text, struct srv_net *net_r);
/* True when the address text (IPv4-mapped IPv6 counts as IPv4) is inside one of nets. */
bool srv_net_contains(const struct srv_net *nets, size_t count, const char *addr);

/* The client address for throttling and logs: peer is the TCP peer. When peer is a trusted
 * proxy, X-Forwarded-For (all its values joined by ',', NULL when absent) is walked from the
 * right: each hop added by a trusted proxy is believed, and the first address not in the
 * trusted list is the client. A malformed hop stops the walk at the last believed address.
 * The result (canonical text, IPv4-mapped IPv6 shown as IPv4) goes to out. */
void srv_client_address(const char *peer, const char *forwarded_for, const struct srv_net *trusted,
			size_t trusted_count, char out[SRV_ADDR_TEXT_MAX]);

#endif
