/* eas.h: what the HTTP front hands to an EAS command and what the command hands back, and the
 * dispatch table that maps command names and MS-ASHTTP command codes to handlers.
 *
 * A command is one file src/eas/cmd-NAME.c with one function
 *     enum eas_result eas_cmd_NAME(struct eas_request *req, struct eas_response *resp);
 * and one row in src/eas/dispatch.c. Commands are pure logic: no sockets, no HTTP library
 * types. Everything a command allocates comes from req->pool, released after the response
 * has been sent. */
#ifndef EASD_EAS_H
#define EASD_EAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "store/store.h"

/* Protocol versions as integers: 2.5 → 25, 12.0 → 120, ..., 16.1 → 161 (the base64 query
 * of MS-ASHTTP carries them this way, except 2.5, which it cannot carry). */
enum eas_version {
	EAS_VERSION_NONE = 0,
	EAS_VERSION_25 = 25,
	EAS_VERSION_120 = 120,
	EAS_VERSION_121 = 121,
	EAS_VERSION_140 = 140,
	EAS_VERSION_141 = 141,
	EAS_VERSION_160 = 160,
	EAS_VERSION_161 = 161,
};

/* The value of MS-ASProtocolVersions, written in full (Q-HTTP-5: iOS reads it literally). */
#define EAS_PROTOCOL_VERSIONS "2.5,12.0,12.1,14.0,14.1,16.0,16.1"

/* Parses "2.5", "12.0", ... "16.1" (exactly these spellings). 0 or -1. */
int eas_version_parse(const char *text, int *version_r);
/* True for the seven versions above. */
bool eas_version_supported(int version);
/* "14.1" for 141; "?" for an unknown number. */
const char *eas_version_name(int version);

/* Command parameters of the request URI (MS-ASHTTP 2.2.1.1.1.2.5 and 2.2.1.1.1.1.3), the
 * same whichever query form the client used. NULL when absent. */
struct eas_params {
	const char *attachment_name;
	const char *collection_id;
	const char *item_id;
	const char *long_id;
	const char *occurrence;
	bool save_in_sent;       /* SaveInSent=T, or Options bit 0x01 */
	bool accept_multipart;   /* MS-ASAcceptMultiPart: T, or Options bit 0x02 */
};

struct eas_command;

/* One authenticated request, normalised from either query form and the headers. */
struct eas_request {
	pool *pool;
	struct store *store;            /* this thread's store handle */
	const struct eas_command *command;
	int version;                    /* enum eas_version, always supported here */
	bool has_policy_key;            /* false also for a zero key (Q-HTTP-1) */
	uint32_t policy_key;
	uint16_t locale;                /* from the base64 query; 0 when not given */
	const struct store_user *user;  /* the authenticated user */
	/* The device's row (devices.id): origin of the request's writes and owner of its sync
	 * state. Filled by eas_dispatch; 0 for DeviceId "validate", which has no row (Q-FOLD-1). */
	int64_t device_row_id;
	const char *device_id;
	const char *device_type;        /* may be "" (never required) */
	const char *user_agent;         /* NULL when absent (Q-HTTP-1) */
	bool validate_device;           /* DeviceId "validate": keep no device state (Q-FOLD-1) */
	struct eas_params params;
	const char *content_type;       /* NULL when absent */
	const unsigned char *body;      /* the whole request body (may be empty) */
	size_t body_len;
	bool body_is_wbxml;             /* decided from the first bytes (Q-HTTP-3) */
	int64_t now;                    /* clock_now() at the start of the request */
};

#define EAS_MAX_RESPONSE_HEADERS 8

struct eas_header {
	const char *name;
	const char *value;
};

/* What a command answers. The HTTP front always sends Content-Length and, unless
 * content_type says otherwise, Content-Type: application/vnd.ms-sync.wbxml (Q-HTTP-2). */
struct eas_response {
	unsigned http_status;           /* 200 unless set */
	int eas_status;                 /* the Status element sent, for the log line; -1: none */
	const char *content_type;       /* NULL: WBXML */
	struct eas_header headers[EAS_MAX_RESPONSE_HEADERS];
	size_t header_count;
	buf body;
};

enum eas_result {
	EAS_DONE = 0,     /* resp is complete: send it */
	EAS_PARKED = 1,   /* (later issues) the command keeps the request and answers later */
};

typedef enum eas_result eas_command_fn(struct eas_request *req, struct eas_response *resp);

/* Flags of a command. */
enum eas_command_flags {
	/* Needs a valid policy key once provisioning is enforced (Q-PROV-1 exempts Ping). */
	EAS_CMD_NEEDS_POLICY_KEY = 1u << 0,
	/* Below 14.0 the body is a raw RFC 822 message (Content-Type: message/rfc822), Q-HTTP-3. */
	EAS_CMD_RAW_MIME = 1u << 1,
	/* May park the connection (Ping, hanging Sync) and be answered by the push hub. */
	EAS_CMD_MAY_PARK = 1u << 2,
	/* An empty body is a valid request (GetAttachment of AOSP, Ping repeating the last one). */
	EAS_CMD_EMPTY_BODY_OK = 1u << 3,
};

struct eas_command {
	const char *name;         /* as in the Cmd parameter and MS-ASProtocolCommands */
	int code;                 /* MS-ASHTTP command code of the base64 query */
	eas_command_fn *handler;  /* NULL: not implemented yet (501, not advertised) */
	unsigned flags;
};

/* The command of a Cmd value (ASCII case-insensitive) or NULL. Commands without a handler
 * are found too: the caller answers 501 for them. */
const struct eas_command *eas_command_by_name(const char *name);
/* The command of a base64-query command code, or NULL. */
const struct eas_command *eas_command_by_code(int code);
/* The whole table, in MS-ASHTTP code order. */
const struct eas_command *eas_commands(size_t *count_r);
/* Appends the comma-separated names of the implemented commands of table[0..count) to out
 * (the value of MS-ASProtocolCommands). */
void eas_commands_implemented(const struct eas_command *table, size_t count, buf *out);

/* Runs req->command's handler for an authenticated request whose device has been touched
 * (store_device_touch): fills req->device_row_id, then applies the policy-key check of
 * EAS_CMD_NEEDS_POLICY_KEY commands (eas-dispatch.c; Q-PROV-1), answering "provision first"
 * itself when the check fails. The HTTP front calls this instead of the bare handler. */
enum eas_result eas_dispatch(struct eas_request *req, struct eas_response *resp);

/* Sets resp to an empty 200 answer. */
void eas_response_init(struct eas_response *resp);
void eas_response_free(struct eas_response *resp);
/* Adds a header (name and value must outlive the response, e.g. from the request pool).
 * Returns -1 when EAS_MAX_RESPONSE_HEADERS are set already. */
int eas_response_add_header(struct eas_response *resp, const char *name, const char *value);

#endif
