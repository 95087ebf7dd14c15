/* http.c: one EAS request through libmicrohttpd.
 *
 * libmicrohttpd calls the access handler several times per request: once when the headers are
 * in, once per piece of body, once when the body is complete. All checks that need only the
 * headers (route, method, size, query, credentials, version, command, content type) are made
 * at the first call, so that a refused request never has its body read (with
 * "Expect: 100-continue" the client does not even send it). A password that needs hashing
 * parks the connection (MHD_suspend_connection) while a hasher thread works; the hasher wakes
 * it (MHD_resume_connection) and libmicrohttpd repeats the first call. The command runs at the
 * last call, with the whole body.
 *
 * A request object lives from the URI callback to the completion callback: it can outlive any
 * one handler call (parked requests, later Ping and hanging Sync). */
#include "server/server-private.h"

#include "eas/eas.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "server/query.h"
#include "server/tls.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define EAS_PATH "/Microsoft-Server-ActiveSync"
#define WBXML_TYPE "application/vnd.ms-sync.wbxml"
/* After a body went over the limit, this much more is read and dropped (so that the 413 can
 * be delivered on a clean connection); beyond it the connection is closed. */
#define DISCARD_MAX (1024 * 1024)
/* Idle keep-alive connections are closed after this (parked requests do not time out). */
#define IDLE_TIMEOUT_SECONDS 180

enum phase {
	PHASE_HEADERS,     /* the first handler call has not completed */
	PHASE_HASHING,     /* parked while a hasher thread verifies the password */
	PHASE_BODY,        /* accepted so far: reading the body */
	PHASE_ANSWERED,    /* a response is queued */
};

struct srv_request {
	struct srv_listener *listener;
	struct srv_server *server;
	struct MHD_Connection *conn;
	pool *pool;
	struct srv_settings *settings;
	struct store *store;
	uint64_t start_us;
	int64_t now;
	enum phase phase;

	const char *uri;               /* raw, with the query */
	char addr[SRV_ADDR_TEXT_MAX];  /* client address (after trusted proxies) */
	bool is_options;
	struct srv_query query;
	struct srv_auth_attempt auth;
	const struct eas_command *command;
	int version;
	bool has_policy_key;
	uint32_t policy_key;
	const char *content_type;
	const char *user_agent;
	uint64_t content_length;       /* UINT64_MAX: not given (chunked or none) */
	bool chunked;

	buf body;
	bool body_too_large;
	size_t discarded;

	/* The response waiting to be queued (it can only be queued outside body calls). */
	struct MHD_Response *response;
	unsigned status;
	int eas_status;
	const char *note;              /* why, for the log line */
};

/* ---- responses ---- */

/* Prepares the response of req; it is queued by flush_response at the next chance. */
static void respond(struct srv_request *req, unsigned status, const void *body, size_t len,
		    const char *content_type, const struct eas_header *headers, size_t header_count)
{
	if (req->response != NULL || req->phase == PHASE_ANSWERED)
		return; /* the first answer decided stays */
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		i_panic("out of memory for a response");
	/* Q-HTTP-2: every response, empty or not, typed WBXML unless the command says otherwise;
	 * libmicrohttpd adds Content-Length and never compresses. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type != NULL ? content_type : WBXML_TYPE);
	for (size_t i = 0; i < header_count; i++)
		MHD_add_response_header(r, headers[i].name, headers[i].value);
	req->response = r;
	req->status = status;
}

static void respond_empty(struct srv_request *req, unsigned status, const char *note)
{
	req->note = note;
	respond(req, status, "", 0, NULL, NULL, 0);
}

static void respond_with(struct srv_request *req, unsigned status, const char *note,
			 const char *name, const char *value)
{
	struct eas_header h = { name, value };

	req->note = note;
	respond(req, status, "", 0, NULL, &h, 1);
}

static enum MHD_Result flush_response(struct srv_request *req)
{
	if (req->response == NULL)
		return MHD_YES;
	enum MHD_Result ret = MHD_queue_response(req->conn, req->status, req->response);
	MHD_destroy_response(req->response);
	req->response = NULL;
	req->phase = PHASE_ANSWERED;
	return ret;
}

static void respond_unauthorized(struct srv_request *req, const char *note)
{
	/* Q-HTTP-4: a bare 401, no HTML page. */
	respond_with(req, MHD_HTTP_UNAUTHORIZED, note, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		     req->settings->www_authenticate);
}

static void respond_retry_later(struct srv_request *req, unsigned seconds, const char *note)
{
	/* 503 with Retry-After: what Exchange answers when it throttles. Phones back off and
	 * try again by themselves; a 401 would make them ask the user for a password that
	 * may well be right. */
	respond_with(req, MHD_HTTP_SERVICE_UNAVAILABLE, note, MHD_HTTP_HEADER_RETRY_AFTER,
		     pool_printf(req->pool, "%u", seconds > 0 ? seconds : 1));
}

/* ---- helpers ---- */

static const char *header(struct srv_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct xff_ctx {
	buf joined;
};

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct xff_ctx *ctx = cls;

	(void)kind;
	if (value != NULL && str_eq_nocase(key, "X-Forwarded-For")) {
		if (ctx->joined.len > 0)
			buf_putc(&ctx->joined, ',');
		buf_puts(&ctx->joined, value);
	}
	return MHD_YES;
}

/* The TCP peer's address as text, without port. */
static void peer_address(struct MHD_Connection *conn, char out[SRV_ADDR_TEXT_MAX])
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	str_copy(out, SRV_ADDR_TEXT_MAX, "unknown");
	if (info == NULL || info->client_addr == NULL)
		return;
	const struct sockaddr *sa = info->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, SRV_ADDR_TEXT_MAX);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  SRV_ADDR_TEXT_MAX);
}

static void client_address(struct srv_request *req)
{
	char peer[SRV_ADDR_TEXT_MAX];
	struct xff_ctx xff = { BUF_INIT };

	peer_address(req->conn, peer);
	if (req->settings->proxy_count > 0)
		MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect_xff, &xff);
	srv_client_address(peer, xff.joined.len > 0 ? buf_cstr(&xff.joined) : NULL,
			   req->settings->proxies, req->settings->proxy_count, req->addr);
	buf_free(&xff.joined);
}

static bool path_is_eas(const char *url)
{
	size_t n = strlen(EAS_PATH);

	return strncasecmp(url, EAS_PATH, n) == 0 && (url[n] == '\0' || (url[n] == '/' && url[n + 1] == '\0'));
}

/* The base type of a Content-Type value ("application/vnd.ms-sync.wbxml; charset=x" →
 * "application/vnd.ms-sync.wbxml"), lower case, from the request pool. */
static char *base_type(pool *p, const char *value)
{
	while (*value == ' ' || *value == '\t')
		value++;
	size_t len = strcspn(value, ";");
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	char *t = pool_strndup(p, value, len);
	str_lcase(t);
	return t;
}

/* ---- the checks at the first call ---- */

/* Checks made before any authentication work: route, method, size, query. Returns false
 * when a response was prepared. */
static bool check_before_auth(struct srv_request *req, const char *url, const char *method)
{
	const char *q = strchr(req->uri, '?');
	const char *query = q != NULL ? q + 1 : "";
	const char *error = NULL;

	if (!path_is_eas(url)) {
		respond_empty(req, MHD_HTTP_NOT_FOUND, "unknown path");
		return false;
	}
	req->is_options = strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0;
	if (!req->is_options && strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		respond_with(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed",
			     MHD_HTTP_HEADER_ALLOW, "OPTIONS,POST");
		return false;
	}

	const char *cl = header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	req->content_length = UINT64_MAX;
	req->chunked = te != NULL && strcasestr(te, "chunked") != NULL;
	if (cl != NULL && str_to_uint64(cl, UINT64_MAX - 1, &req->content_length) < 0) {
		respond_empty(req, MHD_HTTP_BAD_REQUEST, "bad Content-Length");
		return false;
	}

	if (srv_query_parse(req->pool, query, strlen(query), &req->query, &error) < 0) {
		if (req->is_options) {
			memset(&req->query, 0, sizeof(req->query)); /* OPTIONS needs no query */
		} else {
			req->note = error;
			respond_empty(req, MHD_HTTP_BAD_REQUEST, error);
			return false;
		}
	}
	/* After the query (cheap, and it names command and device in the log line). */
	if (req->content_length != UINT64_MAX &&
	    req->content_length > req->settings->max_request_size) {
		/* Decided from the header: the body is never read. */
		respond_empty(req, MHD_HTTP_CONTENT_TOO_LARGE, "body over max_request_size");
		return false;
	}
	if (!req->is_options) {
		if (req->query.cmd == NULL && req->query.cmd_code < 0) {
			respond_empty(req, MHD_HTTP_BAD_REQUEST, "no Cmd");
			return false;
		}
		if (req->query.device_id == NULL) {
			respond_empty(req, MHD_HTTP_BAD_REQUEST, "no DeviceId");
			return false;
		}
	}
	return true;
}

/* The result of authentication: false when a response was prepared. */
static bool check_auth_result(struct srv_request *req)
{
	switch (req->auth.state) {
	case SRV_AUTH_OK:
		break;
	case SRV_AUTH_FAILED:
		respond_unauthorized(req, req->auth.reason);
		return false;
	case SRV_AUTH_DISABLED:
		respond_empty(req, MHD_HTTP_FORBIDDEN, "user disabled");
		return false;
	case SRV_AUTH_LOCKED:
	case SRV_AUTH_BUSY:
		respond_retry_later(req, req->auth.retry_after, req->auth.reason);
		return false;
	case SRV_AUTH_ERROR:
	case SRV_AUTH_NEED_HASH:
		respond_empty(req, MHD_HTTP_INTERNAL_SERVER_ERROR, req->auth.reason);
		return false;
	}
	if (req->query.user != NULL) {
		const char *def = NULL, *error;
		/* A plain User= means the default context, as a plain login does. */
		if (strpbrk(req->query.user, "@\\") == NULL &&
		    store_context_get_default(req->store, req->pool, &def, &error) != STORE_OK)
			def = NULL;
		if (!srv_auth_user_matches(req->pool, req->query.user, &req->auth.user, def)) {
			/* Authenticated, but asking to act as someone else: forbidden. */
			respond_empty(req, MHD_HTTP_FORBIDDEN, "User parameter names another user");
			return false;
		}
	}
	return true;
}

static void respond_bad_version(struct srv_request *req, const char *note)
{
	respond_with(req, MHD_HTTP_BAD_REQUEST, note, "MS-ASProtocolVersions",
		     EAS_PROTOCOL_VERSIONS);
}

/* Checks after authentication that still need only the headers. false: responded. */
static bool check_after_auth(struct srv_request *req)
{
	const char *error;

	if (req->is_options)
		return true;

	/* Protocol version: the base64 query carries it, else the header does. */
	req->version = req->query.version;
	if (!req->query.base64_form) {
		const char *v = header(req, "MS-ASProtocolVersion");
		if (v == NULL || eas_version_parse(v, &req->version) < 0) {
			respond_bad_version(req, v == NULL ? "no MS-ASProtocolVersion"
							   : "unsupported protocol version");
			return false;
		}
	}
	if (!eas_version_supported(req->version)) {
		respond_bad_version(req, "unsupported protocol version");
		return false;
	}

	/* Policy key: the base64 query's field, else X-MS-PolicyKey; 0 means none (Q-HTTP-1). */
	req->has_policy_key = req->query.has_policy_key;
	req->policy_key = req->query.policy_key;
	const char *pk = header(req, "X-MS-PolicyKey");
	if (!req->has_policy_key && pk != NULL) {
		uint64_t v;
		if (str_to_uint64(pk, UINT32_MAX, &v) < 0) {
			respond_empty(req, MHD_HTTP_BAD_REQUEST, "bad X-MS-PolicyKey");
			return false;
		}
		req->policy_key = (uint32_t)v;
		req->has_policy_key = v != 0;
	}
	const char *amp = header(req, "MS-ASAcceptMultiPart");
	if (amp != NULL && (amp[0] == 'T' || amp[0] == 't'))
		req->query.params.accept_multipart = true;

	/* Every authenticated request with a valid query records its device, except the
	 * throw-away DeviceId "validate" of account set-up (Q-FOLD-1). User-Agent is never
	 * required (Q-HTTP-1); the store keeps the last one seen. */
	req->user_agent = header(req, MHD_HTTP_HEADER_USER_AGENT);
	if (!str_eq_nocase(req->query.device_id, "validate")) {
		enum store_result r = store_device_touch(req->store, req->auth.user.id,
							 req->query.device_id,
							 req->query.device_type, req->user_agent,
							 req->now, &error);
		if (r == STORE_INVALID) {
			/* A DeviceId the store refuses is the client's fault, not ours. */
			respond_empty(req, MHD_HTTP_BAD_REQUEST, "invalid DeviceId");
			return false;
		}
		if (r != STORE_OK) {
			log_error("recording device %s of %s: %s", req->query.device_id,
				  req->auth.login, error);
			respond_empty(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "store failed");
			return false;
		}
	}

	req->command = req->query.cmd != NULL ? eas_command_by_name(req->query.cmd) : NULL;
	if (req->command == NULL || req->command->handler == NULL) {
		respond_empty(req, MHD_HTTP_NOT_IMPLEMENTED, "command not implemented");
		return false;
	}

	/* Content type: WBXML; raw MIME for the mail commands below 14.0 (Q-HTTP-3); none at
	 * all is fine (empty bodies, AOSP GetAttachment): then the first bytes decide. */
	req->content_type = header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (req->content_type != NULL) {
		const char *t = base_type(req->pool, req->content_type);
		bool ok = strcmp(t, WBXML_TYPE) == 0 || strcmp(t, "application/vnd.ms-sync") == 0 ||
			  (strcmp(t, "message/rfc822") == 0 &&
			   (req->command->flags & EAS_CMD_RAW_MIME) != 0 &&
			   req->version < EAS_VERSION_140);
		if (!ok) {
			respond_empty(req, MHD_HTTP_BAD_REQUEST, "unsupported Content-Type");
			return false;
		}
	}
	return true;
}

/* ---- the command ---- */

static bool looks_like_wbxml(const unsigned char *b, size_t len)
{
	/* WBXML 1.3, public id 1 (unknown), charset 106 (UTF-8). */
	return len >= 3 && b[0] == 0x03 && b[1] == 0x01 && b[2] == 0x6a;
}

static void run_command(struct srv_request *req)
{
	struct eas_request er;
	struct eas_response resp;

	if (req->is_options) {
		struct eas_header h[4] = {
			{ "MS-ASProtocolVersions", EAS_PROTOCOL_VERSIONS },
			/* Present even while empty (MS-ASHTTP 3.2.5.2 requires it); libmicrohttpd
			 * refuses an empty value, and a lone space is read as empty (RFC 9110 OWS). */
			{ "MS-ASProtocolCommands", *req->server->protocol_commands != '\0'
							   ? req->server->protocol_commands : " " },
			{ "MS-Server-ActiveSync", EASD_VERSION },
			{ MHD_HTTP_HEADER_ALLOW, "OPTIONS,POST" },
		};
		req->note = NULL;
		respond(req, MHD_HTTP_OK, "", 0, NULL, h, 4);
		return;
	}
	memset(&er, 0, sizeof(er));
	er.pool = req->pool;
	er.store = req->store;
	er.command = req->command;
	er.version = req->version;
	er.has_policy_key = req->has_policy_key;
	er.policy_key = req->policy_key;
	er.locale = req->query.locale;
	er.user = &req->auth.user;
	er.device_id = req->query.device_id;
	er.device_type = req->query.device_type != NULL ? req->query.device_type : "";
	er.user_agent = req->user_agent;
	er.validate_device = str_eq_nocase(req->query.device_id, "validate");
	er.params = req->query.params;
	er.content_type = req->content_type;
	er.body = req->body.data != NULL ? req->body.data : (const unsigned char *)"";
	er.body_len = req->body.len;
	er.body_is_wbxml = looks_like_wbxml(er.body, er.body_len);
	er.now = req->now;

	eas_response_init(&resp);
	enum eas_result result = eas_dispatch(&er, &resp); /* policy-key check, then the handler */
	if (result == EAS_PARKED) {
		/* No command parks yet: the push hub comes with Ping. */
		log_error("%s parked a request, which nothing can wake yet", req->command->name);
		respond_empty(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "parked without a hub");
	} else {
		req->eas_status = resp.eas_status;
		respond(req, resp.http_status, resp.body.data != NULL ? resp.body.data : (unsigned char *)"",
			resp.body.len, resp.content_type, resp.headers, resp.header_count);
	}
	eas_response_free(&resp);
}

/* ---- libmicrohttpd callbacks ---- */

static void wake_request(void *ctx)
{
	struct srv_request *req = ctx;

	MHD_resume_connection(req->conn);
}

static bool has_body(const struct srv_request *req)
{
	return req->chunked || (req->content_length != UINT64_MAX && req->content_length > 0);
}

/* A refusal decided from the headers. With a body still to come it is queued at once: the
 * body is then never read and the connection closes after the answer. Without one it waits
 * for the last handler call, so that the connection stays open (libmicrohttpd closes a
 * connection whose answer came before the request was complete), which spares a phone a new
 * TCP and TLS handshake after, say, a 401. */
static enum MHD_Result early_answer(struct srv_request *req)
{
	if (has_body(req))
		return flush_response(req);
	req->phase = PHASE_BODY;
	return MHD_YES;
}

/* The first handler call: everything that needs only the headers. */
static enum MHD_Result first_call(struct srv_request *req, const char *url, const char *method)
{
	const char *error = NULL;

	req->settings = srv_settings_get(req->server);
	client_address(req);
	if (!check_before_auth(req, url, method))
		return early_answer(req);

	req->store = srv_thread_store(req->server, &error);
	if (req->store == NULL) {
		log_error("cannot open the store: %s", error);
		respond_empty(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "store failed");
		return early_answer(req);
	}
	enum srv_auth_state st = srv_auth_begin(req->server->auth, req->store, req->pool,
						header(req, MHD_HTTP_HEADER_AUTHORIZATION), req->addr,
						req->now, &req->auth);
	if (st == SRV_AUTH_NEED_HASH) {
		/* Park first, then hand over: the hasher may wake us at once. */
		req->phase = PHASE_HASHING;
		MHD_suspend_connection(req->conn);
		srv_auth_submit(req->server->auth, &req->auth, wake_request, req);
		return MHD_YES;
	}
	if (!check_auth_result(req) || !check_after_auth(req))
		return early_answer(req);
	req->phase = PHASE_BODY;
	return MHD_YES;
}

/* Takes a piece of body; over the limit, the rest is dropped and 413 answered at the end. */
static enum MHD_Result take_body(struct srv_request *req, const char *data, size_t *size)
{
	size_t n = *size;

	*size = 0;
	if (req->response != NULL || req->body_too_large) {
		req->discarded += n;
		return req->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (req->body.len + n > req->settings->max_request_size) {
		/* Chunked bodies have no Content-Length to refuse early. */
		req->body_too_large = true;
		req->discarded += n;
		respond_empty(req, MHD_HTTP_CONTENT_TOO_LARGE, "body over max_request_size");
		return MHD_YES;
	}
	buf_append(&req->body, data, n);
	return MHD_YES;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct srv_request *req = *con_cls;

	(void)cls;
	(void)version;
	if (req == NULL)
		return MHD_NO; /* the URI callback always creates one */
	req->conn = conn;

	switch (req->phase) {
	case PHASE_HEADERS:
		return first_call(req, url, method);
	case PHASE_HASHING:
		/* Woken by the hasher. libmicrohttpd 0.9.75 repeats the first call here (no
		 * body data); should a later version go on with body data instead, it is kept. */
		srv_auth_finish(req->server->auth, &req->auth, clock_now());
		req->phase = PHASE_BODY;
		if (!check_auth_result(req) || !check_after_auth(req)) {
			if (*upload_data_size > 0)
				return take_body(req, upload_data, upload_data_size);
			return early_answer(req);
		}
		if (*upload_data_size > 0)
			return take_body(req, upload_data, upload_data_size);
		return MHD_YES;
	case PHASE_BODY:
		if (*upload_data_size > 0)
			return take_body(req, upload_data, upload_data_size);
		if (req->response == NULL)
			run_command(req);
		return flush_response(req);
	case PHASE_ANSWERED:
		if (*upload_data_size > 0)
			*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_NO;
}

/* Called with the request line's URI before anything else: creates the request object. */
static void *uri_callback(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct srv_listener *listener = cls;
	pool *p = pool_new(0);
	struct srv_request *req = pool_new_type(p, struct srv_request);

	req->pool = p;
	req->listener = listener;
	req->server = listener->server;
	req->conn = conn;
	req->start_us = clock_monotonic_us();
	req->now = clock_now();
	req->uri = pool_strdup(p, uri != NULL ? uri : "");
	req->eas_status = -1;
	req->query.cmd_code = -1;
	buf_init(&req->body);
	srv_http_request_begun(req->server);
	return req;
}

/* A log field: bytes that would break the line's key=value shape are %-escaped. */
static const char *log_field(pool *p, const char *value)
{
	if (value == NULL || *value == '\0')
		return "-";
	buf b = BUF_INIT;
	size_t len = utf8_truncate_len(value, strlen(value), 128);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c <= 0x20 || c == 0x7f || c == '%' || c == '"' || c == '=')
			buf_printf(&b, "%%%02X", c);
		else
			buf_putc(&b, c);
	}
	const char *s = pool_strdup(p, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void log_request(struct srv_request *req, enum MHD_RequestTerminationCode toe)
{
	pool *p = req->pool;
	uint64_t ms = (clock_monotonic_us() - req->start_us) / 1000;
	const char *cmd = req->is_options ? "OPTIONS"
			  : req->query.cmd != NULL ? req->query.cmd
			  : req->query.cmd_code >= 0 ? pool_printf(p, "code%d", req->query.cmd_code)
			  : NULL;
	const char *status = req->phase == PHASE_ANSWERED ? pool_printf(p, "%u", req->status) : "-";
	const char *eas = req->eas_status >= 0 ? pool_printf(p, "%d", req->eas_status) : "-";
	const char *end = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
			  : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " end=timeout"
			  : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? " end=shutdown"
			  : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? " end=client-abort"
			  : " end=error";

	log_info("request client=%s user=%s device=%s type=%s cmd=%s http=%s eas=%s ms=%llu%s%s%s",
		 req->addr[0] != '\0' ? req->addr : "-", log_field(p, req->auth.login),
		 log_field(p, req->query.device_id), log_field(p, req->query.device_type),
		 log_field(p, cmd), status, eas, (unsigned long long)ms,
		 req->note != NULL ? " why=" : "", req->note != NULL ? log_field(p, req->note) : "",
		 end);
}

static void completed_callback(void *cls, struct MHD_Connection *conn, void **con_cls,
			       enum MHD_RequestTerminationCode toe)
{
	struct srv_request *req = *con_cls;

	(void)cls;
	(void)conn;
	if (req == NULL)
		return;
	if (req->phase != PHASE_HEADERS || toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_request(req, toe);
	if (req->response != NULL)
		MHD_destroy_response(req->response);
	srv_settings_put(&req->settings);
	buf_free(&req->body);
	struct srv_server *server = req->server;
	pool *p = req->pool;
	pool_free(&p);
	*con_cls = NULL;
	srv_http_request_ended(server);
}

__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = strlen(line);
	while (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	log_warn("http: %s", line);
}

int srv_http_start(struct srv_listener *l, char **error_r)
{
	struct srv_server *s = l->server;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;

	if (l->tls)
		flags |= MHD_USE_TLS;
	if (l->spec.addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls) {
		l->daemon = MHD_start_daemon(
			flags, 0, NULL, NULL, access_handler, l,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_LISTEN_SOCKET, l->fd,
			MHD_OPTION_THREAD_POOL_SIZE, s->threads,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
			MHD_OPTION_URI_LOG_CALLBACK, uri_callback, l,
			MHD_OPTION_NOTIFY_COMPLETED, completed_callback, l,
			MHD_OPTION_HTTPS_CERT_CALLBACK, srv_tls_callback(),
			MHD_OPTION_END);
	} else {
		l->daemon = MHD_start_daemon(
			flags, 0, NULL, NULL, access_handler, l,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_LISTEN_SOCKET, l->fd,
			MHD_OPTION_THREAD_POOL_SIZE, s->threads,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
			MHD_OPTION_URI_LOG_CALLBACK, uri_callback, l,
			MHD_OPTION_NOTIFY_COMPLETED, completed_callback, l,
			MHD_OPTION_END);
	}
	if (l->daemon == NULL) {
		buf b = BUF_INIT;
		buf_printf(&b, "cannot start the HTTP%s listener on %s", l->tls ? "S" : "", l->url);
		*error_r = (char *)buf_detach(&b, NULL);
		return -1;
	}
	return 0;
}
