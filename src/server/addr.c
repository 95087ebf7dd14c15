/* addr.c: listen specifications, networks and X-Forwarded-For (see addr.h). */
#include "server/addr.h"

#include "lib/str.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int srv_listen_parse(const char *text, struct srv_listen_spec *spec_r, const char **error_r)
{
	struct srv_listen_spec spec;
	char host[INET6_ADDRSTRLEN + 1];
	const char *s = text, *port_text;
	size_t host_len;

	memset(&spec, 0, sizeof(spec));
	memset(spec_r, 0, sizeof(*spec_r));
	if (strncmp(s, "http://", 7) == 0) {
		spec.scheme = SRV_SCHEME_HTTP;
		s += 7;
	} else if (strncmp(s, "https://", 8) == 0) {
		spec.scheme = SRV_SCHEME_HTTPS;
		s += 8;
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':') {
			*error_r = "expected [IPV6]:PORT";
			return -1;
		}
		host_len = (size_t)(close - s - 1);
		s++;
		port_text = close + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (colon == NULL) {
			*error_r = "expected ADDR:PORT";
			return -1;
		}
		host_len = (size_t)(colon - s);
		port_text = colon + 1;
		if (memchr(s, ':', host_len) != NULL) {
			*error_r = "an IPv6 address needs brackets: [IPV6]:PORT";
			return -1;
		}
	}
	if (host_len == 0 || host_len >= sizeof(host)) {
		*error_r = "bad address";
		return -1;
	}
	memcpy(host, s, host_len);
	host[host_len] = '\0';

	size_t port_len = strlen(port_text);
	if (port_len > 0 && port_text[port_len - 1] == '/')
		port_len--;
	uint64_t port;
	if (str_n_to_uint64(port_text, port_len, 65535, &port) < 0) {
		*error_r = "bad port (0-65535)";
		return -1;
	}

	struct sockaddr_in *sin = (struct sockaddr_in *)&spec.addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&spec.addr;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		spec.addr_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		spec.addr_len = sizeof(*sin6);
	} else {
		*error_r = "the address is not a numeric IPv4 or IPv6 address";
		return -1;
	}
	*spec_r = spec;
	return 0;
}

void srv_sockaddr_text(const struct sockaddr *sa, char out[SRV_ADDR_TEXT_MAX])
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, SRV_ADDR_TEXT_MAX, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, SRV_ADDR_TEXT_MAX, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, SRV_ADDR_TEXT_MAX, "unknown");
	}
}

/* Parses a bare address into family/bytes, folding IPv4-mapped IPv6 into IPv4. */
static int ip_parse(const char *text, int *family_r, unsigned char bytes[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(bytes, 0, 16);
	if (inet_pton(AF_INET, text, bytes) == 1) {
		*family_r = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, bytes) == 1) {
		if (memcmp(bytes, mapped, 12) == 0) {
			memmove(bytes, bytes + 12, 4);
			memset(bytes + 4, 0, 12);
			*family_r = AF_INET;
		} else {
			*family_r = AF_INET6;
		}
		return 0;
	}
	return -1;
}

int srv_net_parse(const char *text, struct srv_net *net_r)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t host_len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	struct srv_net net;

	memset(net_r, 0, sizeof(*net_r));
	if (host_len == 0 || host_len >= sizeof(host))
		return -1;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (ip_parse(host, &net.family, net.bytes) < 0)
		return -1;
	unsigned max = net.family == AF_INET ? 32 : 128;
	net.prefix = max;
	if (slash != NULL) {
		uint64_t prefix;
		if (str_to_uint64(slash + 1, max, &prefix) < 0)
			return -1;
		net.prefix = (unsigned)prefix;
	}
	*net_r = net;
	return 0;
}

static bool net_match(const struct srv_net *net, int family, const unsigned char bytes[16])
{
	if (net->family != family)
		return false;
	unsigned full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(net->bytes, bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (net->bytes[full] & mask) == (bytes[full] & mask);
}

bool srv_net_contains(const struct srv_net *nets, size_t count, const char *addr)
{
	int family;
	unsigned char bytes[16];

	if (ip_parse(addr, &family, bytes) < 0)
		return false;
	for (size_t i = 0; i < count; i++) {
		if (net_match(&nets[i], family, bytes))
			return true;
	}
	return false;
}

/* Canonical text of an address (IPv4-mapped IPv6 as IPv4); -1 when it is not an address.
 * A hop may carry a port ("192.0.2.1:1234", "[2001:db8::1]:443"): it is dropped. */
static int hop_canonical(const char *hop, size_t len, char out[SRV_ADDR_TEXT_MAX])
{
	char text[SRV_ADDR_TEXT_MAX];
	int family;
	unsigned char bytes[16];

	while (len > 0 && (*hop == ' ' || *hop == '\t')) {
		hop++;
		len--;
	}
	while (len > 0 && (hop[len - 1] == ' ' || hop[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(text))
		return -1;
	memcpy(text, hop, len);
	text[len] = '\0';
	if (text[0] == '[') {
		char *close = strchr(text, ']');
		if (close == NULL)
			return -1;
		*close = '\0';
		memmove(text, text + 1, strlen(text + 1) + 1);
	} else {
		char *colon = strchr(text, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL)
			*colon = '\0'; /* IPv4 with port */
	}
	if (ip_parse(text, &family, bytes) < 0)
		return -1;
	inet_ntop(family, bytes, out, SRV_ADDR_TEXT_MAX);
	return 0;
}

void srv_client_address(const char *peer, const char *forwarded_for, const struct srv_net *trusted,
			size_t trusted_count, char out[SRV_ADDR_TEXT_MAX])
{
	char cur[SRV_ADDR_TEXT_MAX];

	if (hop_canonical(peer, strlen(peer), cur) < 0)
		str_copy(cur, sizeof(cur), peer);
	if (forwarded_for != NULL) {
		size_t end = strlen(forwarded_for);
		while (srv_net_contains(trusted, trusted_count, cur)) {
			/* the hop left of the last comma before end */
			size_t start = end;
			while (start > 0 && forwarded_for[start - 1] != ',')
				start--;
			char hop[SRV_ADDR_TEXT_MAX];
			if (end == 0 && start == 0)
				break;
			if (hop_canonical(forwarded_for + start, end - start, hop) < 0)
				break;
			str_copy(cur, sizeof(cur), hop);
			if (start == 0)
				break;
			end = start - 1;
		}
	}
	str_copy(out, SRV_ADDR_TEXT_MAX, cur);
}
