/* wbxml.c: WBXML decoder, encoder and typed access (being written; see issue 4). */
#include "wbxml/wbxml.h"

#include <string.h>

void wbxml_limits_default(struct wbxml_limits *limits_r)
{
	limits_r->max_input = 64u * 1024 * 1024;
	limits_r->max_depth = 32;
	limits_r->max_nodes = 1000000;
	limits_r->max_string = 48u * 1024 * 1024;
}

int wbxml_decode(pool *p, const void *data, size_t len, const struct wbxml_limits *limits,
		 struct wbxml_node **root_r, const char **error_r)
{
	(void)p; (void)data; (void)len; (void)limits; (void)root_r;
	*error_r = "WBXML decoder not implemented yet";
	return -1;
}

bool wbxml_looks_like(const void *data, size_t len)
{
	const unsigned char *d = data;
	return len >= 4 && d[0] == 0x03 && d[1] == 0x01 && d[2] == 0x6a;
}

struct wbxml_node *wbxml_child(const struct wbxml_node *node, uint16_t tag)
{
	for (struct wbxml_node *c = node->children; c != NULL; c = c->next)
		if (c->tag == tag)
			return c;
	return NULL;
}

struct wbxml_node *wbxml_next_same(const struct wbxml_node *child)
{
	for (struct wbxml_node *c = child->next; c != NULL; c = c->next)
		if (c->tag == child->tag)
			return c;
	return NULL;
}

const char *wbxml_node_str(const struct wbxml_node *node) { (void)node; return NULL; }
const char *wbxml_child_str(const struct wbxml_node *node, uint16_t tag) { (void)node; (void)tag; return NULL; }
int wbxml_node_bytes(const struct wbxml_node *node, const unsigned char **data_r, size_t *len_r)
{ (void)node; (void)data_r; (void)len_r; return -1; }
int wbxml_node_uint(const struct wbxml_node *node, uint64_t max, uint64_t *value_r, const char **error_r)
{ (void)node; (void)max; (void)value_r; *error_r = "not implemented"; return -1; }
int wbxml_child_uint(const struct wbxml_node *node, uint16_t tag, uint64_t max, uint64_t *value_r, const char **error_r)
{ (void)node; (void)tag; (void)max; (void)value_r; *error_r = "not implemented"; return -1; }

void wbxml_writer_init(struct wbxml_writer *w, buf *out, unsigned version)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->version_bit = version == 0 ? 0 : wbxml_version_bit(version);
}
void wbxml_start(struct wbxml_writer *w, uint16_t tag) { (void)w; (void)tag; }
void wbxml_end(struct wbxml_writer *w) { (void)w; }
void wbxml_str(struct wbxml_writer *w, const char *s) { (void)w; (void)s; }
void wbxml_strn(struct wbxml_writer *w, const char *s, size_t len) { (void)w; (void)s; (void)len; }
void wbxml_opaque(struct wbxml_writer *w, const void *data, size_t len) { (void)w; (void)data; (void)len; }
void wbxml_elem_str(struct wbxml_writer *w, uint16_t tag, const char *s) { (void)w; (void)tag; (void)s; }
void wbxml_elem_uint(struct wbxml_writer *w, uint16_t tag, uint64_t value) { (void)w; (void)tag; (void)value; }
void wbxml_elem_opaque(struct wbxml_writer *w, uint16_t tag, const void *data, size_t len)
{ (void)w; (void)tag; (void)data; (void)len; }
void wbxml_elem_empty(struct wbxml_writer *w, uint16_t tag) { (void)w; (void)tag; }
int wbxml_writer_finish(struct wbxml_writer *w, const char **error_r)
{ (void)w; *error_r = "WBXML encoder not implemented yet"; return -1; }
int wbxml_encode_tree(const struct wbxml_node *root, buf *out, unsigned version, const char **error_r)
{ (void)root; (void)out; (void)version; *error_r = "WBXML encoder not implemented yet"; return -1; }
