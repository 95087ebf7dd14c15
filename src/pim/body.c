/* body.c: the body of a contact or task as a device gets it. The stored body is
 * airsyncbase:Body (Type, Data: the full text). 12.0+ devices get airsyncbase:Body shaped by
 * their BodyPreference (type, TruncationSize, AllOrNone, Preview); 2.5 devices get the
 * class's Body, BodySize and BodyTruncated shaped by Truncation. */
#include "pim/pim-private.h"

#include "lib/buf.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>

/* ---- Conversions ---- */

void pim_text_to_html(buf *out, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		switch (c) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\r':
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
			buf_puts(out, "<br>\n");
			break;
		case '\n': buf_puts(out, "<br>\n"); break;
		default: buf_putc(out, (unsigned char)c); break;
		}
	}
}

/* Appends code point cp as UTF-8 (U+FFFD for surrogates and values past U+10FFFF). */
static void put_utf8(buf *out, unsigned long cp)
{
	if (cp == 0)
		return;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		buf_putc(out, (unsigned char)cp);
	} else if (cp < 0x800) {
		buf_putc(out, (unsigned char)(0xc0 | (cp >> 6)));
		buf_putc(out, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(out, (unsigned char)(0xe0 | (cp >> 12)));
		buf_putc(out, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(out, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(out, (unsigned char)(0xf0 | (cp >> 18)));
		buf_putc(out, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(out, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(out, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/* Decodes the entity at html[i] ('&'); returns the bytes consumed (1 when it is none). */
static size_t put_entity(buf *out, const char *html, size_t i, size_t len)
{
	static const struct { const char *name; unsigned long cp; } names[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", ' ' },
	};
	size_t end = i + 1;

	while (end < len && end - i < 32 && html[end] != ';' && html[end] != '&' &&
	       html[end] != '<')
		end++;
	if (end >= len || html[end] != ';') {
		buf_putc(out, '&');
		return 1;
	}
	const char *name = html + i + 1;
	size_t nlen = end - i - 1;
	if (nlen > 1 && name[0] == '#') {
		unsigned long cp = 0;
		bool hex = name[1] == 'x' || name[1] == 'X';
		size_t k = hex ? 2 : 1;
		if (k == nlen) {
			buf_putc(out, '&');
			return 1;
		}
		for (; k < nlen; k++) {
			char c = name[k];
			unsigned d;
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else {
				buf_putc(out, '&');
				return 1;
			}
			cp = cp * (hex ? 16 : 10) + d;
			if (cp > 0x10ffff)
				cp = 0x110000; /* stays invalid, no overflow */
		}
		put_utf8(out, cp);
		return end - i + 1;
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strlen(names[k].name) == nlen && memcmp(names[k].name, name, nlen) == 0) {
			put_utf8(out, names[k].cp);
			return end - i + 1;
		}
	}
	buf_putc(out, '&');
	return 1;
}

/* True when the tag name at s[0..len) is name (ASCII, any case), followed by a non-letter. */
static bool tag_is(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	return len == n || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
			     (s[n] >= '0' && s[n] <= '9'));
}

/* Finds "</name" from i on (case-insensitive); len when absent. */
static size_t find_close(const char *html, size_t i, size_t len, const char *name)
{
	for (; i + 1 < len; i++) {
		if (html[i] == '<' && html[i + 1] == '/' &&
		    tag_is(html + i + 2, len - i - 2, name))
			return i;
	}
	return len;
}

/* Appends a line end unless the output already ends with one (or is empty). */
static void put_newline(buf *out)
{
	size_t len = out->len;

	while (len > 0 && out->data[len - 1] == ' ')
		len--;
	buf_truncate(out, len);
	if (len > 0 && out->data[len - 1] != '\n')
		buf_putc(out, '\n');
}

void pim_html_to_text(buf *out, const char *html, size_t len)
{
	static const char *const blocks[] = {
		"br", "p", "/p", "div", "/div", "li", "tr", "/tr", "h1", "h2", "h3", "h4", "h5",
		"h6", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/li", "/table", "blockquote",
		"/blockquote", "hr",
	};
	size_t start = out->len;
	size_t i = 0;

	while (i < len) {
		char c = html[i];
		if (c == '<') {
			if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
				const char *end = memmem(html + i + 4, len - i - 4, "-->", 3);
				i = end == NULL ? len : (size_t)(end - html) + 3;
				continue;
			}
			const char *gt = memchr(html + i, '>', len - i);
			size_t tag_end = gt == NULL ? len : (size_t)(gt - html) + 1;
			const char *name = html + i + 1;
			size_t nlen = tag_end - i - 1;
			if (tag_is(name, nlen, "script") || tag_is(name, nlen, "style") ||
			    tag_is(name, nlen, "head") || tag_is(name, nlen, "title")) {
				const char *which = tag_is(name, nlen, "script") ? "script" :
						    tag_is(name, nlen, "style") ? "style" :
						    tag_is(name, nlen, "head") ? "head" : "title";
				size_t close = find_close(html, tag_end, len, which);
				gt = close < len ? memchr(html + close, '>', len - close) : NULL;
				i = gt == NULL ? len : (size_t)(gt - html) + 1;
				continue;
			}
			for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
				if (tag_is(name, nlen, blocks[k])) {
					put_newline(out);
					break;
				}
			}
			i = tag_end;
		} else if (c == '&') {
			i += put_entity(out, html, i, len);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			/* HTML white space is one space. */
			if (out->len > start && out->data[out->len - 1] != ' ' &&
			    out->data[out->len - 1] != '\n')
				buf_putc(out, ' ');
			i++;
		} else {
			buf_putc(out, (unsigned char)c);
			i++;
		}
	}
	size_t end = out->len;
	while (end > start && (out->data[end - 1] == ' ' || out->data[end - 1] == '\n'))
		end--;
	buf_truncate(out, end);
}

/* ---- Choosing and writing ---- */

/* The stored body's type and text; false when there is none. */
static bool body_parts(const struct wbxml_node *body, uint64_t *type_r, const char **data_r,
		       size_t *len_r)
{
	const char *type, *data;

	if (body == NULL)
		return false;
	type = wbxml_child_str(body, WBXML_AirSyncBase_Type);
	data = wbxml_child_str(body, WBXML_AirSyncBase_Data);
	if (data == NULL || *data == '\0')
		return false;
	if (type == NULL || str_to_uint64(type, 4, type_r) < 0)
		*type_r = 1;
	*data_r = data;
	*len_r = strlen(data);
	return true;
}

/* The body as type want into *text_r, converting plain and HTML; false when it cannot be
 * had in that type (RTF and MIME are sent only as stored). */
static bool body_as(pool *p, uint64_t type, const char *data, size_t len, unsigned want,
		    const char **text_r, size_t *len_r)
{
	buf b = BUF_INIT;

	if (type == want) {
		*text_r = data;
		*len_r = len;
		return true;
	}
	if (want == 1 && type == 2)
		pim_html_to_text(&b, data, len);
	else if (want == 2 && type == 1)
		pim_text_to_html(&b, data, len);
	else
		return false;
	*text_r = pool_strndup(p, buf_cstr(&b), b.len);
	*len_r = b.len;
	buf_free(&b);
	return true;
}

/* Preview text (14.0+): the plain text with white space runs as one space, at most chars
 * characters. */
static const char *make_preview(pool *p, uint64_t type, const char *data, size_t len,
				uint32_t chars)
{
	const char *text;
	size_t tlen, n = 0, i = 0;
	buf b = BUF_INIT;

	if (!body_as(p, type, data, len, 1, &text, &tlen))
		return NULL;
	for (; i < tlen && n < chars; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (b.len > 0 && b.data[b.len - 1] != ' ') {
				buf_putc(&b, ' ');
				n++;
			}
			continue;
		}
		if ((c & 0xc0) != 0x80) {
			n++;
		}
		buf_putc(&b, c);
	}
	/* finish a multi-byte character that was started */
	while (i < tlen && ((unsigned char)text[i] & 0xc0) == 0x80)
		buf_putc(&b, (unsigned char)text[i++]);
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.len--;
	const char *preview = b.len > 0 ? pool_strndup(p, (const char *)b.data, b.len) : NULL;
	buf_free(&b);
	return preview;
}

static void write_body25(struct wbxml_writer *w, const struct pim_out_options *opt,
			 const struct pim_class_def *def, pool *p, uint64_t type,
			 const char *data, size_t len)
{
	const char *text;
	size_t tlen;

	/* 2.5 bodies are plain text: RTF and MIME have no 2.5 form. */
	if (!body_as(p, type, data, len, 1, &text, &tlen) || tlen == 0)
		return;
	if (opt->truncation_25_all || (opt->truncation_25 > 0 && tlen > opt->truncation_25)) {
		size_t cut = opt->truncation_25_all ? 0 :
			     utf8_truncate_len(text, tlen, opt->truncation_25);
		if (cut > 0) {
			wbxml_start(w, def->body25);
			wbxml_strn(w, text, cut);
			wbxml_end(w);
		}
		wbxml_elem_uint(w, def->bodysize25, tlen);
		wbxml_elem_uint(w, def->bodytruncated25, 1);
		return;
	}
	wbxml_start(w, def->body25);
	wbxml_strn(w, text, tlen);
	wbxml_end(w);
}

void pim_body_write(pool *p, struct wbxml_writer *w, const struct wbxml_node *body,
		    const struct pim_out_options *opt, const struct pim_class_def *def)
{
	static const struct pim_body_pref plain = { .type = 1 };
	const struct pim_body_pref *prefs = opt->body_prefs;
	size_t count = opt->body_pref_count;
	const struct pim_body_pref *chosen = NULL, *fallback = NULL;
	const char *data, *text = NULL;
	size_t len, tlen = 0;
	uint64_t type;

	/* No text: no Body at all (Q-MS-5: Windows Phone crashed on an empty one). */
	if (!body_parts(body, &type, &data, &len))
		return;
	if (opt->version == 25) {
		write_body25(w, opt, def, p, type, data, len);
		return;
	}
	if (count == 0) {
		prefs = &plain;
		count = 1;
	}
	if (count > PIM_MAX_BODY_PREFS)
		count = PIM_MAX_BODY_PREFS;
	/* The stored type first (no conversion), then the others in the client's order; a
	 * preference whose AllOrNone forbids the cut is passed over (MS-ASAIRS AllOrNone). */
	for (int pass = 0; pass < 2 && chosen == NULL; pass++) {
		for (size_t i = 0; i < count && chosen == NULL; i++) {
			if ((pass == 0) != (prefs[i].type == type))
				continue;
			if (!body_as(p, type, data, len, prefs[i].type, &text, &tlen))
				continue;
			if (prefs[i].all_or_none && prefs[i].truncation_size > 0 &&
			    tlen > prefs[i].truncation_size) {
				if (fallback == NULL)
					fallback = &prefs[i];
				continue;
			}
			chosen = &prefs[i];
		}
	}
	if (chosen == NULL && fallback == NULL)
		return; /* only RTF/MIME stored and not asked for: nothing honest to send */
	const struct pim_body_pref *pref = chosen != NULL ? chosen : fallback;
	if (chosen == NULL)
		(void)body_as(p, type, data, len, pref->type, &text, &tlen);
	size_t cut = tlen;
	bool truncated = false;
	if (chosen == NULL) {
		cut = 0;
		truncated = true;
	} else if (pref->truncation_size > 0 && tlen > pref->truncation_size) {
		/* Q-MAIL-2: cut on a character boundary and say so. */
		cut = utf8_truncate_len(text, tlen, pref->truncation_size);
		truncated = true;
	}
	uint32_t preview_chars = pref->preview;
	for (size_t i = 0; i < count && preview_chars == 0; i++)
		preview_chars = prefs[i].preview;

	wbxml_start(w, WBXML_AirSyncBase_Body);
	wbxml_elem_uint(w, WBXML_AirSyncBase_Type, pref->type);
	wbxml_elem_uint(w, WBXML_AirSyncBase_EstimatedDataSize, tlen);
	if (truncated) /* Q-MS-5: never Truncated 0 */
		wbxml_elem_uint(w, WBXML_AirSyncBase_Truncated, 1);
	if (cut > 0) {
		wbxml_start(w, WBXML_AirSyncBase_Data);
		wbxml_strn(w, text, cut);
		wbxml_end(w);
	}
	if (preview_chars > 0 && opt->version >= 140) {
		const char *preview = make_preview(p, type, data, len, preview_chars);
		if (preview != NULL)
			wbxml_elem_str(w, WBXML_AirSyncBase_Preview, preview);
	}
	wbxml_end(w);
}
