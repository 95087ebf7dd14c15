/* item.c: the generic engine of the PIM converters. A class (contact.c, task.c) describes
 * its properties in a table; this file checks the ApplicationData a client sent against it,
 * merges a Change with the stored item (ghosting), writes the stored form (pim.h explains
 * it) and writes the item back for a device's version. */
#include "pim/pim-private.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>

static size_t picture_limit = PIM_PICTURE_LIMIT_DEFAULT;

void pim_set_picture_limit(size_t bytes)
{
	picture_limit = bytes;
}

size_t pim_picture_limit(void)
{
	return picture_limit;
}

/* ---- Nodes ---- */

struct wbxml_node *pim_node_new(pool *p, uint16_t tag, const char *value)
{
	struct wbxml_node *node = pool_new_type(p, struct wbxml_node);

	node->tag = tag;
	if (value != NULL && *value != '\0') {
		node->value_kind = WBXML_VALUE_STRING;
		node->value = (const unsigned char *)value;
		node->value_len = strlen(value);
		node->has_content = true;
	}
	return node;
}

struct wbxml_node *pim_node_copy(pool *p, const struct wbxml_node *n)
{
	struct wbxml_node *c = pool_new_type(p, struct wbxml_node);

	*c = *n;
	c->parent = c->next = NULL;
	c->children = c->last_child = NULL;
	wbxml_foreach_child(n, k)
		pim_node_append(c, pim_node_copy(p, k));
	return c;
}

void pim_node_remove(struct wbxml_node *parent, const struct wbxml_node *child)
{
	struct wbxml_node *prev = NULL;

	for (struct wbxml_node *c = parent->children; c != NULL; prev = c, c = c->next) {
		if (c != child)
			continue;
		if (prev == NULL)
			parent->children = c->next;
		else
			prev->next = c->next;
		if (parent->last_child == c)
			parent->last_child = prev;
		return;
	}
}

bool pim_node_equal(const struct wbxml_node *a, const struct wbxml_node *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->tag != b->tag || a->value_len != b->value_len ||
	    (a->value_len > 0 && memcmp(a->value, b->value, a->value_len) != 0))
		return false;
	const struct wbxml_node *x = a->children, *y = b->children;
	for (; x != NULL && y != NULL; x = x->next, y = y->next) {
		if (!pim_node_equal(x, y))
			return false;
	}
	return x == NULL && y == NULL;
}

void pim_node_append(struct wbxml_node *parent, struct wbxml_node *child)
{
	child->parent = parent;
	child->next = NULL;
	if (parent->last_child == NULL)
		parent->children = child;
	else
		parent->last_child->next = child;
	parent->last_child = child;
	parent->has_content = true;
}

void pim_write_node(struct wbxml_writer *w, const struct wbxml_node *node, unsigned version_bit)
{
	if (version_bit != 0 && (wbxml_tag_versions(node->tag) & version_bit) == 0)
		return;
	wbxml_start(w, node->tag);
	if (node->value_kind == WBXML_VALUE_STRING)
		wbxml_strn(w, (const char *)node->value, node->value_len);
	else if (node->value_kind == WBXML_VALUE_OPAQUE)
		wbxml_opaque(w, node->value, node->value_len);
	/* Depth is bounded by the decoder's limit (stored and request trees) or is ours. */
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next)
		pim_write_node(w, c, version_bit);
	wbxml_end(w);
}

/* ---- Dates ---- */

/* Reads n digits at *s into *value_r and advances *s; false if they are not all digits. */
static bool read_digits(const char **s, int n, int *value_r)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*value_r = v;
	return true;
}

static bool read_char(const char **s, char c, bool compact)
{
	if (compact)
		return true;
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

int pim_date_parse(const char *s, struct pim_date *date_r)
{
	struct pim_date d;
	bool compact;

	memset(&d, 0, sizeof(d));
	if (!read_digits(&s, 4, &d.year))
		return -1;
	compact = *s != '-';
	if (!read_char(&s, '-', compact) || !read_digits(&s, 2, &d.month) ||
	    !read_char(&s, '-', compact) || !read_digits(&s, 2, &d.day))
		return -1;
	if (*s == 'T') {
		s++;
		d.has_time = true;
		if (!read_digits(&s, 2, &d.hour) || !read_char(&s, ':', compact) ||
		    !read_digits(&s, 2, &d.minute))
			return -1;
		if (*s == ':' || (compact && *s >= '0' && *s <= '9')) {
			if (!read_char(&s, ':', compact) || !read_digits(&s, 2, &d.second))
				return -1;
		}
		if (*s == '.') {
			int ms;
			s++;
			if (!read_digits(&s, 1, &ms))
				return -1;
			while (*s >= '0' && *s <= '9')
				s++;
		}
		if (*s == 'Z') {
			d.utc = true;
			s++;
		}
	}
	if (*s != '\0' || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 ||
	    d.hour > 23 || d.minute > 59 || d.second > 60)
		return -1;
	*date_r = d;
	return 0;
}

const char *pim_date_format(pool *p, const struct pim_date *d)
{
	return pool_printf(p, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", d->year, d->month, d->day,
			   d->hour, d->minute, d->second);
}

/* ---- Checking input values ---- */

/* The text of a leaf element: STR_I as is, OPAQUE when it is UTF-8 without NULs. */
static int node_text(pool *p, const struct wbxml_node *node, const char **text_r,
		     const char **error_r)
{
	const char *name = wbxml_tag_name(node->tag);

	if (node->children != NULL) {
		*error_r = pool_printf(p, "%s has child elements where text is expected", name);
		return -1;
	}
	if (node->value_kind == WBXML_VALUE_OPAQUE) {
		if (memchr(node->value, '\0', node->value_len) != NULL ||
		    !utf8_valid(node->value, node->value_len, NULL)) {
			*error_r = pool_printf(p, "%s holds binary data where text is expected",
					       name);
			return -1;
		}
		*text_r = pool_strndup(p, (const char *)node->value, node->value_len);
		return 0;
	}
	*text_r = node->value_kind == WBXML_VALUE_STRING ? (const char *)node->value : "";
	return 0;
}

/* A signed decimal number without spaces. */
static bool int_valid(const char *s)
{
	uint64_t v;

	if (*s == '-')
		s++;
	return str_to_uint64(s, (uint64_t)INT64_MAX, &v) == 0;
}

/* Base64 text as phones send it: the alphabet, padding and line breaks. */
static bool base64_text_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '=' || c == '\r' || c == '\n'))
			return false;
	}
	return true;
}

/* What the input says about one canonical property. */
enum pim_change {
	CHANGE_NONE,     /* not mentioned: ghosting decides */
	CHANGE_SET,      /* replaced by node */
	CHANGE_CLEAR,    /* removed (an empty element) */
	CHANGE_KEEP,     /* explicitly unchanged (empty Picture, truncated body) */
};

struct pim_input {
	const struct pim_class_def *def;
	pool *p;
	enum pim_change *change;      /* per entry of def->props */
	const struct wbxml_node **set;
	struct pim_props unknown;     /* tags the table does not have */
	bool body25_truncated;        /* a 2.5 client sent BodyTruncated 1 */
	const char *error;
};

static void props_add(pool *p, struct pim_props *props, const struct wbxml_node *node)
{
	if (props->count == props->cap) {
		size_t cap = props->cap == 0 ? 32 : props->cap * 2;
		const struct wbxml_node **v = pool_calloc(p, cap, sizeof(*v));
		if (props->count > 0)
			memcpy(v, props->v, props->count * sizeof(*v));
		props->v = v;
		props->cap = cap;
	}
	props->v[props->count++] = node;
}

const struct wbxml_node *pim_props_find(const struct pim_props *props, uint16_t tag)
{
	for (size_t i = 0; i < props->count; i++) {
		if (props->v[i]->tag == tag)
			return props->v[i];
	}
	return NULL;
}

static const struct pim_prop_def *def_find(const struct pim_prop_def *defs, size_t count,
					   uint16_t tag, size_t *index_r)
{
	for (size_t i = 0; i < count; i++) {
		if (defs[i].tag == tag) {
			if (index_r != NULL)
				*index_r = i;
			return &defs[i];
		}
	}
	return NULL;
}

/* Checks a leaf value of kind TEXT, DATE, UINT, INT. *node_r: the node to store (NULL:
 * cleared); *absent_r: the value means "not given" (-1 in a number, Q-PARSE-1). */
static int check_leaf(pool *p, const struct pim_prop_def *def, const struct wbxml_node *node,
		      const struct wbxml_node **node_r, bool *absent_r, const char **error_r)
{
	const char *text, *name = wbxml_tag_name(node->tag);
	struct pim_date date;
	uint64_t v;

	*absent_r = false;
	if (node_text(p, node, &text, error_r) < 0)
		return -1;
	if (*text == '\0') {
		*node_r = NULL;
		return 0;
	}
	switch (def->kind) {
	case PIM_DATE:
		if (pim_date_parse(text, &date) < 0) {
			*error_r = pool_printf(p, "%s: '%.40s' is not a date", name, text);
			return -1;
		}
		break;
	case PIM_UINT:
		if (strcmp(text, "-1") == 0) {
			*absent_r = true;
			return 0;
		}
		if (str_to_uint64(text, def->max, &v) < 0 || v < def->min) {
			*error_r = pool_printf(p, "%s: '%.40s' is not a number in %llu..%llu", name,
					       text, (unsigned long long)def->min,
					       (unsigned long long)def->max);
			return -1;
		}
		break;
	case PIM_INT:
		if (!int_valid(text)) {
			*error_r = pool_printf(p, "%s: '%.40s' is not a number", name, text);
			return -1;
		}
		break;
	default:
		break;
	}
	*node_r = node->value_kind == WBXML_VALUE_STRING ? node : pim_node_new(p, node->tag, text);
	return 0;
}

/* A list container (Categories): text children of one tag; empty entries are skipped. */
static int check_list(pool *p, const struct pim_prop_def *def, const struct wbxml_node *node,
		      const struct wbxml_node **node_r, const char **error_r)
{
	struct wbxml_node *list = pim_node_new(p, node->tag, NULL);
	const char *text;

	if (node->value_kind != WBXML_VALUE_NONE && node->value_len > 0) {
		*error_r = pool_printf(p, "%s holds text where a list is expected",
				       wbxml_tag_name(node->tag));
		return -1;
	}
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		if (c->tag != def->child) {
			*error_r = pool_printf(p, "%s holds an unexpected element %s",
					       wbxml_tag_name(node->tag),
					       wbxml_tag_name(c->tag) != NULL ?
					       wbxml_tag_name(c->tag) : "(unknown)");
			return -1;
		}
		if (node_text(p, c, &text, error_r) < 0)
			return -1;
		if (*text != '\0')
			pim_node_append(list, pim_node_new(p, c->tag, text));
	}
	*node_r = list->children != NULL ? list : NULL;
	return 0;
}

/* A structured container (Recurrence): known children are checked, unknown ones kept. */
static int check_container(pool *p, const struct pim_prop_def *def,
			   const struct wbxml_node *node, const struct wbxml_node **node_r,
			   const char **error_r)
{
	struct wbxml_node *out = pim_node_new(p, node->tag, NULL);

	if (node->value_kind != WBXML_VALUE_NONE && node->value_len > 0) {
		*error_r = pool_printf(p, "%s holds text where elements are expected",
				       wbxml_tag_name(node->tag));
		return -1;
	}
	if (node->children == NULL) {
		*node_r = NULL; /* <Recurrence/>: no recurrence */
		return 0;
	}
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		const struct pim_prop_def *cd = def_find(def->sub, def->sub_count, c->tag, NULL);
		const struct wbxml_node *kept = c;
		bool absent;
		if (cd != NULL && check_leaf(p, cd, c, &kept, &absent, error_r) < 0)
			return -1;
		if (cd != NULL && (kept == NULL || absent))
			continue;
		struct wbxml_node *copy = pool_new_type(p, struct wbxml_node);
		*copy = *kept;
		copy->next = NULL;
		pim_node_append(out, copy);
	}
	if (def->required != 0 && wbxml_child(out, def->required) == NULL) {
		*error_r = pool_printf(p, "%s without %s", wbxml_tag_name(node->tag),
				       wbxml_tag_name(def->required));
		return -1;
	}
	*node_r = out;
	return 0;
}

/* airsyncbase:Body of a request into the canonical Body (Type, Data), or NULL when empty.
 * *keep_r: the client marked it truncated, so the stored body stays. */
static int check_body(pool *p, const struct wbxml_node *node, const struct wbxml_node **node_r,
		      bool *keep_r, const char **error_r)
{
	const char *data = "", *type_text = "1";
	uint64_t type = 1, truncated = 0;

	*keep_r = false;
	if (node->value_kind != WBXML_VALUE_NONE && node->value_len > 0) {
		*error_r = "Body holds text where elements are expected";
		return -1;
	}
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		if (c->tag == WBXML_AirSyncBase_Type) {
			if (node_text(p, c, &type_text, error_r) < 0)
				return -1;
			if (str_to_uint64(type_text, 4, &type) < 0 || type == 0) {
				*error_r = pool_printf(p, "Body Type '%.20s' is not 1-4", type_text);
				return -1;
			}
		} else if (c->tag == WBXML_AirSyncBase_Data) {
			if (node_text(p, c, &data, error_r) < 0)
				return -1;
		} else if (c->tag == WBXML_AirSyncBase_Truncated) {
			const char *t;
			if (node_text(p, c, &t, error_r) < 0)
				return -1;
			if (*t != '\0' && (str_to_uint64(t, 1, &truncated) < 0)) {
				*error_r = "Body Truncated is not 0 or 1";
				return -1;
			}
		}
		/* EstimatedDataSize, Preview, ...: computed on output. */
	}
	if (truncated == 1) {
		/* The device holds a body we truncated for it: sending it back must not cut the
		 * stored one (MS-ASAIRS says a request's Truncated is ignored; keeping the full
		 * text is the safe reading of that). */
		*keep_r = true;
		return 0;
	}
	if (*data == '\0') {
		*node_r = NULL;
		return 0;
	}
	struct wbxml_node *body = pim_node_new(p, WBXML_AirSyncBase_Body, NULL);
	pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Type,
					   pool_printf(p, "%llu", (unsigned long long)type)));
	pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Data, data));
	*node_r = body;
	return 0;
}

/* A 2.5 contacts:Body / tasks:Body (plain text) as the canonical Body. */
static int check_body25(pool *p, const struct wbxml_node *node, const struct wbxml_node **node_r,
			const char **error_r)
{
	const char *text;

	if (node_text(p, node, &text, error_r) < 0)
		return -1;
	if (*text == '\0') {
		*node_r = NULL;
		return 0;
	}
	struct wbxml_node *body = pim_node_new(p, WBXML_AirSyncBase_Body, NULL);
	pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Type, "1"));
	pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Data, text));
	*node_r = body;
	return 0;
}

/* A Picture never fails the contact (Q-CNT-3): empty means unchanged (Q-CNT-1: iOS 8.2+
 * sends an empty Picture on every edit), too large or not base64 is dropped with a warning
 * and the stored photo stays. */
static enum pim_change check_picture(pool *p, const struct wbxml_node *node,
				     const struct wbxml_node **node_r)
{
	const char *text, *error;

	if (node_text(p, node, &text, &error) < 0) {
		log_warn("pim: contact photo dropped: %s", error);
		return CHANGE_KEEP;
	}
	size_t len = strlen(text);
	if (len == 0)
		return CHANGE_KEEP;
	if (len > picture_limit) {
		log_warn("pim: contact photo of %zu bytes dropped (limit %zu)", len, picture_limit);
		return CHANGE_KEEP;
	}
	if (!base64_text_valid(text, len)) {
		log_warn("pim: contact photo dropped: not base64");
		return CHANGE_KEEP;
	}
	*node_r = node->value_kind == WBXML_VALUE_STRING ? node : pim_node_new(p, node->tag, text);
	return CHANGE_SET;
}

/* Records the input's word on the canonical property at def index i. */
static void input_set(struct pim_input *in, size_t i, const struct wbxml_node *node)
{
	in->change[i] = node != NULL ? CHANGE_SET : CHANGE_CLEAR;
	in->set[i] = node;
}

/* Reads one child of ApplicationData. */
static int input_child(struct pim_input *in, const struct wbxml_node *c)
{
	const struct pim_class_def *def = in->def;
	const struct wbxml_node *node = NULL;
	size_t i;
	bool absent, keep;
	const struct pim_prop_def *pd = def_find(def->props, def->prop_count, c->tag, &i);

	if (pd == NULL) {
		props_add(in->p, &in->unknown, c);
		return 0;
	}
	switch (pd->kind) {
	case PIM_TEXT:
	case PIM_DATE:
	case PIM_UINT:
	case PIM_INT:
		if (check_leaf(in->p, pd, c, &node, &absent, &in->error) < 0)
			return -1;
		if (!absent)
			input_set(in, i, node);
		return 0;
	case PIM_PICTURE:
		in->change[i] = check_picture(in->p, c, &in->set[i]);
		return 0;
	case PIM_LIST:
		if (check_list(in->p, pd, c, &node, &in->error) < 0)
			return -1;
		input_set(in, i, node);
		return 0;
	case PIM_CONTAINER:
		if (check_container(in->p, pd, c, &node, &in->error) < 0)
			return -1;
		input_set(in, i, node);
		return 0;
	case PIM_BODY:
		if (check_body(in->p, c, &node, &keep, &in->error) < 0)
			return -1;
		if (keep)
			in->change[i] = CHANGE_KEEP;
		else
			input_set(in, i, node);
		return 0;
	case PIM_BODY25: {
		size_t bi = 0;
		if (check_body25(in->p, c, &node, &in->error) < 0)
			return -1;
		(void)def_find(def->props, def->prop_count, WBXML_AirSyncBase_Body, &bi);
		input_set(in, bi, node);
		return 0;
	}
	case PIM_IGNORE:
		if (c->tag == def->bodytruncated25) {
			const char *t;
			if (node_text(in->p, c, &t, &in->error) < 0)
				return -1;
			in->body25_truncated = strcmp(t, "1") == 0;
		}
		return 0;
	}
	return 0;
}

/* True when a property absent from a Change is to be removed: the client declared
 * Supported, listed it, and its version has it. Otherwise it is ghosted (kept): MS-ASCMD
 * Supported, and Q-PARSE-3 for clients that never declare Supported. */
static bool absent_removes(const struct pim_class_def *def, uint16_t tag, int version,
			   const struct pim_supported *sup)
{
	bool listed = false;

	if (sup == NULL || !sup->declared || sup->count == 0)
		return false;
	for (size_t i = 0; i < sup->count && !listed; i++) {
		listed = sup->tags[i] == tag ||
			 (tag == WBXML_AirSyncBase_Body && sup->tags[i] == def->body25);
	}
	if (!listed)
		return false;
	if (tag == WBXML_AirSyncBase_Body)
		return true; /* every version has a body */
	return (wbxml_tag_versions(tag) & wbxml_version_bit((unsigned)version)) != 0;
}

/* Sorts by tag, keeping the order of equal tags (unknown repeated elements). */
static void props_sort(struct pim_props *props)
{
	for (size_t i = 1; i < props->count; i++) {
		const struct wbxml_node *n = props->v[i];
		size_t j = i;
		while (j > 0 && props->v[j - 1]->tag > n->tag) {
			props->v[j] = props->v[j - 1];
			j--;
		}
		props->v[j] = n;
	}
}

int pim_item_decode(pool *p, const struct store_item *item, struct wbxml_node **appdata_r,
		    const char **error_r)
{
	struct wbxml_node *root;

	if (item->data == NULL || item->data_len == 0) {
		*error_r = "item without data";
		return -1;
	}
	if (wbxml_decode(p, item->data, item->data_len, NULL, &root, error_r) < 0)
		return -1;
	if (root->tag != WBXML_AirSync_ApplicationData) {
		*error_r = "stored item is not an ApplicationData document";
		return -1;
	}
	*appdata_r = root;
	return 0;
}

/* Writes the stored form of props into out (data and data_len from p). */
static int props_encode(pool *p, const struct pim_props *props, struct store_item *out,
			const char **error_r)
{
	struct wbxml_writer w;
	buf b = BUF_INIT;

	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	for (size_t i = 0; i < props->count; i++)
		pim_write_node(&w, props->v[i], 0);
	/* An empty item still needs <ApplicationData></ApplicationData>, not <ApplicationData/>
	 * (both decode the same; this only keeps the writer's root bookkeeping simple). */
	wbxml_end(&w);
	if (wbxml_writer_finish(&w, error_r) < 0) {
		buf_free(&b);
		return -1;
	}
	out->data = pool_memdup(p, b.data, b.len);
	out->data_len = b.len;
	buf_free(&b);
	return 0;
}

int pim_item_from_eas(const struct pim_class_def *def, pool *p, const struct wbxml_node *appdata,
		      int version, const struct store_item *old,
		      const struct pim_supported *supported, struct store_item *out_r,
		      const char **error_r)
{
	struct pim_input in = { .def = def, .p = p };
	struct wbxml_node *old_root = NULL;
	struct pim_props result = { 0 };
	struct store_item out;

	if (wbxml_version_bit((unsigned)version) == 0) {
		*error_r = pool_printf(p, "unknown protocol version %d", version);
		return -1;
	}
	in.change = pool_calloc(p, def->prop_count, sizeof(*in.change));
	in.set = pool_calloc(p, def->prop_count, sizeof(*in.set));
	if (appdata != NULL) {
		if (appdata->value_kind != WBXML_VALUE_NONE && appdata->value_len > 0) {
			*error_r = "ApplicationData holds text where properties are expected";
			return -1;
		}
		wbxml_foreach_child(appdata, c) {
			if (input_child(&in, c) < 0) {
				*error_r = pool_printf(p, "%s: %s", def->name, in.error);
				return -1;
			}
		}
	}
	if (in.body25_truncated) {
		size_t bi = 0;
		(void)def_find(def->props, def->prop_count, WBXML_AirSyncBase_Body, &bi);
		if (in.change[bi] == CHANGE_SET)
			in.change[bi] = CHANGE_KEEP;
	}
	if (old != NULL && pim_item_decode(p, old, &old_root, error_r) < 0)
		return -1;

	/* Known properties: the input's word, else the stored one unless ghosting removes it. */
	for (size_t i = 0; i < def->prop_count; i++) {
		const struct wbxml_node *stored =
			old_root != NULL ? wbxml_child(old_root, def->props[i].tag) : NULL;
		switch (in.change[i]) {
		case CHANGE_SET:
			props_add(p, &result, in.set[i]);
			break;
		case CHANGE_CLEAR:
			break;
		case CHANGE_KEEP:
			if (stored != NULL)
				props_add(p, &result, stored);
			break;
		case CHANGE_NONE:
			if (stored != NULL &&
			    !absent_removes(def, def->props[i].tag, version, supported))
				props_add(p, &result, stored);
			break;
		}
	}
	/* Unknown properties: the input's replace the stored ones of the same tag; stored ones
	 * the input does not mention are kept (no client can clear what it does not know). */
	for (size_t i = 0; i < in.unknown.count; i++)
		props_add(p, &result, in.unknown.v[i]);
	if (old_root != NULL) {
		wbxml_foreach_child(old_root, c) {
			if (def_find(def->props, def->prop_count, c->tag, NULL) == NULL &&
			    pim_props_find(&in.unknown, c->tag) == NULL)
				props_add(p, &result, c);
		}
	}
	props_sort(&result);

	memset(&out, 0, sizeof(out));
	out.filter_start = STORE_TIME_MIN;
	out.filter_end = STORE_TIME_MAX;
	if (def->finish != NULL && def->finish(p, &result, &out, error_r) < 0)
		return -1;
	/* A uid the class does not derive from the properties (a contact's vCard UID, set by
	 * an import) is kept when a device changes the item: a later re-import of that card
	 * must still find it. */
	if (out.uid == NULL && old != NULL && old->uid != NULL)
		out.uid = pool_strdup(p, old->uid);
	if (props_encode(p, &result, &out, error_r) < 0)
		return -1;
	*out_r = out;
	return 0;
}

int pim_item_to_eas(const struct pim_class_def *def, pool *p, const struct store_item *item,
		    const struct pim_out_options *opt, struct wbxml_writer *w,
		    const char **error_r)
{
	struct wbxml_node *root;
	unsigned vbit = wbxml_version_bit((unsigned)opt->version);

	if (vbit == 0) {
		*error_r = pool_printf(p, "unknown protocol version %d", opt->version);
		return -1;
	}
	if (pim_item_decode(p, item, &root, error_r) < 0)
		return -1;
	wbxml_foreach_child(root, c) {
		if (c->tag == WBXML_AirSyncBase_Body)
			pim_body_write(p, w, c, opt, def);
		else if (def_find(def->props, def->prop_count, c->tag, NULL) != NULL)
			pim_write_node(w, c, vbit);
		/* Unknown tags stay stored but are never sent: the version filter could not
		 * tell which version has them. */
	}
	return 0;
}

int pim_truncation_25(uint64_t code, struct pim_out_options *opt)
{
	static const uint32_t sizes[] = { 0, 512, 1024, 2048, 5120, 10240, 20480, 51200, 102400 };

	if (code > 9)
		return -1;
	opt->truncation_25_all = code == 0;
	opt->truncation_25 = code == 9 ? 0 : sizes[code];
	return 0;
}
