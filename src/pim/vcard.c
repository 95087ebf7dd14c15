/* vcard.c: vCard 2.1/3.0/4.0 parsing into contact ApplicationData, and vCard 3.0/4.0
 * writing from the stored form. See vcard.h. */
#include "pim/vcard.h"

#include "pim/pim-private.h"

#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>
#include <time.h>

void pim_vcard_limits_default(struct pim_vcard_limits *limits_r)
{
	limits_r->max_input = 256u * 1024 * 1024;
	limits_r->max_line = 8u * 1024 * 1024;
	limits_r->max_cards = 100000;
	limits_r->max_props = 1000;
}

/* ---- Lines ---- */

struct reader {
	const char *text;
	size_t len, pos;
	size_t lineno;       /* physical line of the last line read */
	size_t max_line;
	buf line;            /* the current unfolded line */
};

/* The physical line at r->pos (without its line end); false at the end of the text. */
static bool physical_line(struct reader *r, const char **line_r, size_t *len_r)
{
	if (r->pos >= r->len)
		return false;
	const char *start = r->text + r->pos;
	const char *nl = memchr(start, '\n', r->len - r->pos);
	size_t n = nl == NULL ? r->len - r->pos : (size_t)(nl - start);
	r->pos += n + (nl != NULL ? 1 : 0);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	r->lineno++;
	*line_r = start;
	*len_r = n;
	return true;
}

/* True when the property part (before the first ':') of line asks for quoted-printable. */
static bool line_is_qp(const char *line, size_t len)
{
	static const char qp[] = "QUOTED-PRINTABLE";
	const char *colon = memchr(line, ':', len);
	size_t n = colon == NULL ? len : (size_t)(colon - line);

	for (size_t i = 0; i + sizeof(qp) - 1 <= n; i++) {
		size_t k = 0;
		while (k < sizeof(qp) - 1 &&
		       (line[i + k] == qp[k] || line[i + k] == qp[k] + ('a' - 'A')))
			k++;
		if (k == sizeof(qp) - 1)
			return true;
	}
	return false;
}

/* The next unfolded, non-empty line into r->line; *start_line_r is where it began.
 * 0: a line, 1: end of text, -1: over the line limit (*error_r). */
static int logical_line(pool *p, struct reader *r, size_t *start_line_r, const char **error_r)
{
	const char *s;
	size_t n;

	buf_truncate(&r->line, 0);
	do {
		if (!physical_line(r, &s, &n))
			return 1;
	} while (n == 0);
	*start_line_r = r->lineno;
	buf_append(&r->line, s, n);
	bool qp = line_is_qp(s, n);
	for (;;) {
		if (r->line.len > r->max_line) {
			*error_r = pool_printf(p, "line %zu: longer than %zu bytes", *start_line_r,
					       r->max_line);
			return -1;
		}
		size_t save_pos = r->pos, save_line = r->lineno;
		if (qp && r->line.len > 0 && r->line.data[r->line.len - 1] == '=') {
			/* 2.1 quoted-printable soft line break */
			buf_truncate(&r->line, r->line.len - 1);
			if (!physical_line(r, &s, &n))
				return 0;
			buf_append(&r->line, s, n);
			continue;
		}
		if (!physical_line(r, &s, &n))
			return 0;
		if (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
			buf_append(&r->line, s + 1, n - 1); /* RFC 6350 3.2 unfolding */
			continue;
		}
		r->pos = save_pos;
		r->lineno = save_line;
		return 0;
	}
}

/* ---- One property line ---- */

#define MAX_TYPES 16

struct prop {
	const char *name;            /* upper case, without group */
	const char *types[MAX_TYPES];/* lower case TYPE values and 2.1 bare parameters */
	size_t type_count;
	bool qp, b64;                /* ENCODING */
	const char *charset;         /* NULL: UTF-8 */
	bool uri;                    /* VALUE=uri */
	const char *value;           /* raw value (before unescaping) */
	size_t value_len;
};

static void upper(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
	}
}

static void add_types(pool *p, struct prop *pr, const char *list)
{
	char *copy = pool_strdup(p, list);
	str_lcase(copy);
	for (char *t = copy; t != NULL && pr->type_count < MAX_TYPES;) {
		char *comma = strchr(t, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*t != '\0')
			pr->types[pr->type_count++] = t;
		t = comma != NULL ? comma + 1 : NULL;
	}
}

static bool has_type(const struct prop *pr, const char *type)
{
	for (size_t i = 0; i < pr->type_count; i++) {
		if (strcmp(pr->types[i], type) == 0)
			return true;
	}
	return false;
}

/* Splits "group.NAME;PARAM=V;...:value". -1 when there is no ':' or no name. */
static int parse_prop(pool *p, const char *line, size_t len, struct prop *pr,
		      const char **error_r)
{
	size_t i = 0, start;
	bool quoted = false;

	memset(pr, 0, sizeof(*pr));
	while (i < len && line[i] != ';' && line[i] != ':')
		i++;
	if (i == len || i == 0) {
		*error_r = "not a property line (NAME:value)";
		return -1;
	}
	const char *name = line;
	size_t nlen = i;
	const char *dot = memchr(name, '.', nlen);
	while (dot != NULL) { /* "item1.TEL": the group does not matter here */
		nlen -= (size_t)(dot + 1 - name);
		name = dot + 1;
		dot = memchr(name, '.', nlen);
	}
	char *nm = pool_strndup(p, name, nlen);
	upper(nm);
	pr->name = nm;
	while (i < len && line[i] == ';') {
		start = ++i;
		while (i < len && (quoted || (line[i] != ';' && line[i] != ':'))) {
			if (line[i] == '"')
				quoted = !quoted;
			i++;
		}
		char *param = pool_strndup(p, line + start, i - start);
		char *eq = strchr(param, '=');
		char *val = eq != NULL ? eq + 1 : NULL;
		if (eq != NULL)
			*eq = '\0';
		upper(param);
		if (val != NULL && *val == '"') { /* "quoted,values" */
			val++;
			size_t vl = strlen(val);
			if (vl > 0 && val[vl - 1] == '"')
				val[vl - 1] = '\0';
		}
		if (val == NULL) {
			/* 2.1 bare parameter: TEL;WORK;VOICE or ADR;QUOTED-PRINTABLE */
			if (strcmp(param, "QUOTED-PRINTABLE") == 0)
				pr->qp = true;
			else if (strcmp(param, "BASE64") == 0)
				pr->b64 = true;
			else
				add_types(p, pr, param);
		} else if (strcmp(param, "TYPE") == 0) {
			add_types(p, pr, val);
		} else if (strcmp(param, "ENCODING") == 0) {
			upper(val);
			pr->qp = strcmp(val, "QUOTED-PRINTABLE") == 0;
			pr->b64 = strcmp(val, "B") == 0 || strcmp(val, "BASE64") == 0;
		} else if (strcmp(param, "CHARSET") == 0) {
			upper(val);
			pr->charset = val;
		} else if (strcmp(param, "VALUE") == 0) {
			str_lcase(val);
			pr->uri = strcmp(val, "uri") == 0 || strcmp(val, "url") == 0;
		} else if (strcmp(param, "PREF") == 0) {
			add_types(p, pr, "pref");
		}
	}
	if (i >= len || line[i] != ':') {
		*error_r = "property without ':' and value";
		return -1;
	}
	pr->value = line + i + 1;
	pr->value_len = len - i - 1;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value as UTF-8 text: quoted-printable and Latin-1 decoded, checked. */
static int prop_text(pool *p, const struct prop *pr, const char **text_r, size_t *len_r,
		     const char **error_r)
{
	buf b = BUF_INIT;
	const char *v = pr->value;
	size_t n = pr->value_len;

	if (pr->qp) {
		for (size_t i = 0; i < n; i++) {
			int hi, lo;
			if (v[i] == '=' && i + 2 < n && (hi = hex_digit(v[i + 1])) >= 0 &&
			    (lo = hex_digit(v[i + 2])) >= 0) {
				buf_putc(&b, (unsigned char)(hi * 16 + lo));
				i += 2;
			} else {
				buf_putc(&b, (unsigned char)v[i]);
			}
		}
		v = (const char *)b.data;
		n = b.len;
	}
	if (pr->charset != NULL && strcmp(pr->charset, "UTF-8") != 0 &&
	    strcmp(pr->charset, "US-ASCII") != 0) {
		if (strcmp(pr->charset, "ISO-8859-1") != 0 && strcmp(pr->charset, "LATIN1") != 0 &&
		    strcmp(pr->charset, "WINDOWS-1252") != 0) {
			buf_free(&b);
			*error_r = pool_printf(p, "%s: charset %.40s is not supported (UTF-8 or "
					       "ISO-8859-1)", pr->name, pr->charset);
			return -1;
		}
		buf latin = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)v[i];
			if (c < 0x80) {
				buf_putc(&latin, c);
			} else {
				buf_putc(&latin, (unsigned char)(0xc0 | (c >> 6)));
				buf_putc(&latin, (unsigned char)(0x80 | (c & 0x3f)));
			}
		}
		buf_free(&b);
		b = latin;
		v = (const char *)b.data;
		n = b.len;
	}
	if ((n > 0 && memchr(v, '\0', n) != NULL) || !utf8_valid(v, n, NULL)) {
		buf_free(&b);
		*error_r = pool_printf(p, "%s: not UTF-8 text (give CHARSET= for other charsets)",
				       pr->name);
		return -1;
	}
	*text_r = n > 0 ? pool_strndup(p, v, n) : "";
	*len_r = n;
	buf_free(&b);
	return 0;
}

/* Splits text at unescaped sep into at most max parts, unescaping each (\n \, \; \\). */
static size_t split_unescape(pool *p, const char *text, char sep, const char **parts,
			     size_t max)
{
	size_t count = 0;
	buf b = BUF_INIT;

	for (const char *s = text;; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			buf_putc(&b, (unsigned char)(*s == 'n' || *s == 'N' ? '\n' : *s));
			continue;
		}
		if (*s == '\0' || (*s == sep && sep != '\0')) {
			if (count < max)
				parts[count++] = pool_strdup(p, buf_cstr(&b));
			else if (count > 0 && sep != '\0') /* extra parts join the last one */
				parts[count - 1] = pool_printf(p, "%s%c%s", parts[count - 1], sep,
							       buf_cstr(&b));
			buf_truncate(&b, 0);
			if (*s == '\0')
				break;
			continue;
		}
		buf_putc(&b, (unsigned char)*s);
	}
	buf_free(&b);
	return count;
}

/* ---- A card being built ---- */

#define MAX_SLOTS 96

struct card {
	pool *p;
	uint16_t tags[MAX_SLOTS];
	const char *values[MAX_SLOTS];
	size_t count;
	struct wbxml_node *categories, *children;
	const char *note;
	unsigned dropped;
	size_t emails;
	const char *uid;
};

static bool card_has(const struct card *c, uint16_t tag)
{
	for (size_t i = 0; i < c->count; i++) {
		if (c->tags[i] == tag)
			return true;
	}
	return false;
}

/* Sets tag unless it is set already or value is empty; false when it was taken. */
static bool card_set(struct card *c, uint16_t tag, const char *value)
{
	if (value == NULL || *value == '\0')
		return true;
	if (card_has(c, tag) || c->count == MAX_SLOTS)
		return false;
	c->tags[c->count] = tag;
	c->values[c->count++] = value;
	return true;
}

/* Puts value into the first free slot of want, else of the overflow slots (Q-CNT-4). */
static void card_set_first_free(struct card *c, const uint16_t *want, size_t n,
				const char *value, bool phone)
{
	static const uint16_t overflow[] = {
		WBXML_Contacts_Home2PhoneNumber, WBXML_Contacts_Business2PhoneNumber,
		WBXML_Contacts_RadioPhoneNumber, WBXML_Contacts_CarPhoneNumber,
	};
	if (*value == '\0')
		return;
	for (size_t i = 0; i < n; i++) {
		if (!card_has(c, want[i])) {
			card_set(c, want[i], value);
			return;
		}
	}
	for (size_t i = 0; phone && i < sizeof(overflow) / sizeof(overflow[0]); i++) {
		if (!card_has(c, overflow[i])) {
			card_set(c, overflow[i], value);
			return;
		}
	}
	c->dropped++;
}

#define WANT(...) (const uint16_t[]){ __VA_ARGS__ }, \
	sizeof((const uint16_t[]){ __VA_ARGS__ }) / sizeof(uint16_t)

static void map_tel(struct card *c, const struct prop *pr, const char *value)
{
	if (has_type(pr, "cell") || has_type(pr, "mobile") || has_type(pr, "iphone"))
		card_set_first_free(c, WANT(WBXML_Contacts_MobilePhoneNumber), value, true);
	else if (has_type(pr, "fax") && has_type(pr, "home"))
		card_set_first_free(c, WANT(WBXML_Contacts_HomeFaxNumber), value, true);
	else if (has_type(pr, "fax"))
		card_set_first_free(c, WANT(WBXML_Contacts_BusinessFaxNumber,
					    WBXML_Contacts_HomeFaxNumber), value, true);
	else if (has_type(pr, "pager"))
		card_set_first_free(c, WANT(WBXML_Contacts_PagerNumber), value, true);
	else if (has_type(pr, "car"))
		card_set_first_free(c, WANT(WBXML_Contacts_CarPhoneNumber), value, true);
	else if (has_type(pr, "x-radio"))
		card_set_first_free(c, WANT(WBXML_Contacts_RadioPhoneNumber), value, true);
	else if (has_type(pr, "x-assistant"))
		card_set_first_free(c, WANT(WBXML_Contacts_AssistantPhoneNumber), value, true);
	else if (has_type(pr, "x-mms"))
		card_set_first_free(c, WANT(WBXML_Contacts2_MMS), value, true);
	else if (has_type(pr, "main"))
		card_set_first_free(c, WANT(WBXML_Contacts2_CompanyMainPhone), value, true);
	else if (has_type(pr, "work"))
		card_set_first_free(c, WANT(WBXML_Contacts_BusinessPhoneNumber,
					    WBXML_Contacts_Business2PhoneNumber), value, true);
	else
		card_set_first_free(c, WANT(WBXML_Contacts_HomePhoneNumber,
					    WBXML_Contacts_Home2PhoneNumber,
					    WBXML_Contacts_BusinessPhoneNumber,
					    WBXML_Contacts_Business2PhoneNumber), value, true);
}

static void map_adr(struct card *c, const struct prop *pr, const char *text)
{
	const char *f[7] = { "", "", "", "", "", "", "" };
	static const uint16_t home[] = { WBXML_Contacts_HomeAddressStreet,
		WBXML_Contacts_HomeAddressCity, WBXML_Contacts_HomeAddressState,
		WBXML_Contacts_HomeAddressPostalCode, WBXML_Contacts_HomeAddressCountry };
	static const uint16_t work[] = { WBXML_Contacts_BusinessAddressStreet,
		WBXML_Contacts_BusinessAddressCity, WBXML_Contacts_BusinessAddressState,
		WBXML_Contacts_BusinessAddressPostalCode, WBXML_Contacts_BusinessAddressCountry };
	static const uint16_t other[] = { WBXML_Contacts_OtherAddressStreet,
		WBXML_Contacts_OtherAddressCity, WBXML_Contacts_OtherAddressState,
		WBXML_Contacts_OtherAddressPostalCode, WBXML_Contacts_OtherAddressCountry };
	const uint16_t *order[3];

	(void)split_unescape(c->p, text, ';', f, 7);
	if (has_type(pr, "work")) {
		order[0] = work; order[1] = other; order[2] = home;
	} else if (has_type(pr, "home")) {
		order[0] = home; order[1] = other; order[2] = work;
	} else {
		order[0] = other; order[1] = home; order[2] = work;
	}
	/* Street: post office box, extended address and street, one per line. */
	buf street = BUF_INIT;
	for (int i = 0; i < 3; i++) {
		if (*f[i] == '\0')
			continue;
		if (street.len > 0)
			buf_putc(&street, '\n');
		buf_puts(&street, f[i]);
	}
	const char *values[5] = { pool_strdup(c->p, buf_cstr(&street)), f[3], f[4], f[5], f[6] };
	buf_free(&street);
	bool any = false;
	for (int i = 0; i < 5; i++)
		any = any || *values[i] != '\0';
	if (!any)
		return;
	for (int k = 0; k < 3; k++) {
		bool used = false;
		for (int i = 0; i < 5; i++)
			used = used || card_has(c, order[k][i]);
		if (used)
			continue;
		for (int i = 0; i < 5; i++)
			card_set(c, order[k][i], values[i]);
		return;
	}
	c->dropped++;
}

/* A vCard date (1980-02-29, 19800229, with an optional time) as an EAS date at 00:00 UTC;
 * NULL for a date without a year (4.0 "--0229") or an unreadable one. */
static const char *eas_date(pool *p, const char *v)
{
	struct pim_date d;
	char date[16];
	size_t n = 0;

	for (const char *s = v; *s != '\0' && *s != 'T' && n < sizeof(date) - 1; s++)
		date[n++] = *s;
	date[n] = '\0';
	if (pim_date_parse(date, &d) < 0)
		return NULL;
	d.hour = d.minute = d.second = 0;
	return pim_date_format(p, &d);
}

static void card_list_add(pool *p, struct wbxml_node **list, uint16_t list_tag,
			  uint16_t item_tag, const char *value)
{
	if (*value == '\0')
		return;
	if (*list == NULL)
		*list = pim_node_new(p, list_tag, NULL);
	pim_node_append(*list, pim_node_new(p, item_tag, value));
}

/* "X-EAS-YomiFirstName" and the like: a contact property by its EAS name. */
static bool map_x_eas(struct card *c, const char *name, const char *text)
{
	uint16_t tag;

	if (wbxml_tag_lookup("Contacts", name, &tag) < 0 &&
	    wbxml_tag_lookup("Contacts2", name, &tag) < 0)
		return false;
	if (tag == WBXML_Contacts_Child) {
		card_list_add(c->p, &c->children, WBXML_Contacts_Children, WBXML_Contacts_Child,
			      text);
		return true;
	}
	for (size_t i = 0; i < pim_contact_def.prop_count; i++) {
		const struct pim_prop_def *d = &pim_contact_def.props[i];
		if (d->tag == tag && (d->kind == PIM_TEXT || d->kind == PIM_DATE ||
				      d->kind == PIM_INT))
			return card_set(c, tag, text);
	}
	return false;
}

/* Base64 of a PHOTO: ENCODING=b / BASE64, or a data: URI; NULL for a link. */
static const char *photo_base64(pool *p, const struct prop *pr)
{
	const char *v = pool_strndup(p, pr->value, pr->value_len);
	if (strncmp(v, "data:", 5) == 0) {
		const char *comma = strchr(v, ',');
		if (comma == NULL || comma - v < 7 || strncmp(comma - 7, ";base64", 7) != 0)
			return NULL;
		v = comma + 1;
	} else if (!pr->b64 || pr->uri) {
		return NULL;
	}
	buf b = BUF_INIT;
	for (; *v != '\0'; v++) {
		if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
			buf_putc(&b, (unsigned char)*v);
	}
	const char *out = pool_strdup(p, buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* Maps one property of a card. -1 with *error_r for a value that cannot be read. */
static int card_prop(struct card *c, const struct prop *pr, const char **error_r)
{
	const char *text, *parts[5] = { "", "", "", "", "" };
	size_t len;
	const char *n = pr->name;
	pool *p = c->p;

	if (strcmp(n, "PHOTO") == 0) {
		const char *b64 = photo_base64(p, pr);
		if (b64 != NULL)
			card_set(c, WBXML_Contacts_Picture, b64);
		return 0;
	}
	if (strcmp(n, "UID") == 0) {
		/* The contact's identity: a re-import of the same UID updates the contact. */
		const char *uid[1] = { "" };
		if (prop_text(p, pr, &text, &len, error_r) < 0)
			return -1;
		(void)split_unescape(p, text, '\0', uid, 1);
		size_t ulen = strlen(uid[0]);
		if (ulen > STORE_ITEM_UID_MAX) {
			*error_r = pool_printf(p, "UID of %zu bytes (at most %u)", ulen,
					       STORE_ITEM_UID_MAX);
			return -1;
		}
		c->uid = ulen > 0 ? uid[0] : NULL;
		return 0;
	}
	if (strcmp(n, "VERSION") == 0 || strcmp(n, "PRODID") == 0 ||
	    strcmp(n, "REV") == 0 || strcmp(n, "KIND") == 0 || strcmp(n, "SOURCE") == 0)
		return 0;
	if (strncmp(n, "X-", 2) == 0 && strncmp(n, "X-EAS-", 6) != 0 &&
	    strcmp(n, "X-ANNIVERSARY") != 0 && strcmp(n, "X-MS-ANNIVERSARY") != 0 &&
	    strcmp(n, "X-SPOUSE") != 0 && strcmp(n, "X-MS-SPOUSE") != 0 &&
	    strcmp(n, "X-ASSISTANT") != 0 && strcmp(n, "X-MANAGER") != 0)
		return 0; /* unmapped extensions are ignored */
	if (prop_text(p, pr, &text, &len, error_r) < 0)
		return -1;

	if (strcmp(n, "N") == 0) {
		(void)split_unescape(p, text, ';', parts, 5);
		card_set(c, WBXML_Contacts_LastName, parts[0]);
		card_set(c, WBXML_Contacts_FirstName, parts[1]);
		card_set(c, WBXML_Contacts_MiddleName, parts[2]);
		card_set(c, WBXML_Contacts_Title, parts[3]);
		card_set(c, WBXML_Contacts_Suffix, parts[4]);
	} else if (strcmp(n, "ORG") == 0) {
		(void)split_unescape(p, text, ';', parts, 2);
		card_set(c, WBXML_Contacts_CompanyName, parts[0]);
		card_set(c, WBXML_Contacts_Department, parts[1]);
	} else if (strcmp(n, "TEL") == 0) {
		(void)split_unescape(p, text, '\0', parts, 1);
		const char *num = parts[0];
		if (strncmp(num, "tel:", 4) == 0)
			num += 4;
		map_tel(c, pr, num);
	} else if (strcmp(n, "EMAIL") == 0) {
		static const uint16_t slots[] = { WBXML_Contacts_Email1Address,
			WBXML_Contacts_Email2Address, WBXML_Contacts_Email3Address };
		(void)split_unescape(p, text, '\0', parts, 1);
		if (*parts[0] != '\0') {
			if (c->emails < 3)
				card_set(c, slots[c->emails++], parts[0]);
			else
				c->dropped++;
		}
	} else if (strcmp(n, "ADR") == 0) {
		map_adr(c, pr, text);
	} else if (strcmp(n, "BDAY") == 0 || strcmp(n, "ANNIVERSARY") == 0 ||
		   strcmp(n, "X-ANNIVERSARY") == 0 || strcmp(n, "X-MS-ANNIVERSARY") == 0) {
		const char *date = eas_date(p, text);
		if (date == NULL && *text != '\0' && strncmp(text, "--", 2) != 0) {
			*error_r = pool_printf(p, "%s: '%.40s' is not a date", n, text);
			return -1;
		}
		card_set(c, strcmp(n, "BDAY") == 0 ? WBXML_Contacts_Birthday :
			 WBXML_Contacts_Anniversary, date);
	} else if (strcmp(n, "CATEGORIES") == 0) {
		const char *cats[64];
		size_t k = split_unescape(p, text, ',', cats, 64);
		for (size_t i = 0; i < k; i++)
			card_list_add(p, &c->categories, WBXML_Contacts_Categories,
				      WBXML_Contacts_Category, cats[i]);
	} else {
		(void)split_unescape(p, text, '\0', parts, 1);
		const char *v = parts[0];
		if (strcmp(n, "FN") == 0)
			card_set(c, WBXML_Contacts_FileAs, v);
		else if (strcmp(n, "TITLE") == 0)
			card_set(c, WBXML_Contacts_JobTitle, v);
		else if (strcmp(n, "NOTE") == 0)
			c->note = c->note == NULL ? v : pool_printf(p, "%s\n%s", c->note, v);
		else if (strcmp(n, "URL") == 0)
			card_set(c, WBXML_Contacts_WebPage, v);
		else if (strcmp(n, "NICKNAME") == 0) {
			const char *nick[8];
			(void)split_unescape(p, text, ',', nick, 8);
			card_set(c, WBXML_Contacts2_NickName, nick[0]);
		} else if (strcmp(n, "X-SPOUSE") == 0 || strcmp(n, "X-MS-SPOUSE") == 0)
			card_set(c, WBXML_Contacts_Spouse, v);
		else if (strcmp(n, "X-ASSISTANT") == 0)
			card_set(c, WBXML_Contacts_AssistantName, v);
		else if (strcmp(n, "X-MANAGER") == 0)
			card_set(c, WBXML_Contacts2_ManagerName, v);
		else if (strcmp(n, "IMPP") == 0)
			card_set_first_free(c, WANT(WBXML_Contacts2_IMAddress,
						    WBXML_Contacts2_IMAddress2,
						    WBXML_Contacts2_IMAddress3), v, false);
		else if (strncmp(n, "X-EAS-", 6) == 0) {
			const char *eas = n + 6;
			/* Tag names are mixed case; the property name was upper-cased. */
			const char *orig = NULL;
			for (size_t i = 0; i < pim_contact_def.prop_count && orig == NULL; i++) {
				const char *tn = wbxml_tag_name(pim_contact_def.props[i].tag);
				if (tn != NULL && str_eq_nocase(tn, eas))
					orig = tn;
			}
			if (str_eq_nocase(eas, "Child"))
				orig = "Child";
			if (orig != NULL)
				(void)map_x_eas(c, orig, v);
		}
	}
	return 0;
}

static const char *card_value(const struct card *c, uint16_t tag)
{
	for (size_t i = 0; i < c->count; i++) {
		if (c->tags[i] == tag)
			return c->values[i];
	}
	return "";
}

/* "First Middle Last" as export writes FN for a contact without FileAs. */
static const char *card_display_name(const struct card *c)
{
	const char *parts[3] = { card_value(c, WBXML_Contacts_FirstName),
				 card_value(c, WBXML_Contacts_MiddleName),
				 card_value(c, WBXML_Contacts_LastName) };
	buf name = BUF_INIT;

	for (int i = 0; i < 3; i++) {
		if (*parts[i] == '\0')
			continue;
		if (name.len > 0)
			buf_putc(&name, ' ');
		buf_puts(&name, parts[i]);
	}
	const char *s = name.len > 0 ? pool_strdup(c->p, buf_cstr(&name)) : "\x01";
	buf_free(&name);
	return s;
}

/* The ApplicationData of a finished card. */
static struct wbxml_node *card_tree(struct card *c)
{
	struct wbxml_node *ad = pim_node_new(c->p, WBXML_AirSync_ApplicationData, NULL);
	const char *name = card_display_name(c);

	for (size_t i = 0; i < c->count; i++) {
		/* FN that only repeats the name is not a FileAs of its own (export writes it
		 * because vCard requires FN). */
		if (c->tags[i] == WBXML_Contacts_FileAs && strcmp(c->values[i], name) == 0)
			continue;
		pim_node_append(ad, pim_node_new(c->p, c->tags[i], c->values[i]));
	}
	if (c->categories != NULL)
		pim_node_append(ad, c->categories);
	if (c->children != NULL)
		pim_node_append(ad, c->children);
	if (c->note != NULL && *c->note != '\0') {
		struct wbxml_node *body = pim_node_new(c->p, WBXML_AirSyncBase_Body, NULL);
		pim_node_append(body, pim_node_new(c->p, WBXML_AirSyncBase_Type, "1"));
		pim_node_append(body, pim_node_new(c->p, WBXML_AirSyncBase_Data, c->note));
		pim_node_append(ad, body);
	}
	return ad;
}

/* True when line is "NAME:VALUE" for the given (case-insensitive) name and value. */
static bool line_is(const buf *line, const char *name, const char *value)
{
	char want[32];
	int n = snprintf(want, sizeof(want), "%s:%s", name, value);
	size_t len = line->len;

	while (len > 0 && (line->data[len - 1] == ' ' || line->data[len - 1] == '\t'))
		len--;
	if (n < 0 || (size_t)n != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char a = (char)line->data[i], b = want[i];
		if (a >= 'a' && a <= 'z')
			a = (char)(a - 'a' + 'A');
		if (a != b)
			return false;
	}
	return true;
}

int pim_vcard_parse(pool *p, const char *text, size_t len,
		    const struct pim_vcard_limits *limits, struct pim_vcard **cards_r,
		    size_t *count_r, const char **error_r)
{
	struct pim_vcard_limits lim;
	struct reader r = { .text = text, .len = len };
	struct pim_vcard *cards = NULL;
	size_t count = 0, cap = 0, props = 0, at;
	struct card *cur = NULL;
	int ret = 0;

	if (limits == NULL)
		pim_vcard_limits_default(&lim);
	else
		lim = *limits;
	r.max_line = lim.max_line;
	if (len > lim.max_input) {
		*error_r = pool_printf(p, "input of %zu bytes exceeds the limit of %zu", len,
				       lim.max_input);
		return -1;
	}
	const char *nul = memchr(text, '\0', len);
	if (nul != NULL) {
		size_t line = 1;
		for (const char *s = text; s < nul; s++)
			line += *s == '\n';
		*error_r = pool_printf(p, "line %zu: NUL byte", line);
		return -1;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.pos = 3; /* byte order mark */
	buf_init(&r.line);
	while ((ret = logical_line(p, &r, &at, error_r)) == 0) {
		if (line_is(&r.line, "BEGIN", "VCARD")) {
			if (cur != NULL) {
				*error_r = pool_printf(p, "line %zu: BEGIN:VCARD inside a card "
						       "(nested cards are not supported)", at);
				ret = -1;
				break;
			}
			if (count == lim.max_cards) {
				*error_r = pool_printf(p, "line %zu: more than %zu cards", at,
						       lim.max_cards);
				ret = -1;
				break;
			}
			if (count == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				struct pim_vcard *bigger = pool_calloc(p, cap, sizeof(*bigger));
				if (count > 0)
					memcpy(bigger, cards, count * sizeof(*cards));
				cards = bigger;
			}
			memset(&cards[count], 0, sizeof(cards[count]));
			cards[count].line = at;
			cur = pool_new_type(p, struct card);
			cur->p = p;
			props = 0;
			continue;
		}
		if (cur == NULL) {
			*error_r = pool_printf(p, "line %zu: text outside BEGIN:VCARD ... END:VCARD",
					       at);
			ret = -1;
			break;
		}
		if (line_is(&r.line, "END", "VCARD")) {
			if (cards[count].error == NULL)
				cards[count].appdata = card_tree(cur);
			cards[count].dropped = cur->dropped;
			cards[count].uid = cur->uid;
			count++;
			cur = NULL;
			continue;
		}
		if (++props > lim.max_props) {
			*error_r = pool_printf(p, "line %zu: more than %zu properties in one card",
					       at, lim.max_props);
			ret = -1;
			break;
		}
		if (cards[count].error != NULL)
			continue;
		struct prop pr;
		const char *why;
		if (parse_prop(p, (const char *)r.line.data, r.line.len, &pr, &why) < 0 ||
		    card_prop(cur, &pr, &why) < 0)
			cards[count].error = pool_printf(p, "line %zu: %s", at, why);
	}
	buf_free(&r.line);
	if (ret < 0)
		return -1;
	if (cur != NULL) {
		*error_r = pool_printf(p, "line %zu: card not closed by END:VCARD",
				       cards[count].line);
		return -1;
	}
	*cards_r = cards;
	*count_r = count;
	return 0;
}

/* ---- Writing ---- */

/* Appends text escaped for a vCard value (\\ \, \; \n). */
static void put_escaped(buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\': buf_puts(b, "\\\\"); break;
		case ',': buf_puts(b, "\\,"); break;
		case ';': buf_puts(b, "\\;"); break;
		case '\r':
			if (s[1] == '\n')
				s++;
			buf_puts(b, "\\n");
			break;
		case '\n': buf_puts(b, "\\n"); break;
		default: buf_putc(b, (unsigned char)*s); break;
		}
	}
}

/* Appends one logical line folded at 75 bytes (never inside a UTF-8 character), CRLF. */
static void put_folded(buf *out, const buf *line)
{
	size_t i = 0, col = 0;

	while (i < line->len) {
		size_t n = 1;
		while (i + n < line->len && (line->data[i + n] & 0xc0) == 0x80)
			n++;
		if (col + n > 75) {
			buf_puts(out, "\r\n ");
			col = 1;
		}
		buf_append(out, line->data + i, n);
		col += n;
		i += n;
	}
	buf_puts(out, "\r\n");
}

struct writer {
	buf *out;
	buf line;
	pool *p;
	const struct wbxml_node *ad;
	int version;
	uint16_t used[MAX_SLOTS];
	size_t used_count;
};

static const char *get(struct writer *w, uint16_t tag)
{
	const char *v = wbxml_child_str(w->ad, tag);
	if (w->used_count < MAX_SLOTS)
		w->used[w->used_count++] = tag;
	return v != NULL ? v : "";
}

/* NAME[;params]:v1;v2;... with each value escaped; nothing when every value is empty. */
static void put_prop(struct writer *w, const char *name, const char *const *values, size_t n,
		     bool always)
{
	bool any = always;
	for (size_t i = 0; i < n; i++)
		any = any || *values[i] != '\0';
	if (!any)
		return;
	buf_truncate(&w->line, 0);
	buf_puts(&w->line, name);
	buf_putc(&w->line, ':');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&w->line, ';');
		put_escaped(&w->line, values[i]);
	}
	put_folded(w->out, &w->line);
}

static void put1(struct writer *w, const char *name, uint16_t tag)
{
	const char *v = get(w, tag);
	put_prop(w, name, &v, 1, false);
}

/* TYPE parameter text for the version: "TYPE=WORK,VOICE" (3.0), "TYPE=work,voice" (4.0). */
static const char *typed(struct writer *w, const char *name, const char *types)
{
	char *t = pool_strdup(w->p, types);
	if (w->version == 4)
		str_lcase(t);
	return pool_printf(w->p, "%s;TYPE=%s", name, t);
}

/* An EAS date as a vCard date, rounded to the nearest day (Q-CNT-2: phones put birthdays
 * anywhere from 08:00 the day before to 12:00 UTC). */
static const char *vcard_date(struct writer *w, const char *eas)
{
	struct pim_date d;
	struct tm tm;

	if (*eas == '\0' || pim_date_parse(eas, &d) < 0)
		return "";
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d.year - 1900;
	tm.tm_mon = d.month - 1;
	tm.tm_mday = d.day + (d.hour >= 12 ? 1 : 0);
	time_t t = timegm(&tm);
	if (gmtime_r(&t, &tm) == NULL)
		return "";
	return pool_printf(w->p, w->version == 4 ? "%04d%02d%02d" : "%04d-%02d-%02d",
			   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static void put_adr(struct writer *w, const char *type, uint16_t street, uint16_t city,
		    uint16_t state, uint16_t code, uint16_t country)
{
	const char *v[7] = { "", "", get(w, street), get(w, city), get(w, state), get(w, code),
			     get(w, country) };
	put_prop(w, typed(w, "ADR", type), v, 7, false);
}

/* The photo's media type from its first base64 bytes. */
static const char *photo_type(const char *b64)
{
	if (strncmp(b64, "iVBOR", 5) == 0)
		return "PNG";
	if (strncmp(b64, "R0lG", 4) == 0)
		return "GIF";
	return "JPEG";
}

static void put_photo(struct writer *w)
{
	const char *b64 = get(w, WBXML_Contacts_Picture);

	if (*b64 == '\0')
		return;
	buf_truncate(&w->line, 0);
	if (w->version == 4) {
		char *type = pool_strdup(w->p, photo_type(b64));
		str_lcase(type);
		buf_printf(&w->line, "PHOTO:data:image/%s;base64,", type);
	} else {
		buf_printf(&w->line, "PHOTO;ENCODING=b;TYPE=%s:", photo_type(b64));
	}
	for (; *b64 != '\0'; b64++) {
		if (*b64 != '\r' && *b64 != '\n')
			buf_putc(&w->line, (unsigned char)*b64);
	}
	put_folded(w->out, &w->line);
}

static bool was_used(const struct writer *w, uint16_t tag)
{
	for (size_t i = 0; i < w->used_count; i++) {
		if (w->used[i] == tag)
			return true;
	}
	return false;
}

void pim_vcard_write(buf *out, pool *p, const struct wbxml_node *appdata, int version)
{
	pim_vcard_write_uid(out, p, appdata, version, NULL);
}

void pim_vcard_write_uid(buf *out, pool *p, const struct wbxml_node *appdata, int version,
			 const char *uid)
{
	struct writer w = { .out = out, .p = p, .ad = appdata, .version = version == 4 ? 4 : 3 };
	const char *v[5];

	buf_init(&w.line);
	buf_puts(out, "BEGIN:VCARD\r\n");
	buf_puts(out, w.version == 4 ? "VERSION:4.0\r\n" : "VERSION:3.0\r\n");
	v[0] = get(&w, WBXML_Contacts_LastName);
	v[1] = get(&w, WBXML_Contacts_FirstName);
	v[2] = get(&w, WBXML_Contacts_MiddleName);
	v[3] = get(&w, WBXML_Contacts_Title);
	v[4] = get(&w, WBXML_Contacts_Suffix);
	/* FN is required: FileAs, else the name, else the company or the first address. */
	const char *fn = get(&w, WBXML_Contacts_FileAs);
	if (*fn == '\0') {
		buf name = BUF_INIT;
		for (int i = 1; i <= 3; i++) {
			const char *part = i == 3 ? v[0] : v[i];
			if (*part == '\0')
				continue;
			if (name.len > 0)
				buf_putc(&name, ' ');
			buf_puts(&name, part);
		}
		fn = name.len > 0 ? pool_strdup(p, buf_cstr(&name)) :
		     *get(&w, WBXML_Contacts_CompanyName) != '\0' ?
		     get(&w, WBXML_Contacts_CompanyName) : get(&w, WBXML_Contacts_Email1Address);
		buf_free(&name);
	}
	put_prop(&w, "FN", &fn, 1, true);
	put_prop(&w, "N", v, 5, true);
	const char *org[2] = { get(&w, WBXML_Contacts_CompanyName),
			       get(&w, WBXML_Contacts_Department) };
	put_prop(&w, "ORG", org, 2, false);
	put1(&w, "TITLE", WBXML_Contacts_JobTitle);
	put1(&w, typed(&w, "TEL", "CELL"), WBXML_Contacts_MobilePhoneNumber);
	put1(&w, typed(&w, "TEL", "HOME,VOICE"), WBXML_Contacts_HomePhoneNumber);
	put1(&w, typed(&w, "TEL", "HOME,VOICE"), WBXML_Contacts_Home2PhoneNumber);
	put1(&w, typed(&w, "TEL", "WORK,VOICE"), WBXML_Contacts_BusinessPhoneNumber);
	put1(&w, typed(&w, "TEL", "WORK,VOICE"), WBXML_Contacts_Business2PhoneNumber);
	put1(&w, typed(&w, "TEL", "HOME,FAX"), WBXML_Contacts_HomeFaxNumber);
	put1(&w, typed(&w, "TEL", "WORK,FAX"), WBXML_Contacts_BusinessFaxNumber);
	put1(&w, typed(&w, "TEL", "PAGER"), WBXML_Contacts_PagerNumber);
	put1(&w, typed(&w, "TEL", "CAR"), WBXML_Contacts_CarPhoneNumber);
	put1(&w, typed(&w, "TEL", "X-RADIO"), WBXML_Contacts_RadioPhoneNumber);
	put1(&w, typed(&w, "TEL", "X-ASSISTANT"), WBXML_Contacts_AssistantPhoneNumber);
	put1(&w, typed(&w, "TEL", "WORK,MAIN"), WBXML_Contacts2_CompanyMainPhone);
	put1(&w, typed(&w, "TEL", "X-MMS"), WBXML_Contacts2_MMS);
	put1(&w, w.version == 4 ? "EMAIL" : "EMAIL;TYPE=INTERNET", WBXML_Contacts_Email1Address);
	put1(&w, w.version == 4 ? "EMAIL" : "EMAIL;TYPE=INTERNET", WBXML_Contacts_Email2Address);
	put1(&w, w.version == 4 ? "EMAIL" : "EMAIL;TYPE=INTERNET", WBXML_Contacts_Email3Address);
	put_adr(&w, "HOME", WBXML_Contacts_HomeAddressStreet, WBXML_Contacts_HomeAddressCity,
		WBXML_Contacts_HomeAddressState, WBXML_Contacts_HomeAddressPostalCode,
		WBXML_Contacts_HomeAddressCountry);
	put_adr(&w, "WORK", WBXML_Contacts_BusinessAddressStreet,
		WBXML_Contacts_BusinessAddressCity, WBXML_Contacts_BusinessAddressState,
		WBXML_Contacts_BusinessAddressPostalCode, WBXML_Contacts_BusinessAddressCountry);
	put_adr(&w, w.version == 4 ? "X-OTHER" : "POSTAL", WBXML_Contacts_OtherAddressStreet,
		WBXML_Contacts_OtherAddressCity, WBXML_Contacts_OtherAddressState,
		WBXML_Contacts_OtherAddressPostalCode, WBXML_Contacts_OtherAddressCountry);
	const char *bday = vcard_date(&w, get(&w, WBXML_Contacts_Birthday));
	put_prop(&w, "BDAY", &bday, 1, false);
	const char *anniv = vcard_date(&w, get(&w, WBXML_Contacts_Anniversary));
	put_prop(&w, w.version == 4 ? "ANNIVERSARY" : "X-ANNIVERSARY", &anniv, 1, false);
	put1(&w, "URL", WBXML_Contacts_WebPage);
	put1(&w, "NICKNAME", WBXML_Contacts2_NickName);
	put1(&w, "X-SPOUSE", WBXML_Contacts_Spouse);
	put1(&w, "X-ASSISTANT", WBXML_Contacts_AssistantName);
	put1(&w, "X-MANAGER", WBXML_Contacts2_ManagerName);
	put1(&w, "IMPP", WBXML_Contacts2_IMAddress);
	put1(&w, "IMPP", WBXML_Contacts2_IMAddress2);
	put1(&w, "IMPP", WBXML_Contacts2_IMAddress3);

	const struct wbxml_node *cats = wbxml_child(appdata, WBXML_Contacts_Categories);
	if (cats != NULL) {
		buf_truncate(&w.line, 0);
		buf_puts(&w.line, "CATEGORIES:");
		for (const struct wbxml_node *c = cats->children; c != NULL; c = c->next) {
			const char *s = wbxml_node_str(c);
			if (s == NULL)
				continue;
			if (c != cats->children)
				buf_putc(&w.line, ',');
			put_escaped(&w.line, s);
		}
		put_folded(out, &w.line);
	}
	const struct wbxml_node *kids = wbxml_child(appdata, WBXML_Contacts_Children);
	for (const struct wbxml_node *c = kids != NULL ? kids->children : NULL; c != NULL;
	     c = c->next) {
		const char *s = wbxml_node_str(c);
		if (s != NULL)
			put_prop(&w, "X-EAS-Child", &s, 1, false);
	}
	const struct wbxml_node *body = wbxml_child(appdata, WBXML_AirSyncBase_Body);
	const char *type = body != NULL ? wbxml_child_str(body, WBXML_AirSyncBase_Type) : NULL;
	const char *data = body != NULL ? wbxml_child_str(body, WBXML_AirSyncBase_Data) : NULL;
	if (data != NULL && type != NULL && (strcmp(type, "1") == 0 || strcmp(type, "2") == 0)) {
		buf text = BUF_INIT;
		if (strcmp(type, "2") == 0)
			pim_html_to_text(&text, data, strlen(data));
		else
			buf_puts(&text, data);
		const char *note = pool_strdup(p, buf_cstr(&text));
		buf_free(&text);
		put_prop(&w, "NOTE", &note, 1, false);
	}
	put_photo(&w);
	/* Everything else that is text: X-EAS-<Tag>, read back by the parser. */
	for (const struct wbxml_node *c = appdata->children; c != NULL; c = c->next) {
		const char *s = wbxml_node_str(c);
		const char *name = wbxml_tag_name(c->tag);
		unsigned page = WBXML_TAG_PAGE(c->tag);
		if (s == NULL || *s == '\0' || name == NULL || was_used(&w, c->tag) ||
		    (page != WBXML_PAGE_Contacts && page != WBXML_PAGE_Contacts2))
			continue;
		put_prop(&w, pool_printf(p, "X-EAS-%s", name), &s, 1, false);
	}
	if (uid != NULL && *uid != '\0')
		put_prop(&w, "UID", &uid, 1, false);
	buf_puts(out, "END:VCARD\r\n");
	buf_free(&w.line);
}
