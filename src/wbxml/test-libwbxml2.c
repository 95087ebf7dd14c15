/* test-libwbxml2.c: our codec against an independent implementation, libwbxml2 0.11.8.
 *
 * For every document of the corpus (testdata-corpus.h: every command, requests and responses):
 * (a) libwbxml2 decodes what our encoder wrote, and its element tree agrees with the document;
 * (b) our decoder reads what libwbxml2 encoded from the same document, and the trees agree.
 * Trees are compared on (page, token) pairs, never on names: libwbxml2 names some tags
 * differently (DTStamp, Organizer_Email, Recurrence_Type, MIME, ...; ../shared/FACTS.md).
 * libwbxml2's own (page, token) <-> name table is learnt at start-up from libwbxml2 itself,
 * by decoding a one-element document for every token of pages 0-24, so nothing here depends
 * on our table being right.
 *
 * libwbxml2 has no code page 25: Find is covered by our round trip and by bytes assembled by
 * hand from the MS-ASWBXML token table for the shape of the MS-ASCMD Find examples.
 *
 * Only libwbxml2's public converter API is used (wbxml_conv_*). Its XML is read with libxml2.
 * Its header is included by path: <wbxml/wbxml.h> would find ours first through -Isrc. */
#include "wbxml/wbxml.h"
#include "wbxml/testdata-corpus.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/pool.h"

#include <libwbxml-1.0/wbxml/wbxml.h>

#include <check.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LW_PAGES 25 /* libwbxml2 knows pages 0-24 */

/* libwbxml2's names by [page][token], its namespace of each page ("AirSync:"), and the tags
 * whose content it shows as base64 in XML and encodes as OPAQUE (the byte arrays). */
static char *lw_names[WBXML_PAGE_COUNT][64];
static char *lw_ns[WBXML_PAGE_COUNT];
static bool lw_binary[WBXML_PAGE_COUNT][64];

/* ---- libwbxml2 conversions ---- */

/* WBXML -> compact XML with libwbxml2; 0, or -1 with *error_r. *xml_r is malloc'ed. */
static int lw_to_xml(const void *wbxml, size_t len, char **xml_r, size_t *xml_len_r,
		     const char **error_r)
{
	WBXMLConvWBXML2XML *conv = NULL;
	WB_UTINY *xml = NULL;
	WB_ULONG xml_len = 0;
	WBXMLError ret;

	if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK) {
		*error_r = "wbxml_conv_wbxml2xml_create failed";
		return -1;
	}
	wbxml_conv_wbxml2xml_set_language(conv, WBXML_LANG_ACTIVESYNC);
	wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
	wbxml_conv_wbxml2xml_set_charset(conv, WBXML_CHARSET_UTF_8);
	wbxml_conv_wbxml2xml_enable_preserve_whitespaces(conv);
	/* The converter takes a non-const pointer but only reads the input. */
	ret = wbxml_conv_wbxml2xml_run(conv, (WB_UTINY *)wbxml, (WB_ULONG)len, &xml, &xml_len);
	wbxml_conv_wbxml2xml_destroy(conv);
	if (ret != WBXML_OK) {
		free(xml);
		*error_r = (const char *)wbxml_errors_string(ret);
		return -1;
	}
	*xml_r = (char *)xml;
	*xml_len_r = xml_len;
	return 0;
}

/* XML -> WBXML with libwbxml2, as phones send it: no string table, public id 1. */
static int lw_to_wbxml(const char *xml, size_t len, buf *out, const char **error_r)
{
	WBXMLConvXML2WBXML *conv = NULL;
	WB_UTINY *wbxml = NULL;
	WB_ULONG wbxml_len = 0;
	WBXMLError ret;

	if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK) {
		*error_r = "wbxml_conv_xml2wbxml_create failed";
		return -1;
	}
	wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_13);
	wbxml_conv_xml2wbxml_disable_string_table(conv);
	wbxml_conv_xml2wbxml_disable_public_id(conv);
	wbxml_conv_xml2wbxml_enable_preserve_whitespaces(conv);
	ret = wbxml_conv_xml2wbxml_run(conv, (WB_UTINY *)xml, (WB_ULONG)len, &wbxml, &wbxml_len);
	wbxml_conv_xml2wbxml_destroy(conv);
	if (ret != WBXML_OK) {
		free(wbxml);
		*error_r = (const char *)wbxml_errors_string(ret);
		return -1;
	}
	buf_truncate(out, 0);
	buf_append(out, wbxml, wbxml_len);
	free(wbxml);
	return 0;
}

/* Reads the root element's name, namespace and text out of libwbxml2's compact XML. */
static void lw_root_name(const char *xml, size_t len, char **name_r, char **ns_r, char **text_r)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
	xmlNodePtr root = doc == NULL ? NULL : xmlDocGetRootElement(doc);

	*name_r = *ns_r = NULL;
	if (text_r != NULL)
		*text_r = NULL;
	if (root != NULL) {
		*name_r = strdup((const char *)root->name);
		if (root->ns != NULL && root->ns->href != NULL)
			*ns_r = strdup((const char *)root->ns->href);
		if (text_r != NULL) {
			xmlChar *text = xmlNodeGetContent(root);
			*text_r = strdup(text != NULL ? (const char *)text : "");
			xmlFree(text);
		}
	}
	xmlFreeDoc(doc);
}

/* Learns libwbxml2's table: decodes <tag>AB</tag> for every token of pages 0-24. A token it
 * does not know comes back as <unknown>; a tag it treats as binary comes back as base64. */
static void lw_learn_table(void)
{
	for (unsigned page = 0; page < LW_PAGES; page++) {
		for (unsigned token = 0x05; token < 0x40; token++) {
			const unsigned char doc[] = { 0x03, 0x01, 0x6a, 0x00, 0x00, (unsigned char)page,
						      (unsigned char)(0x40 | token), 0x03, 'A', 'B',
						      0x00, 0x01 };
			char *xml, *name, *ns, *text;
			size_t xml_len;
			const char *error;

			if (lw_to_xml(doc, sizeof(doc), &xml, &xml_len, &error) < 0)
				continue;
			lw_root_name(xml, xml_len, &name, &ns, &text);
			free(xml);
			if (text != NULL && strcmp(text, "QUI=") == 0)
				lw_binary[page][token] = true;
			free(text);
			if (name != NULL && strcmp(name, "unknown") != 0) {
				lw_names[page][token] = name;
				if (lw_ns[page] == NULL && ns != NULL) {
					lw_ns[page] = ns;
					ns = NULL;
				}
			} else {
				free(name);
			}
			free(ns);
		}
	}
}

static void lw_free_table(void)
{
	for (unsigned page = 0; page < WBXML_PAGE_COUNT; page++) {
		for (unsigned token = 0; token < 64; token++)
			free(lw_names[page][token]);
		free(lw_ns[page]);
	}
}

/* A tag whose content libwbxml2 writes as base64 in XML and encodes as OPAQUE. */
static bool lw_is_base64_tag(uint16_t tag)
{
	unsigned page = WBXML_TAG_PAGE(tag);

	return page < LW_PAGES && lw_binary[page][WBXML_TAG_TOKEN(tag)];
}

/* ---- libwbxml2's XML -> tree of (page, token) ---- */

struct xml_reader {
	pool *p;
	const char *error;
};

static int lw_page_of_ns(const xmlChar *href)
{
	for (unsigned page = 0; page < LW_PAGES; page++) {
		if (lw_ns[page] != NULL && href != NULL && strcmp(lw_ns[page], (const char *)href) == 0)
			return (int)page;
	}
	return -1;
}

static struct wbxml_node *lw_convert(struct xml_reader *r, xmlNodePtr el,
				     struct wbxml_node *parent)
{
	int page = lw_page_of_ns(el->ns != NULL ? el->ns->href : NULL);
	unsigned token = 0;
	buf text = BUF_INIT;

	if (page < 0) {
		r->error = pool_printf(r->p, "<%s>: unknown namespace", (const char *)el->name);
		return NULL;
	}
	for (unsigned t = 0x05; t < 0x40 && token == 0; t++) {
		if (lw_names[page][t] != NULL && strcmp(lw_names[page][t], (const char *)el->name) == 0)
			token = t;
	}
	if (token == 0) {
		r->error = pool_printf(r->p, "<%s> in %s: not in libwbxml2's table",
				       (const char *)el->name, lw_ns[page]);
		return NULL;
	}

	struct wbxml_node *node = pool_new_type(r->p, struct wbxml_node);
	node->tag = WBXML_TAG(page, token);
	node->has_content = true; /* the DOM does not tell <X/> from <X></X> */
	node->parent = parent;
	for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			struct wbxml_node *child = lw_convert(r, c, node);
			if (child == NULL) {
				buf_free(&text);
				return NULL;
			}
			if (node->last_child == NULL)
				node->children = child;
			else
				node->last_child->next = child;
			node->last_child = child;
		} else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			buf_puts(&text, (const char *)c->content);
		}
	}
	if (text.len > 0) {
		if (lw_is_base64_tag(node->tag)) {
			buf bytes = BUF_INIT;
			const char *error;
			if (base64_decode(&bytes, (const char *)text.data, text.len, &error) < 0) {
				r->error = pool_printf(r->p, "base64 of <%s>: %s",
						       (const char *)el->name, error);
				buf_free(&bytes);
				buf_free(&text);
				return NULL;
			}
			node->value = pool_memdup(r->p, bytes.data, bytes.len + 1);
			node->value_len = bytes.len;
			node->value_kind = WBXML_VALUE_OPAQUE;
			buf_free(&bytes);
		} else {
			node->value = pool_memdup(r->p, text.data, text.len + 1);
			node->value_len = text.len;
			node->value_kind = WBXML_VALUE_STRING;
		}
	}
	buf_free(&text);
	return node;
}

/* Parses libwbxml2's XML output into a tree. libwbxml2 writes CR raw, which an XML parser
 * would normalise away (XML 1.0 section 2.11), so CRs become character references first. */
static struct wbxml_node *lw_xml_to_tree(pool *p, const char *xml, size_t len,
					 const char **error_r)
{
	struct xml_reader r = { p, NULL };
	buf fixed = BUF_INIT;
	struct wbxml_node *root = NULL;

	for (size_t i = 0; i < len; i++) {
		if (xml[i] == '\r')
			buf_puts(&fixed, "&#13;");
		else
			buf_putc(&fixed, (unsigned char)xml[i]);
	}
	xmlDocPtr doc = xmlReadMemory((const char *)fixed.data, (int)fixed.len, NULL, "UTF-8",
				      XML_PARSE_NONET | XML_PARSE_HUGE);
	buf_free(&fixed);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		*error_r = pool_printf(p, "libxml2 cannot parse libwbxml2's XML: %s",
				       e != NULL && e->message != NULL ? e->message : "?");
		return NULL;
	}
	root = lw_convert(&r, xmlDocGetRootElement(doc), NULL);
	xmlFreeDoc(doc);
	if (root == NULL)
		*error_r = r.error;
	return root;
}

/* ---- tree -> XML in libwbxml2's names ---- */

static void xml_escape(buf *out, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '\r': buf_puts(out, "&#13;"); break;
		default: buf_putc(out, s[i]); break;
		}
	}
}

/* Writes node as libwbxml2 writes XML: its names, a default xmlns where the page changes.
 * Returns false when a tag has no libwbxml2 name. */
static bool lw_write_xml(buf *out, const struct wbxml_node *node, unsigned parent_page)
{
	unsigned page = WBXML_TAG_PAGE(node->tag);
	const char *name = page < LW_PAGES ? lw_names[page][WBXML_TAG_TOKEN(node->tag)] : NULL;

	if (name == NULL)
		return false;
	buf_printf(out, "<%s", name);
	if (page != parent_page)
		buf_printf(out, " xmlns=\"%s\"", lw_ns[page]);
	if (node->children == NULL && node->value_kind == WBXML_VALUE_NONE) {
		buf_puts(out, "/>");
		return true;
	}
	buf_putc(out, '>');
	if (node->value_kind != WBXML_VALUE_NONE) {
		if (lw_is_base64_tag(node->tag))
			base64_encode(out, node->value, node->value_len);
		else
			xml_escape(out, node->value, node->value_len);
	}
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		if (!lw_write_xml(out, c, page))
			return false;
	}
	buf_printf(out, "</%s>", name);
	return true;
}

static bool lw_document_xml(buf *out, const struct wbxml_node *root)
{
	buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE ActiveSync PUBLIC "
		 "\"-//MICROSOFT//DTD ActiveSync//EN\" \"http://www.microsoft.com/\">\n");
	return lw_write_xml(out, root, 0x100);
}

/* ---- Comparing trees ---- */

enum cmp_flags {
	CMP_KIND = 1 << 0,        /* value kinds (STR_I / OPAQUE) must agree */
	CMP_CONTENT = 1 << 1,     /* the content bit must agree */
	CMP_BINARY = 1 << 2,      /* libwbxml2's byte-array tags must be OPAQUE on both sides */
};

static const char *tag_label(pool *p, uint16_t tag)
{
	const char *name = wbxml_tag_name(tag);

	if (name != NULL)
		return pool_printf(p, "%s:%s", wbxml_page_name(WBXML_TAG_PAGE(tag)), name);
	return pool_printf(p, "%u:0x%02x", WBXML_TAG_PAGE(tag), WBXML_TAG_TOKEN(tag));
}

static const char *value_excerpt(pool *p, const struct wbxml_node *n)
{
	size_t len = n->value_len > 60 ? 60 : n->value_len;

	if (n->value_kind == WBXML_VALUE_NONE)
		return "(none)";
	return pool_printf(p, "%s \"%.*s\"%s (%zu bytes)",
			   n->value_kind == WBXML_VALUE_OPAQUE ? "opaque" : "string", (int)len,
			   (const char *)n->value, n->value_len > len ? "..." : "", n->value_len);
}

/* Compares want with got; NULL when they agree, else where and how they differ. */
static const char *tree_diff(pool *p, const struct wbxml_node *want, const struct wbxml_node *got,
			     unsigned flags, const char *path)
{
	const char *here = pool_printf(p, "%s/%s", path, tag_label(p, want->tag));

	if (want->tag != got->tag)
		return pool_printf(p, "%s: found %s", here, tag_label(p, got->tag));
	if ((flags & CMP_CONTENT) && want->has_content != got->has_content)
		return pool_printf(p, "%s: content bit %d, expected %d", here, got->has_content,
				   want->has_content);
	size_t wl = want->value_kind == WBXML_VALUE_NONE ? 0 : want->value_len;
	size_t gl = got->value_kind == WBXML_VALUE_NONE ? 0 : got->value_len;
	bool kind_differs = want->value_kind != got->value_kind;
	if ((flags & CMP_BINARY) && lw_is_base64_tag(want->tag) &&
	    (want->value_kind == WBXML_VALUE_OPAQUE) != (got->value_kind == WBXML_VALUE_OPAQUE))
		return pool_printf(p, "%s: value %s, expected %s", here, value_excerpt(p, got),
				   value_excerpt(p, want));
	if (wl != gl || (wl > 0 && memcmp(want->value, got->value, wl) != 0) ||
	    ((flags & CMP_KIND) && kind_differs))
		return pool_printf(p, "%s: value %s, expected %s", here, value_excerpt(p, got),
				   value_excerpt(p, want));

	const struct wbxml_node *w = want->children, *g = got->children;
	for (unsigned i = 0; w != NULL && g != NULL; w = w->next, g = g->next, i++) {
		const char *d = tree_diff(p, w, g, flags, pool_printf(p, "%s[%u]", here, i));
		if (d != NULL)
			return d;
	}
	if (w != NULL)
		return pool_printf(p, "%s: missing child %s", here, tag_label(p, w->tag));
	if (g != NULL)
		return pool_printf(p, "%s: unexpected child %s", here, tag_label(p, g->tag));
	return NULL;
}

static bool tree_uses_page(const struct wbxml_node *n, unsigned page)
{
	if (WBXML_TAG_PAGE(n->tag) == page)
		return true;
	for (const struct wbxml_node *c = n->children; c != NULL; c = c->next) {
		if (tree_uses_page(c, page))
			return true;
	}
	return false;
}

/* True when the tree has opaque data outside libwbxml2's byte-array tags (libwbxml2 would
 * write it raw into XML, or encode it as STR_I). */
static bool tree_has_other_opaque(const struct wbxml_node *n)
{
	if (n->value_kind == WBXML_VALUE_OPAQUE && !lw_is_base64_tag(n->tag))
		return true;
	for (const struct wbxml_node *c = n->children; c != NULL; c = c->next) {
		if (tree_has_other_opaque(c))
			return true;
	}
	return false;
}

/* ---- Tests ---- */

/* The learnt table looks like libwbxml2's ActiveSync table and it has no page 25, which is
 * why Find is not cross-checked. */
START_TEST(test_libwbxml2_table)
{
	ck_assert_str_eq(lw_names[WBXML_PAGE_AirSync][0x0b], "SyncKey");
	ck_assert_str_eq(lw_names[WBXML_PAGE_FolderHierarchy][0x16], "FolderSync");
	ck_assert_str_eq(lw_names[WBXML_PAGE_Calendar][0x11], "DTStamp");
	ck_assert_str_eq(lw_ns[WBXML_PAGE_AirSyncBase], "AirSyncBase:");
	for (unsigned page = 0; page < LW_PAGES; page++)
		ck_assert_msg(lw_ns[page] != NULL, "no namespace learnt for page %u", page);
	unsigned page25[] = { 0x05, 0x0b, 0x19, 0x22 };
	for (size_t i = 0; i < sizeof(page25) / sizeof(page25[0]); i++) {
		const unsigned char doc[] = { 0x03, 0x01, 0x6a, 0x00, 0x00, 25,
					      (unsigned char)(0x40 | page25[i]), 0x03, 'x', 0x00, 0x01 };
		char *xml, *name, *ns;
		size_t xml_len;
		const char *error;
		ck_assert_int_eq(lw_to_xml(doc, sizeof(doc), &xml, &xml_len, &error), 0);
		lw_root_name(xml, xml_len, &name, &ns, NULL);
		free(xml);
		ck_assert_str_eq(name, "unknown");
		free(name);
		free(ns);
	}
}
END_TEST

static bool same_name(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Our table against libwbxml2's, token by token on pages 0-24: a tag both know must have the
 * same name, except for libwbxml2's known renamings. Catches a wrong token in wbxml-pages.def. */
START_TEST(test_table_agrees_with_libwbxml2)
{
	static const struct { unsigned page, token; const char *ours, *theirs; } renamed[] = {
		{ WBXML_PAGE_AirSync, 0x1a, NULL, "RTFTruncation" },
		{ WBXML_PAGE_Contacts, 0x07, "AssistantPhoneNumber", "AssistantTelephoneNumber" },
		{ WBXML_PAGE_Email, 0x09, "Att0Id", "AttOId" },
		{ WBXML_PAGE_Email, 0x1d, "DtStamp", "DTStamp" },
		{ WBXML_PAGE_Calendar, 0x09, "Email", "Attendee_Email" },
		{ WBXML_PAGE_Calendar, 0x0a, "Name", "Attendee_Name" },
		{ WBXML_PAGE_Calendar, 0x11, "DtStamp", "DTStamp" },
		{ WBXML_PAGE_Calendar, 0x15, "Deleted", "Exception_Deleted" },
		{ WBXML_PAGE_Calendar, 0x16, "ExceptionStartTime", "Exception_StartTime" },
		{ WBXML_PAGE_Calendar, 0x19, "OrganizerEmail", "Organizer_Email" },
		{ WBXML_PAGE_Calendar, 0x1a, "OrganizerName", "Organizer_Name" },
		{ WBXML_PAGE_Calendar, 0x29, "AttendeeStatus", "Attendee_Status" },
		{ WBXML_PAGE_Calendar, 0x2a, "AttendeeType", "Attendee_Type" },
		{ WBXML_PAGE_Tasks, 0x0d, "UtcDueDate", "UTCDueDate" },
		{ WBXML_PAGE_Tasks, 0x1f, "UtcStartDate", "UTCStartDate" },
		{ WBXML_PAGE_Provision, 0x10, "RequireStorageCardEncryption", "DeviceEncryptionEnabled" },
		{ WBXML_PAGE_Settings, 0x1f, "SMTPAddress", "SmtpAddress" },
		{ WBXML_PAGE_Settings, 0x2b, "RightsManagementInformation", "ihsManagementInformation" },
		{ WBXML_PAGE_Email, 0x3b, "Status", "FlagStatus" },
		{ WBXML_PAGE_Calendar, 0x05, "Timezone", "TimeZone" },
		{ WBXML_PAGE_ComposeMail, 0x10, "Mime", "MIME" },
		{ WBXML_PAGE_ComposeMail, 0x17, "Name", "ForwardeeName" },
		{ WBXML_PAGE_ComposeMail, 0x18, "Email", "ForwardeeEmail" },
		{ WBXML_PAGE_RightsManagement, 0x12, "Owner", "RMOwner" },
		{ WBXML_PAGE_RightsManagement, 0x18, "RemoveRightsManagementProtection",
		  "RemoveRightsManagementDistribution" },
		/* in libwbxml2 only: tokens of early protocol versions that MS-ASWBXML no longer
		 * lists */
		{ WBXML_PAGE_Contacts, 0x3b, NULL, "CompressedRTF" },
		{ WBXML_PAGE_Email, 0x0b, NULL, "AttRemoved" },
		{ WBXML_PAGE_Calendar, 0x10, NULL, "Compressed_RTF" },
		{ WBXML_PAGE_GetItemEstimate, 0x06, NULL, "Version" },
		{ WBXML_PAGE_GetItemEstimate, 0x0b, NULL, "DateTime" },
		{ WBXML_PAGE_Tasks, 0x21, NULL, "CompressedRTF" },
		{ WBXML_PAGE_Ping, 0x06, NULL, "AutdState" },
		{ WBXML_PAGE_Provision, 0x12, NULL, "DocumentBrowseEnabled" },
		{ WBXML_PAGE_AirSync, 0x11, NULL, "Version" },
		{ WBXML_PAGE_AirSync, 0x1f, NULL, "NotifyGUID" },
		{ WBXML_PAGE_FolderHierarchy, 0x0b, NULL, "Response" },
		{ WBXML_PAGE_FolderHierarchy, 0x0d, NULL, "ContentClass" },
		{ WBXML_PAGE_FolderHierarchy, 0x18, NULL, "Version" },
		{ WBXML_PAGE_MeetingResponse, 0x0d, NULL, "Version" },
		{ WBXML_PAGE_Search, 0x1c, NULL, "Schema" },
		{ WBXML_PAGE_Search, 0x1d, NULL, "Supported" },
		/* in ours only: newer than libwbxml2 0.11.8 */
		{ WBXML_PAGE_MeetingResponse, 0x10, "ProposedStartTime", NULL },
		{ WBXML_PAGE_MeetingResponse, 0x11, "ProposedEndTime", NULL },
		{ WBXML_PAGE_Provision, 0x3b, "AccountOnlyRemoteWipe", NULL },
	};
	size_t nrenamed = sizeof(renamed) / sizeof(renamed[0]);
	bool used[sizeof(renamed) / sizeof(renamed[0])] = { false };
	buf report = BUF_INIT;

	for (unsigned page = 0; page < LW_PAGES; page++) {
		for (unsigned token = 0x05; token < 0x40; token++) {
			const char *ours = wbxml_tag_name(WBXML_TAG(page, token));
			const char *theirs = lw_names[page][token];
			if (ours == NULL && theirs == NULL)
				continue;
			if (ours != NULL && theirs != NULL && strcmp(ours, theirs) == 0)
				continue;
			/* libwbxml2 prefixes the Calendar and Tasks recurrence children
			 * (Recurrence_Type) and drops "Address" from the Contacts addresses
			 * (BusinessCity for BusinessAddressCity). */
			if (ours != NULL && theirs != NULL && strncmp(theirs, "Recurrence_", 11) == 0 &&
			    strcmp(theirs + 11, ours) == 0)
				continue;
			if (ours != NULL && theirs != NULL && page == WBXML_PAGE_Contacts) {
				const char *a = strstr(ours, "Address");
				if (a != NULL && strlen(theirs) + 7 == strlen(ours) &&
				    strncmp(theirs, ours, (size_t)(a - ours)) == 0 &&
				    strcmp(theirs + (a - ours), a + 7) == 0)
					continue;
			}
			bool known = false;
			for (size_t i = 0; i < nrenamed; i++) {
				if (renamed[i].page == page && renamed[i].token == token &&
				    same_name(ours, renamed[i].ours) && same_name(theirs, renamed[i].theirs))
					known = used[i] = true;
			}
			if (!known)
				buf_printf(&report, "\n  page %u token 0x%02x: ours %s, libwbxml2 %s", page,
					   token, ours != NULL ? ours : "(none)",
					   theirs != NULL ? theirs : "(none)");
		}
	}
	/* A difference that went away must leave the list too, so that the list stays true. */
	for (size_t i = 0; i < nrenamed; i++) {
		if (!used[i])
			buf_printf(&report, "\n  page %u token 0x%02x: listed as %s / %s, no longer so",
				   renamed[i].page, renamed[i].token,
				   renamed[i].ours != NULL ? renamed[i].ours : "(none)",
				   renamed[i].theirs != NULL ? renamed[i].theirs : "(none)");
	}
	ck_assert_msg(report.len == 0, "tables differ:%s", buf_cstr(&report));
	buf_free(&report);
}
END_TEST

/* Each check below returns NULL when the document passes, else what went wrong. The corpus
 * is checked in one test per direction (not one per document): under ASan a forked test costs
 * tens of milliseconds, the check itself a fraction of that. */

/* Our encoder, then our decoder: the tree is the document, and re-encoding the decoded tree
 * gives the same bytes. */
static const char *check_round_trip(const struct corpus_doc *doc, pool *p)
{
	buf bytes = BUF_INIT, again = BUF_INIT;
	struct wbxml_node *root = NULL;
	const char *error = NULL, *result = NULL;

	if (corpus_encode(doc, &bytes, &error) < 0)
		result = pool_printf(p, "our encoder fails: %s", error);
	else if (wbxml_decode(p, bytes.data, bytes.len, NULL, &root, &error) < 0)
		result = pool_printf(p, "our decoder fails on our encoding: %s", error);
	else if ((result = tree_diff(p, corpus_tree(doc, p), root, CMP_KIND | CMP_CONTENT, "")))
		;
	else if (wbxml_encode_tree(root, &again, 0, &error) < 0)
		result = pool_printf(p, "re-encoding the decoded tree fails: %s", error);
	else if (again.len != bytes.len || memcmp(again.data, bytes.data, bytes.len) != 0)
		result = "re-encoding the decoded tree changes the bytes";
	buf_free(&bytes);
	buf_free(&again);
	return result;
}

/* (a) libwbxml2 decodes our encoding to the same tree. */
static const char *check_libwbxml2_decodes_ours(const struct corpus_doc *doc, pool *p)
{
	buf bytes = BUF_INIT;
	const char *error = NULL, *result = NULL;
	char *xml = NULL;
	size_t xml_len = 0;
	struct wbxml_node *got;

	if (corpus_encode(doc, &bytes, &error) < 0)
		result = pool_printf(p, "our encoder fails: %s", error);
	else if (lw_to_xml(bytes.data, bytes.len, &xml, &xml_len, &error) < 0)
		result = pool_printf(p, "libwbxml2 cannot decode our encoding: %s", error);
	else if ((got = lw_xml_to_tree(p, xml, xml_len, &error)) == NULL)
		result = error;
	else if ((result = tree_diff(p, corpus_tree(doc, p), got, CMP_BINARY, "")) != NULL)
		result = pool_printf(p, "libwbxml2 reads our bytes differently: %s", result);
	free(xml);
	buf_free(&bytes);
	return result;
}

/* (b) We decode libwbxml2's encoding of the same document to the same tree, and both encoders
 * produce the very same bytes. */
static const char *check_we_decode_libwbxml2(const struct corpus_doc *doc, pool *p)
{
	buf xml = BUF_INIT, theirs = BUF_INIT, ours = BUF_INIT;
	struct wbxml_node *want = corpus_tree(doc, p), *got = NULL;
	const char *error = NULL, *result = NULL;

	if (!lw_document_xml(&xml, want))
		result = "a tag libwbxml2 does not know";
	else if (lw_to_wbxml((const char *)xml.data, xml.len, &theirs, &error) < 0)
		result = pool_printf(p, "libwbxml2 cannot encode the document: %s", error);
	else if (wbxml_decode(p, theirs.data, theirs.len, NULL, &got, &error) < 0)
		result = pool_printf(p, "our decoder fails on libwbxml2's encoding: %s", error);
	else if ((result = tree_diff(p, want, got, CMP_BINARY | CMP_CONTENT, "")) != NULL)
		result = pool_printf(p, "we read libwbxml2's bytes differently: %s", result);
	else if (corpus_encode(doc, &ours, &error) < 0)
		result = pool_printf(p, "our encoder fails: %s", error);
	else if (ours.len != theirs.len || memcmp(ours.data, theirs.data, ours.len) != 0)
		result = pool_printf(p, "our bytes differ from libwbxml2's (%zu vs %zu bytes)",
				     ours.len, theirs.len);
	buf_free(&xml);
	buf_free(&theirs);
	buf_free(&ours);
	return result;
}

/* Runs check on the documents (all, or those cross-checked with libwbxml2) and fails with the
 * list of those that did not pass. */
static void check_corpus(const char *(*check)(const struct corpus_doc *doc, pool *p),
			 bool libwbxml2_only)
{
	pool *p = pool_new(0);
	buf report = BUF_INIT;
	unsigned checked = 0;

	for (size_t i = 0; i < CORPUS_DOC_COUNT; i++) {
		if (libwbxml2_only && !corpus_docs[i].libwbxml2)
			continue;
		const char *error = check(&corpus_docs[i], p);
		if (error != NULL)
			buf_printf(&report, "\n  %s: %s", corpus_docs[i].name, error);
		checked++;
	}
	ck_assert_msg(report.len == 0, "%s", buf_cstr(&report));
	ck_assert_uint_ge(checked, 30);
	buf_free(&report);
	pool_free(&p);
}

/* Every document, Find and opaque text included. */
START_TEST(test_corpus_round_trip)
{
	check_corpus(check_round_trip, false);
}
END_TEST

START_TEST(test_libwbxml2_decodes_ours)
{
	check_corpus(check_libwbxml2_decodes_ours, true);
}
END_TEST

START_TEST(test_we_decode_libwbxml2)
{
	check_corpus(check_we_decode_libwbxml2, true);
}
END_TEST

/* The documents left out of the cross-check are exactly those libwbxml2 cannot carry: page 25
 * (Find) or opaque data where it expects text; everything else is cross-checked. */
START_TEST(test_cross_check_coverage)
{
	pool *p = pool_new(0);

	for (size_t i = 0; i < CORPUS_DOC_COUNT; i++) {
		const struct corpus_doc *doc = &corpus_docs[i];
		struct wbxml_node *tree = corpus_tree(doc, p);
		bool cannot = tree_uses_page(tree, WBXML_PAGE_Find) || tree_has_other_opaque(tree);
		ck_assert_msg(doc->libwbxml2 == !cannot, "%s: libwbxml2 flag is wrong", doc->name);
	}
	pool_free(&p);
}
END_TEST

/* Find request in the shape of the MS-ASCMD example (mailbox search for "Presentation" in
 * folder 7, range 0-4, deep traversal), tokens from MS-ASWBXML code page 25. */
static const unsigned char find_request_bytes[] = {
	0x03, 0x01, 0x6a, 0x00,
	0x00, 0x19, 0x45,                               /* SWITCH_PAGE 25, <Find> */
	0x46, 0x03, '5', '8', '0', '7', '8', 'c', '1', '7', '-', '2', '9', 'f', '5', '-',
	'4', '5', 'd', '3', '-', '9', 'a', 'e', '4', '-', '6', '6', '9', '3', '5', '1', 'd',
	'1', 'a', '2', '3', 'f', 0x00, 0x01,           /* <SearchId>...</SearchId> */
	0x47, 0x48, 0x49,                               /* <ExecuteSearch><MailBoxSearchCriterion><Query> */
	0x00, 0x00, 0x50, 0x03, 'E', 'm', 'a', 'i', 'l', 0x00, 0x01, /* <airsync:Class> */
	0x52, 0x03, '7', 0x00, 0x01,                    /* <airsync:CollectionId> */
	0x00, 0x19, 0x4b, 0x03, 'P', 'r', 'e', 's', 'e', 'n', 't', 'a', 't', 'i', 'o', 'n',
	0x00, 0x01,                                     /* <FreeText> */
	0x01,                                           /* </Query> */
	0x4c, 0x4d, 0x03, '0', '-', '4', 0x00, 0x01,    /* <Options><Range>0-4</Range> */
	0x0e,                                           /* <DeepTraversal/> */
	0x01, 0x01, 0x01, 0x01,                         /* </Options> ... </Find> */
};

static void build_find_request(struct wbxml_writer *w)
{
	wbxml_start(w, WBXML_Find_Find);
	wbxml_elem_str(w, WBXML_Find_SearchId, "58078c17-29f5-45d3-9ae4-669351d1a23f");
	wbxml_start(w, WBXML_Find_ExecuteSearch);
	wbxml_start(w, WBXML_Find_MailBoxSearchCriterion);
	wbxml_start(w, WBXML_Find_Query);
	wbxml_elem_str(w, WBXML_AirSync_Class, "Email");
	wbxml_elem_str(w, WBXML_AirSync_CollectionId, "7");
	wbxml_elem_str(w, WBXML_Find_FreeText, "Presentation");
	wbxml_end(w);
	wbxml_start(w, WBXML_Find_Options);
	wbxml_elem_str(w, WBXML_Find_Range, "0-4");
	wbxml_elem_empty(w, WBXML_Find_DeepTraversal);
	wbxml_end(w);
	wbxml_end(w);
	wbxml_end(w);
	wbxml_end(w);
}

/* GAL Find with a picture request, and a Find response with one result. */
static const unsigned char find_gal_request_bytes[] = {
	0x03, 0x01, 0x6a, 0x00,
	0x00, 0x19, 0x45,                               /* <Find> */
	0x46, 0x03, 'g', 'a', 'l', '-', '1', 0x00, 0x01, /* <SearchId> */
	0x47, 0x59,                                     /* <ExecuteSearch><GalSearchCriterion> */
	0x49, 0x03, 'S', 'm', 'i', 't', 'h', 0x00, 0x01, /* <Query>Smith</Query> */
	0x4c, 0x4d, 0x03, '0', '-', '9', 0x00, 0x01,    /* <Options><Range>0-9</Range> */
	0x62, 0x61, 0x03, '1', '0', '2', '4', '0', 0x00, 0x01, /* <Picture><MaxSize> */
	0x60, 0x03, '3', 0x00, 0x01,                    /* <MaxPictures> */
	0x01, 0x01, 0x01, 0x01, 0x01,                   /* </Picture></Options>...</Find> */
};

static void build_find_gal_request(struct wbxml_writer *w)
{
	wbxml_start(w, WBXML_Find_Find);
	wbxml_elem_str(w, WBXML_Find_SearchId, "gal-1");
	wbxml_start(w, WBXML_Find_ExecuteSearch);
	wbxml_start(w, WBXML_Find_GalSearchCriterion);
	wbxml_elem_str(w, WBXML_Find_Query, "Smith");
	wbxml_start(w, WBXML_Find_Options);
	wbxml_elem_str(w, WBXML_Find_Range, "0-9");
	wbxml_start(w, WBXML_Find_Picture);
	wbxml_elem_uint(w, WBXML_Find_MaxSize, 10240);
	wbxml_elem_uint(w, WBXML_Find_MaxPictures, 3);
	wbxml_end(w);
	wbxml_end(w);
	wbxml_end(w);
	wbxml_end(w);
	wbxml_end(w);
}

static const unsigned char find_response_bytes[] = {
	0x03, 0x01, 0x6a, 0x00,
	0x00, 0x19, 0x45,                               /* <Find> */
	0x4a, 0x03, '1', 0x00, 0x01,                    /* <Status>1</Status> */
	0x51,                                           /* <Response> */
	0x00, 0x14, 0x47, 0x03, 'M', 'a', 'i', 'l', 'b', 'o', 'x', 0x00, 0x01, /* <itemoperations:Store> */
	0x00, 0x19, 0x4a, 0x03, '1', 0x00, 0x01,        /* <Status>1</Status> */
	0x52,                                           /* <Result> */
	0x00, 0x00, 0x50, 0x03, 'E', 'm', 'a', 'i', 'l', 0x00, 0x01, /* <airsync:Class> */
	0x4d, 0x03, '7', ':', '1', 0x00, 0x01,          /* <airsync:ServerId> */
	0x52, 0x03, '7', 0x00, 0x01,                    /* <airsync:CollectionId> */
	0x00, 0x19, 0x53,                               /* <Properties> */
	0x00, 0x02, 0x54, 0x03, 'H', 'i', 0x00, 0x01,   /* <email:Subject> */
	0x00, 0x19, 0x55, 0x03, '1', 0x00, 0x01,        /* <HasAttachments> */
	0x54, 0x03, 'H', 'e', 'l', 'l', 'o', 0x00, 0x01, /* <Preview> */
	0x01, 0x01,                                     /* </Properties></Result> */
	0x4d, 0x03, '0', '-', '0', 0x00, 0x01,          /* <Range> */
	0x56, 0x03, '1', 0x00, 0x01,                    /* <Total> */
	0x01, 0x01,                                     /* </Response></Find> */
};

static void build_find_response(struct wbxml_writer *w)
{
	wbxml_start(w, WBXML_Find_Find);
	wbxml_elem_uint(w, WBXML_Find_Status, 1);
	wbxml_start(w, WBXML_Find_Response);
	wbxml_elem_str(w, WBXML_ItemOperations_Store, "Mailbox");
	wbxml_elem_uint(w, WBXML_Find_Status, 1);
	wbxml_start(w, WBXML_Find_Result);
	wbxml_elem_str(w, WBXML_AirSync_Class, "Email");
	wbxml_elem_str(w, WBXML_AirSync_ServerId, "7:1");
	wbxml_elem_str(w, WBXML_AirSync_CollectionId, "7");
	wbxml_start(w, WBXML_Find_Properties);
	wbxml_elem_str(w, WBXML_Email_Subject, "Hi");
	wbxml_elem_uint(w, WBXML_Find_HasAttachments, 1);
	wbxml_elem_str(w, WBXML_Find_Preview, "Hello");
	wbxml_end(w);
	wbxml_end(w);
	wbxml_elem_str(w, WBXML_Find_Range, "0-0");
	wbxml_elem_uint(w, WBXML_Find_Total, 1);
	wbxml_end(w);
	wbxml_end(w);
}

static const struct {
	const char *name;
	const unsigned char *bytes;
	size_t len;
	void (*build)(struct wbxml_writer *w);
} find_examples[] = {
	{ "Find request (mailbox)", find_request_bytes, sizeof(find_request_bytes),
	  build_find_request },
	{ "Find request (GAL)", find_gal_request_bytes, sizeof(find_gal_request_bytes),
	  build_find_gal_request },
	{ "Find response", find_response_bytes, sizeof(find_response_bytes), build_find_response },
};

/* Our encoder writes the hand-assembled bytes, and our decoder gives back the tree. */
START_TEST(test_find_known_bytes)
{
	pool *p = pool_new(0);
	buf out = BUF_INIT, again = BUF_INIT;
	struct wbxml_writer w;
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	wbxml_writer_init(&w, &out, 161);
	find_examples[_i].build(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	ck_assert_msg(out.len == find_examples[_i].len &&
		      memcmp(out.data, find_examples[_i].bytes, out.len) == 0,
		      "%s: encoding differs from the known bytes", find_examples[_i].name);
	if (wbxml_decode(p, find_examples[_i].bytes, find_examples[_i].len, NULL, &root, &error) < 0)
		ck_abort_msg("%s: %s", find_examples[_i].name, error);
	ck_assert_uint_eq(root->tag, WBXML_Find_Find);
	ck_assert_int_eq(wbxml_encode_tree(root, &again, 161, &error), 0);
	ck_assert_msg(again.len == out.len && memcmp(again.data, out.data, out.len) == 0,
		      "%s: decode + encode changes the bytes", find_examples[_i].name);
	buf_free(&out);
	buf_free(&again);
	pool_free(&p);
}
END_TEST

/* A few typed reads of the Find request, to be sure the page-25 tags land where they should. */
START_TEST(test_find_tree)
{
	pool *p = pool_new(0);
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	ck_assert_int_eq(wbxml_decode(p, find_request_bytes, sizeof(find_request_bytes), NULL,
				      &root, &error), 0);
	ck_assert_str_eq(wbxml_child_str(root, WBXML_Find_SearchId),
			 "58078c17-29f5-45d3-9ae4-669351d1a23f");
	struct wbxml_node *crit = wbxml_child(wbxml_child(root, WBXML_Find_ExecuteSearch),
					      WBXML_Find_MailBoxSearchCriterion);
	ck_assert_ptr_nonnull(crit);
	struct wbxml_node *query = wbxml_child(crit, WBXML_Find_Query);
	ck_assert_str_eq(wbxml_child_str(query, WBXML_AirSync_Class), "Email");
	ck_assert_str_eq(wbxml_child_str(query, WBXML_AirSync_CollectionId), "7");
	ck_assert_str_eq(wbxml_child_str(query, WBXML_Find_FreeText), "Presentation");
	struct wbxml_node *options = wbxml_child(crit, WBXML_Find_Options);
	ck_assert_str_eq(wbxml_child_str(options, WBXML_Find_Range), "0-4");
	struct wbxml_node *deep = wbxml_child(options, WBXML_Find_DeepTraversal);
	ck_assert_ptr_nonnull(deep);
	ck_assert(!deep->has_content);
	pool_free(&p);
}
END_TEST

static Suite *libwbxml2_suite(void)
{
	Suite *s = suite_create("libwbxml2");
	TCase *tc = tcase_create("cross-check");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_libwbxml2_table);
	tcase_add_test(tc, test_table_agrees_with_libwbxml2);
	tcase_add_test(tc, test_cross_check_coverage);
	tcase_add_test(tc, test_corpus_round_trip);
	tcase_add_test(tc, test_libwbxml2_decodes_ours);
	tcase_add_test(tc, test_we_decode_libwbxml2);
	tcase_add_loop_test(tc, test_find_known_bytes, 0,
			    (int)(sizeof(find_examples) / sizeof(find_examples[0])));
	tcase_add_test(tc, test_find_tree);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	xmlInitParser();
	lw_learn_table();
	SRunner *sr = srunner_create(libwbxml2_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	lw_free_table();
	xmlCleanupParser();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
