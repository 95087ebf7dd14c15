/* wbxml-xml.c: WBXML trees <-> XML for people; see wbxml-xml.h for the format. Reading uses
 * libxml2's streaming reader (line numbers for errors, <Tag/> told from <Tag></Tag>); writing
 * is plain text into a buf. */
#include "cmd/wbxml-xml.h"

#include "lib/base64.h"
#include "lib/utf8.h"

#include <libxml/xmlreader.h>
#include <libxml/xmlversion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAGE_MAX 256 /* a WBXML page number is one byte */
#define XML_MAX_DEPTH 256 /* far beyond EAS (the decoder's default limit is 32) */

/* ---- Names ---- */

/* The prefix of a page: its name in lower case ("airsyncbase"), or "page254". */
static void page_prefix(unsigned page, char *dst, size_t size)
{
	const char *name = wbxml_page_name(page);

	if (name == NULL) {
		snprintf(dst, size, "page%u", page);
		return;
	}
	size_t i = 0;
	for (; name[i] != '\0' && i + 1 < size; i++)
		dst[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	dst[i] = '\0';
}

/* The namespace of a page: "AirSync:", or "Page254:" for a page our table lacks. */
static void page_namespace(unsigned page, char *dst, size_t size)
{
	const char *ns = wbxml_page_namespace(page);

	if (ns != NULL)
		snprintf(dst, size, "%s", ns);
	else
		snprintf(dst, size, "Page%u:", page);
}

static bool ascii_ieq(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* The page of a namespace, with or without the colon, in any letter case; -1 if unknown. */
static int page_of_namespace(const char *ns)
{
	size_t len = strlen(ns);

	if (len > 0 && ns[len - 1] == ':')
		len--;
	for (unsigned page = 0; page < WBXML_PAGE_COUNT; page++) {
		const char *known = wbxml_page_namespace(page);
		size_t klen = strlen(known) - 1; /* without its colon */
		if (klen == len && ascii_ieq(known, ns, len))
			return (int)page;
	}
	/* "Page254" for pages beyond our table */
	if (len > 4 && len <= 7 && ascii_ieq(ns, "page", 4)) {
		unsigned page = 0;
		for (size_t i = 4; i < len; i++) {
			if (ns[i] < '0' || ns[i] > '9')
				return -1;
			page = page * 10 + (unsigned)(ns[i] - '0');
		}
		return page < PAGE_MAX ? (int)page : -1;
	}
	return -1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The tag of an element name in a page: a name of our table, or Tag_0xNN. */
static int tag_of_name(unsigned page, const char *name, uint16_t *tag_r)
{
	const char *page_name = wbxml_page_name(page);

	if (page_name != NULL && wbxml_tag_lookup(page_name, name, tag_r) == 0)
		return 0;
	if (strncmp(name, "Tag_0x", 6) == 0 && strlen(name) == 8) {
		int hi = hex_digit(name[6]), lo = hex_digit(name[7]);
		if (hi >= 0 && lo >= 0 && hi * 16 + lo >= 0x05 && hi * 16 + lo <= 0x3f) {
			*tag_r = WBXML_TAG(page, hi * 16 + lo);
			return 0;
		}
	}
	return -1;
}

/* ---- Writing ---- */

struct xml_out {
	buf *out;
	unsigned root_page;
};

static void mark_pages(const struct wbxml_node *node, bool *used)
{
	/* Depth-first through the parent/next links: no recursion. */
	const struct wbxml_node *n = node;

	while (n != NULL) {
		used[WBXML_TAG_PAGE(n->tag)] = true;
		if (n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != node && n->next == NULL)
			n = n->parent;
		n = (n == NULL || n == node) ? NULL : n->next;
	}
}

static void write_name(struct xml_out *x, uint16_t tag)
{
	unsigned page = WBXML_TAG_PAGE(tag);
	const char *name = wbxml_tag_name(tag);

	if (page != x->root_page) {
		char prefix[32];
		page_prefix(page, prefix, sizeof(prefix));
		buf_printf(x->out, "%s:", prefix);
	}
	if (name != NULL)
		buf_puts(x->out, name);
	else
		buf_printf(x->out, "Tag_0x%02x", WBXML_TAG_TOKEN(tag));
}

/* True when XML 1.0 can carry s[0..len) as text: valid UTF-8 (the decoder guarantees it for
 * strings) without control characters other than tab, LF and CR, and without U+FFFE/U+FFFF. */
static bool xml_can_hold(const unsigned char *s, size_t len)
{
	if (!utf8_valid(s, len, NULL))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
		if (s[i] == 0xef && i + 2 < len && s[i + 1] == 0xbf && (s[i + 2] & 0xfe) == 0xbe)
			return false;
	}
	return true;
}

static void write_escaped(buf *out, const unsigned char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '\r': rep = "&#13;"; break; /* a raw CR would be read back as LF */
		default: continue;
		}
		buf_append(out, s + start, i - start);
		buf_puts(out, rep);
		start = i + 1;
	}
	buf_append(out, s + start, len - start);
}

static void indent(buf *out, size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		buf_puts(out, "  ");
}

/* Writes node; inline: no line breaks or indentation inside (an element with text and
 * children, where added white space would change the text). Recursion is bounded by the
 * depth limits of the decoder and of libxml2 (256). */
static void write_node(struct xml_out *x, const struct wbxml_node *node, size_t depth, bool inl)
{
	bool has_value = node->value_kind != WBXML_VALUE_NONE;
	bool base64 = node->value_kind == WBXML_VALUE_OPAQUE ||
		(has_value && !xml_can_hold(node->value, node->value_len));

	if (!inl)
		indent(x->out, depth);
	buf_putc(x->out, '<');
	write_name(x, node->tag);
	if (depth == 0) {
		bool used[PAGE_MAX] = { false };
		char ns[32], prefix[32];
		mark_pages(node, used);
		page_namespace(x->root_page, ns, sizeof(ns));
		buf_printf(x->out, " xmlns=\"%s\"", ns);
		for (unsigned page = 0; page < PAGE_MAX; page++) {
			if (!used[page] || page == x->root_page)
				continue;
			page_prefix(page, prefix, sizeof(prefix));
			page_namespace(page, ns, sizeof(ns));
			buf_printf(x->out, " xmlns:%s=\"%s\"", prefix, ns);
		}
	}
	if (base64)
		buf_puts(x->out, node->value_kind == WBXML_VALUE_OPAQUE ? " opaque=\"base64\"" :
			 " str=\"base64\"");
	if (!node->has_content && !has_value && node->children == NULL) {
		buf_puts(x->out, inl ? "/>" : "/>\n");
		return;
	}
	buf_putc(x->out, '>');
	if (base64)
		base64_encode(x->out, node->value, node->value_len);
	else if (has_value)
		write_escaped(x->out, node->value, node->value_len);
	if (node->children != NULL) {
		bool child_inl = inl || has_value;
		if (!child_inl)
			buf_putc(x->out, '\n');
		for (const struct wbxml_node *c = node->children; c != NULL; c = c->next)
			write_node(x, c, depth + 1, child_inl);
		if (!child_inl)
			indent(x->out, depth);
	}
	buf_puts(x->out, "</");
	write_name(x, node->tag);
	buf_puts(x->out, inl ? ">" : ">\n");
}

void wbxml_xml_write(const struct wbxml_node *root, buf *out)
{
	struct xml_out x = { out, WBXML_TAG_PAGE(root->tag) };

	buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
	write_node(&x, root, 0, false);
}

/* ---- Reading ---- */

enum text_encoding { TEXT_PLAIN, TEXT_OPAQUE_BASE64, TEXT_STR_BASE64 };

struct open_element {
	struct wbxml_node *node;
	buf text;
	enum text_encoding enc;
	int line;
};

struct xml_in {
	pool *p;
	xmlTextReaderPtr reader;
	const char *error;
	bool xml_error; /* error is libxml2's, not ours */
	struct open_element *stack;
	size_t depth, cap;
	struct wbxml_node *root;
};

static int in_fail(struct xml_in *in, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int in_fail(struct xml_in *in, int line, const char *fmt, ...)
{
	va_list ap;

	if (in->error != NULL)
		return -1;
	va_start(ap, fmt);
	const char *msg = pool_vprintf(in->p, fmt, ap);
	va_end(ap);
	in->error = pool_printf(in->p, "line %d: %s", line, msg);
	return -1;
}

/* libxml2's own errors (malformed XML), kept with their line; only the first counts. */
#if LIBXML_VERSION >= 21200
static void on_xml_error(void *ctx, const xmlError *e)
#else
static void on_xml_error(void *ctx, xmlErrorPtr e)
#endif
{
	struct xml_in *in = ctx;

	if (in->error != NULL || e == NULL || e->level < XML_ERR_ERROR)
		return;
	const char *msg = e->message != NULL ? e->message : "malformed XML";
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	in->error = pool_printf(in->p, "line %d: %.*s", e->line, (int)len, msg);
	in->xml_error = true;
}

struct first_error {
	pool *p;
	const char *message;
};

#if LIBXML_VERSION >= 21200
static void keep_first_error(void *ctx, const xmlError *e)
#else
static void keep_first_error(void *ctx, xmlErrorPtr e)
#endif
{
	struct first_error *first = ctx;

	if (first->message != NULL || e == NULL || e->level < XML_ERR_ERROR || e->message == NULL)
		return;
	size_t n = strlen(e->message);
	while (n > 0 && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
		n--;
	first->message = pool_printf(first->p, "line %d: %.*s", e->line, (int)n, e->message);
}

/* The streaming reader reads ahead and words some errors badly (a truncated document is
 * "Extra content at the end of the document"); the document parser says "Premature end of
 * data in tag SyncKey". So when the XML is malformed, the message is the document parser's
 * first one. */
static const char *better_xml_error(pool *p, const void *xml, size_t len, const char *fallback)
{
	struct first_error first = { p, NULL };

	xmlSetStructuredErrorFunc(&first, keep_first_error);
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlFreeDoc(doc);
	return doc == NULL && first.message != NULL ? first.message : fallback;
}

static bool all_space(const buf *b)
{
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = b->data[i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return false;
	}
	return true;
}

/* Sets the element's value from its collected text, as its attribute says. */
static int finish_element(struct xml_in *in, struct open_element *el, bool empty)
{
	struct wbxml_node *node = el->node;
	const char *name = (const char *)xmlTextReaderConstName(in->reader);

	node->has_content = !empty || el->enc != TEXT_PLAIN;
	if (el->enc != TEXT_PLAIN) {
		buf compact = BUF_INIT, bytes = BUF_INIT;
		const char *error;
		for (size_t i = 0; i < el->text.len; i++) {
			unsigned char c = el->text.data[i];
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				buf_putc(&compact, c);
		}
		int ret = base64_decode(&bytes, (const char *)compact.data, compact.len, &error);
		buf_free(&compact);
		if (ret < 0) {
			buf_free(&bytes);
			return in_fail(in, el->line, "<%s>: bad base64: %s", name, error);
		}
		if (el->enc == TEXT_STR_BASE64 && memchr(bytes.data, '\0', bytes.len) != NULL) {
			buf_free(&bytes);
			return in_fail(in, el->line, "<%s str=\"base64\">: a string cannot hold a NUL "
				       "byte (use opaque=\"base64\")", name);
		}
		node->value = pool_memdup(in->p, bytes.len > 0 ? bytes.data : (const unsigned char *)"",
					  bytes.len + 1);
		node->value_len = bytes.len;
		node->value_kind = el->enc == TEXT_OPAQUE_BASE64 ? WBXML_VALUE_OPAQUE :
			WBXML_VALUE_STRING;
		buf_free(&bytes);
		return 0;
	}
	/* Indentation between child elements is not text. */
	if (el->text.len > 0 && !(node->children != NULL && all_space(&el->text))) {
		node->value = pool_memdup(in->p, el->text.data, el->text.len + 1);
		node->value_len = el->text.len;
		node->value_kind = WBXML_VALUE_STRING;
	}
	return 0;
}

static void pop_element(struct xml_in *in)
{
	buf_free(&in->stack[--in->depth].text);
}

/* The line of the reader's current node (the parser itself may have read ahead). */
static int reader_line(xmlTextReaderPtr r)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(r);
	long line = node != NULL ? xmlGetLineNo(node) : -1;

	return line > 0 && line <= INT32_MAX ? (int)line : xmlTextReaderGetParserLineNumber(r);
}

static int start_element(struct xml_in *in)
{
	xmlTextReaderPtr r = in->reader;
	int line = reader_line(r);
	const char *name = (const char *)xmlTextReaderConstName(r);
	const char *local = (const char *)xmlTextReaderConstLocalName(r);
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
	bool empty = xmlTextReaderIsEmptyElement(r) == 1;
	enum text_encoding enc = TEXT_PLAIN;
	uint16_t tag;

	if (in->depth >= XML_MAX_DEPTH)
		return in_fail(in, line, "elements nested deeper than %d", XML_MAX_DEPTH);
	if (ns == NULL)
		return in_fail(in, line, "<%s> has no namespace (the root needs one, e.g. "
			       "xmlns=\"AirSync:\")", name);
	int page = page_of_namespace(ns);
	if (page < 0)
		return in_fail(in, line, "<%s>: unknown namespace \"%s\"", name, ns);
	if (tag_of_name((unsigned)page, local, &tag) < 0)
		return in_fail(in, line, "<%s>: no element \"%s\" in namespace %s", name, local, ns);
	while (xmlTextReaderMoveToNextAttribute(r) == 1) {
		if (xmlTextReaderIsNamespaceDecl(r) == 1)
			continue;
		const char *aname = (const char *)xmlTextReaderConstName(r);
		const char *avalue = (const char *)xmlTextReaderConstValue(r);
		if (strcmp(aname, "opaque") == 0 && avalue != NULL && strcmp(avalue, "base64") == 0)
			enc = TEXT_OPAQUE_BASE64;
		else if (strcmp(aname, "str") == 0 && avalue != NULL &&
			 strcmp(avalue, "base64") == 0)
			enc = TEXT_STR_BASE64;
		else
			return in_fail(in, line, "<%s>: attribute %s=\"%s\" is not supported (WBXML "
				       "has no attributes; only opaque=\"base64\" and str=\"base64\")",
				       name, aname, avalue != NULL ? avalue : "");
	}
	xmlTextReaderMoveToElement(r);

	struct wbxml_node *node = pool_new_type(in->p, struct wbxml_node);
	node->tag = tag;
	node->value_kind = WBXML_VALUE_NONE;
	if (in->depth == 0) {
		in->root = node;
	} else {
		struct wbxml_node *parent = in->stack[in->depth - 1].node;
		node->parent = parent;
		if (parent->last_child == NULL)
			parent->children = node;
		else
			parent->last_child->next = node;
		parent->last_child = node;
	}
	if (in->depth == in->cap) {
		size_t cap = in->cap == 0 ? 16 : in->cap * 2;
		struct open_element *stack = pool_calloc(in->p, cap, sizeof(*stack));
		if (in->depth > 0)
			memcpy(stack, in->stack, in->depth * sizeof(*stack));
		in->stack = stack;
		in->cap = cap;
	}
	struct open_element *el = &in->stack[in->depth++];
	el->node = node;
	buf_init(&el->text);
	el->enc = enc;
	el->line = line;
	if (empty) {
		int ret = finish_element(in, el, true);
		pop_element(in);
		return ret;
	}
	return 0;
}

int wbxml_xml_parse(pool *p, const void *xml, size_t len, struct wbxml_node **root_r,
		    const char **error_r)
{
	struct xml_in in = { .p = p };
	int ret;

	if (len > INT32_MAX) {
		*error_r = "XML input larger than 2 GiB";
		return -1;
	}
	if (len == 0) {
		*error_r = "empty input";
		return -1;
	}
	/* No network, no DTD loading, entities left unexpanded (and refused below). */
	in.reader = xmlReaderForMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
	if (in.reader == NULL) {
		*error_r = "cannot create the XML reader";
		return -1;
	}
	xmlTextReaderSetStructuredErrorHandler(in.reader, on_xml_error, &in);
	while ((ret = xmlTextReaderRead(in.reader)) == 1) {
		int line = reader_line(in.reader);
		switch (xmlTextReaderNodeType(in.reader)) {
		case XML_READER_TYPE_ELEMENT:
			if (start_element(&in) < 0)
				ret = -1;
			break;
		case XML_READER_TYPE_END_ELEMENT:
			if (in.depth == 0) {
				ret = in_fail(&in, line, "end tag without a start tag");
				break;
			}
			ret = finish_element(&in, &in.stack[in.depth - 1], false);
			pop_element(&in);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			if (in.depth > 0) {
				const char *text = (const char *)xmlTextReaderConstValue(in.reader);
				if (text != NULL)
					buf_puts(&in.stack[in.depth - 1].text, text);
			}
			break;
		case XML_READER_TYPE_ENTITY_REFERENCE:
			ret = in_fail(&in, line, "entity references are not supported");
			break;
		default:
			break; /* comments, processing instructions, the DOCTYPE */
		}
		if (ret < 0)
			break;
	}
	if (ret < 0 && in.error == NULL) {
		in.error = pool_printf(p, "line %d: malformed XML",
				       xmlTextReaderGetParserLineNumber(in.reader));
		in.xml_error = true;
	}
	while (in.depth > 0)
		pop_element(&in);
	xmlFreeTextReader(in.reader);
	if (in.error != NULL && in.xml_error)
		in.error = better_xml_error(p, xml, len, in.error);
	if (in.error == NULL && in.root == NULL)
		in.error = "no root element";
	if (in.error != NULL) {
		*error_r = in.error;
		return -1;
	}
	*root_r = in.root;
	return 0;
}
