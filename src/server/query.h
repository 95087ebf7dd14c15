/* query.h: the request URI's query of MS-ASHTTP in its two forms, normalised into one record.
 *
 * Plain form (2.2.1.1.1.2):  Cmd=Sync&User=mike&DeviceId=ABC&DeviceType=iPhone[&...]
 * Base64 form (2.2.1.1.1.1): one base64 string of a packed byte sequence (protocol version,
 *   command code, locale, device id, policy key, device type, tagged command parameters).
 *
 * Which form: the query is base64 when, after undoing %2B, %2F and %3D escapes, it is made
 * only of base64 characters (A-Z a-z 0-9 + /) with at most two '=' at its end. A plain query
 * always has a '=' inside it (key=value) followed by more text, or a '&'. The one ambiguous
 * string, a lone "Key=" with an empty value, is not a valid plain query anyway (no DeviceId).
 *
 * Pure functions, no HTTP library types: unit tested (test-query.c) and fuzzed (fuzz-query.c). */
#ifndef EASD_SERVER_QUERY_H
#define EASD_SERVER_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eas/eas.h"
#include "lib/pool.h"

#define SRV_QUERY_MAX_LEN 8192         /* longer queries are refused */
#define SRV_DEVICE_ID_MAX 128
#define SRV_DEVICE_TYPE_MAX 128
#define SRV_USER_MAX 512
#define SRV_PARAM_MAX 1024

struct srv_query {
	bool base64_form;
	const char *cmd;            /* Cmd (plain) or the command's name (base64); NULL if absent */
	int cmd_code;               /* base64 command code; -1 in the plain form */
	const char *user;           /* User, NULL when absent */
	const char *device_id;      /* NULL when absent */
	const char *device_type;    /* NULL when absent */
	int version;                /* base64 form only; 0 otherwise (the header carries it) */
	bool has_policy_key;        /* base64 form only; a zero key counts as none (Q-HTTP-1) */
	uint32_t policy_key;
	uint16_t locale;
	struct eas_params params;
};

/* Parses the query (text after '?', without it; may be empty) into *query_r, strings from p.
 * Returns 0, or -1 with *error_r (static text) and *query_r zeroed. Checks the structure and
 * field sizes, not whether Cmd, DeviceId or the version are present or known: the caller
 * decides (OPTIONS needs none of them). */
int srv_query_parse(pool *p, const char *query, size_t len, struct srv_query *query_r,
		    const char **error_r);

/* The base64 form alone, over the decoded bytes. Same contract as srv_query_parse. */
int srv_query_parse_packed(pool *p, const unsigned char *data, size_t len,
			   struct srv_query *query_r, const char **error_r);

/* True when query[0..len) has the shape of the base64 form (see above). */
bool srv_query_is_base64(const char *query, size_t len);

/* Text as UTF-8 from p: s[0..len) itself when it is valid UTF-8, else read as ISO-8859-1 and
 * converted (Q-HTTP-4: Outlook sends Basic credentials in ISO-8859-1). NULs are kept. */
char *srv_utf8_or_latin1(pool *p, const void *s, size_t len);

#endif
