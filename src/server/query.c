/* query.c: the two query forms of MS-ASHTTP (see query.h). Every length is checked before
 * the bytes it covers are read; nothing is written to the caller's record before the whole
 * query has been accepted. */
#include "server/query.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>

/* MS-ASHTTP 2.2.1.1.1.1.3: tags of the command parameters. 2 and 5 are unassigned. */
enum packed_tag {
	TAG_ATTACHMENT_NAME = 0,
	TAG_COLLECTION_ID = 1,
	TAG_ITEM_ID = 3,
	TAG_LONG_ID = 4,
	TAG_OCCURRENCE = 6,
	TAG_OPTIONS = 7,
	TAG_USER = 8,
};

#define OPTION_SAVE_IN_SENT 0x01
#define OPTION_ACCEPT_MULTIPART 0x02

char *srv_utf8_or_latin1(pool *p, const void *s, size_t len)
{
	const unsigned char *in = s;
	size_t out_len;

	if (utf8_valid(s, len, NULL))
		return pool_strndup(p, s, len);
	/* Every ISO-8859-1 byte becomes at most two UTF-8 bytes. */
	if (!size_add(len, len, &out_len) || !size_add(out_len, 1, &out_len))
		return pool_strdup(p, "");
	char *out = pool_alloc(p, out_len);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] < 0x80) {
			out[o++] = (char)in[i];
		} else {
			out[o++] = (char)(0xc0 | (in[i] >> 6));
			out[o++] = (char)(0x80 | (in[i] & 0x3f));
		}
	}
	out[o] = '\0';
	return out;
}

static bool is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* The escapes a client may use for base64's own special characters. */
static int b64_escape(const char *s, size_t left)
{
	if (left < 3 || s[0] != '%')
		return 0;
	if (s[1] == '2' && (s[2] == 'B' || s[2] == 'b'))
		return '+';
	if (s[1] == '2' && (s[2] == 'F' || s[2] == 'f'))
		return '/';
	if (s[1] == '3' && (s[2] == 'D' || s[2] == 'd'))
		return '=';
	return 0;
}

/* Undoes %2B, %2F and %3D into out (at most len bytes); -1 when the text is not base64-shaped. */
static int b64_unescape(const char *query, size_t len, char *out, size_t *out_len_r)
{
	size_t o = 0, pad = 0;

	for (size_t i = 0; i < len;) {
		int c = (unsigned char)query[i];
		size_t step = 1;
		int esc = b64_escape(query + i, len - i);
		if (esc != 0) {
			c = esc;
			step = 3;
		}
		if (c == '=') {
			pad++;
		} else if (pad > 0 || !is_b64_char((char)c)) {
			return -1;
		}
		if (out != NULL)
			out[o] = (char)c;
		o++;
		i += step;
	}
	if (pad > 2 || o == pad)
		return -1;
	*out_len_r = o;
	return 0;
}

bool srv_query_is_base64(const char *query, size_t len)
{
	size_t n;

	return len > 0 && b64_unescape(query, len, NULL, &n) == 0;
}

static bool safe_device_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* A device id of the base64 form: text when made of the characters a plain DeviceId uses
 * (the specification's example equates the two forms), else lower-case hex of the bytes
 * (Windows Mobile sends a binary GUID). NULL when it does not fit SRV_DEVICE_ID_MAX. */
static const char *packed_device_id(pool *p, const unsigned char *b, size_t len)
{
	bool text = true;

	for (size_t i = 0; i < len; i++)
		text = text && safe_device_char(b[i]);
	if (text)
		return len <= SRV_DEVICE_ID_MAX ? pool_strndup(p, (const char *)b, len) : NULL;
	if (len * 2 > SRV_DEVICE_ID_MAX)
		return NULL;
	static const char hex[] = "0123456789abcdef";
	char *out = pool_alloc(p, len * 2 + 1);
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0x0f];
	}
	out[len * 2] = '\0';
	return out;
}

/* Text without control characters (and so without NUL), valid UTF-8. */
static bool clean_text(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return utf8_valid(s, len, NULL);
}

/* A plain DeviceId: printable ASCII without spaces. */
static bool clean_device_id(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	}
	return true;
}

static bool clean_user(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/* Reads one length-prefixed field at *pos; -1 when it runs past the end. */
static int take_field(const unsigned char *data, size_t len, size_t *pos,
		      const unsigned char **field_r, size_t *field_len_r)
{
	if (*pos >= len)
		return -1;
	size_t n = data[*pos];
	if (n > len - *pos - 1)
		return -1;
	*field_r = data + *pos + 1;
	*field_len_r = n;
	*pos += 1 + n;
	return 0;
}

static int packed_param(pool *p, struct srv_query *q, unsigned tag, const unsigned char *v,
			size_t n, unsigned *seen, const char **error_r)
{
	const char **field = NULL;

	if (tag < 32) {
		if ((*seen & (1u << tag)) != 0) {
			*error_r = "base64 query: a command parameter appears twice";
			return -1;
		}
		*seen |= 1u << tag;
	}
	switch (tag) {
	case TAG_ATTACHMENT_NAME: field = &q->params.attachment_name; break;
	case TAG_COLLECTION_ID: field = &q->params.collection_id; break;
	case TAG_ITEM_ID: field = &q->params.item_id; break;
	case TAG_LONG_ID: field = &q->params.long_id; break;
	case TAG_OCCURRENCE: field = &q->params.occurrence; break;
	case TAG_OPTIONS:
		if (n != 1) {
			*error_r = "base64 query: Options must be one byte";
			return -1;
		}
		q->params.save_in_sent = (v[0] & OPTION_SAVE_IN_SENT) != 0;
		q->params.accept_multipart = (v[0] & OPTION_ACCEPT_MULTIPART) != 0;
		return 0;
	case TAG_USER: {
		char *user = srv_utf8_or_latin1(p, v, n);
		if (memchr(v, '\0', n) != NULL || !clean_user(user)) {
			*error_r = "base64 query: bad User";
			return -1;
		}
		q->user = n > 0 ? user : NULL;
		return 0;
	}
	default:
		return 0; /* unknown tags are skipped: later revisions may add some */
	}
	if (!clean_text(v, n)) {
		*error_r = "base64 query: a command parameter is not clean UTF-8 text";
		return -1;
	}
	*field = n > 0 ? pool_strndup(p, (const char *)v, n) : NULL;
	return 0;
}

int srv_query_parse_packed(pool *p, const unsigned char *data, size_t len,
			   struct srv_query *query_r, const char **error_r)
{
	struct srv_query q;
	const unsigned char *field;
	size_t pos = 4, n;
	unsigned seen = 0;

	memset(&q, 0, sizeof(q));
	memset(query_r, 0, sizeof(*query_r));
	q.base64_form = true;
	if (len < 4) {
		*error_r = "base64 query: shorter than its fixed header";
		return -1;
	}
	q.version = data[0] == 25 ? EAS_VERSION_25 : data[0];
	q.cmd_code = data[1];
	q.locale = (uint16_t)(data[2] | (data[3] << 8));
	const struct eas_command *cmd = eas_command_by_code(q.cmd_code);
	q.cmd = cmd != NULL ? cmd->name : NULL;

	if (take_field(data, len, &pos, &field, &n) < 0) {
		*error_r = "base64 query: device id runs past the end";
		return -1;
	}
	if (n > 0 && (q.device_id = packed_device_id(p, field, n)) == NULL) {
		*error_r = "base64 query: device id too long";
		return -1;
	}
	if (take_field(data, len, &pos, &field, &n) < 0) {
		*error_r = "base64 query: policy key runs past the end";
		return -1;
	}
	if (n != 0 && n != 4) {
		*error_r = "base64 query: policy key length is neither 0 nor 4";
		return -1;
	}
	if (n == 4) {
		q.policy_key = (uint32_t)field[0] | (uint32_t)field[1] << 8 |
			       (uint32_t)field[2] << 16 | (uint32_t)field[3] << 24;
		q.has_policy_key = q.policy_key != 0; /* Q-HTTP-1: Nine sends four zero bytes */
	}
	if (take_field(data, len, &pos, &field, &n) < 0) {
		*error_r = "base64 query: device type runs past the end";
		return -1;
	}
	if (!clean_text(field, n) || n > SRV_DEVICE_TYPE_MAX) {
		*error_r = "base64 query: bad device type";
		return -1;
	}
	q.device_type = n > 0 ? pool_strndup(p, (const char *)field, n) : NULL;

	while (pos < len) {
		unsigned tag = data[pos++];
		if (take_field(data, len, &pos, &field, &n) < 0) {
			*error_r = "base64 query: command parameter runs past the end";
			return -1;
		}
		if (packed_param(p, &q, tag, field, n, &seen, error_r) < 0)
			return -1;
	}
	*query_r = q;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..len) ('+' is a space, as in HTML forms) into a pool string; -1 for a
 * broken escape or an encoded NUL. */
static int url_decode(pool *p, const char *s, size_t len, char **out_r, size_t *out_len_r)
{
	char *out = pool_alloc(p, len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0)
				return -1;
			int c = hi * 16 + lo;
			if (c == 0)
				return -1;
			out[o++] = (char)c;
			i += 2;
		} else if (s[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*out_r = out;
	*out_len_r = o;
	return 0;
}

enum plain_key {
	KEY_CMD, KEY_USER, KEY_DEVICE_ID, KEY_DEVICE_TYPE, KEY_ATTACHMENT_NAME,
	KEY_COLLECTION_ID, KEY_ITEM_ID, KEY_LONG_ID, KEY_OCCURRENCE, KEY_SAVE_IN_SENT,
	KEY_COUNT
};

static const char *const plain_keys[KEY_COUNT] = {
	"Cmd", "User", "DeviceId", "DeviceType", "AttachmentName",
	"CollectionId", "ItemId", "LongId", "Occurrence", "SaveInSent",
};

static int plain_value(pool *p, struct srv_query *q, enum plain_key key, const char *v,
		       size_t n, const char **error_r)
{
	const char **field = NULL;
	size_t max = SRV_PARAM_MAX;

	switch (key) {
	case KEY_CMD:
		for (size_t i = 0; i < n; i++) {
			if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z'))) {
				*error_r = "Cmd is not a command name";
				return -1;
			}
		}
		if (n > 32) {
			*error_r = "Cmd is not a command name";
			return -1;
		}
		q->cmd = n > 0 ? v : NULL;
		return 0;
	case KEY_USER: {
		char *user = srv_utf8_or_latin1(p, v, n);
		if (n > SRV_USER_MAX || !clean_user(user)) {
			*error_r = "bad User";
			return -1;
		}
		q->user = n > 0 ? user : NULL;
		return 0;
	}
	case KEY_DEVICE_ID:
		if (n > SRV_DEVICE_ID_MAX || !clean_device_id(v, n)) {
			*error_r = "bad DeviceId";
			return -1;
		}
		q->device_id = n > 0 ? v : NULL;
		return 0;
	case KEY_DEVICE_TYPE:
		field = &q->device_type;
		max = SRV_DEVICE_TYPE_MAX;
		break;
	case KEY_SAVE_IN_SENT:
		if (n == 1 && (v[0] == 'T' || v[0] == 't')) {
			q->params.save_in_sent = true;
		} else if (n == 1 && (v[0] == 'F' || v[0] == 'f')) {
			q->params.save_in_sent = false;
		} else {
			*error_r = "SaveInSent is neither T nor F";
			return -1;
		}
		return 0;
	case KEY_ATTACHMENT_NAME: field = &q->params.attachment_name; break;
	case KEY_COLLECTION_ID: field = &q->params.collection_id; break;
	case KEY_ITEM_ID: field = &q->params.item_id; break;
	case KEY_LONG_ID: field = &q->params.long_id; break;
	case KEY_OCCURRENCE: field = &q->params.occurrence; break;
	case KEY_COUNT: break;
	}
	if (field == NULL || n > max || !clean_text((const unsigned char *)v, n)) {
		*error_r = "a query parameter is too long or not clean UTF-8 text";
		return -1;
	}
	*field = n > 0 ? v : NULL;
	return 0;
}

static int parse_plain(pool *p, const char *query, size_t len, struct srv_query *q,
		       const char **error_r)
{
	bool seen[KEY_COUNT] = { false };
	size_t start = 0;

	q->cmd_code = -1;
	while (start <= len) {
		const char *amp = memchr(query + start, '&', len - start);
		size_t end = amp != NULL ? (size_t)(amp - query) : len;
		const char *seg = query + start;
		size_t seg_len = end - start;
		start = end + 1;
		if (seg_len == 0)
			continue;

		const char *eq = memchr(seg, '=', seg_len);
		size_t key_len = eq != NULL ? (size_t)(eq - seg) : seg_len;
		char *key, *value = NULL;
		size_t klen, vlen = 0;
		if (url_decode(p, seg, key_len, &key, &klen) < 0 ||
		    (eq != NULL && url_decode(p, eq + 1, seg_len - key_len - 1, &value, &vlen) < 0)) {
			*error_r = "bad %-escape in the query";
			return -1;
		}
		for (int k = 0; k < KEY_COUNT; k++) {
			if (!str_eq_nocase(key, plain_keys[k]))
				continue;
			if (seen[k]) {
				*error_r = "a query parameter appears twice";
				return -1;
			}
			seen[k] = true;
			if (value == NULL) {
				*error_r = "a query parameter has no value";
				return -1;
			}
			if (plain_value(p, q, (enum plain_key)k, value, vlen, error_r) < 0)
				return -1;
		}
		/* Unknown keys are ignored (liberal in what we accept). */
	}
	return 0;
}

int srv_query_parse(pool *p, const char *query, size_t len, struct srv_query *query_r,
		    const char **error_r)
{
	struct srv_query q;

	memset(query_r, 0, sizeof(*query_r));
	if (len > SRV_QUERY_MAX_LEN) {
		*error_r = "query too long";
		return -1;
	}
	if (srv_query_is_base64(query, len)) {
		char *text = pool_alloc(p, len + 1);
		size_t text_len;
		buf raw = BUF_INIT;
		if (b64_unescape(query, len, text, &text_len) < 0 ||
		    base64_decode(&raw, text, text_len, error_r) < 0) {
			buf_free(&raw);
			*error_r = "base64 query: not valid base64";
			return -1;
		}
		int ret = srv_query_parse_packed(p, raw.data != NULL ? raw.data : (const unsigned char *)"",
						 raw.len, query_r, error_r);
		buf_free(&raw);
		return ret;
	}
	memset(&q, 0, sizeof(q));
	if (parse_plain(p, query, len, &q, error_r) < 0)
		return -1;
	*query_r = q;
	return 0;
}
