/* The phone emulator: requests built with our WBXML writer for the phone's protocol version,
 * answers decoded with wbxml_decode and applied to the phone's own state exactly as a phone
 * would (see harness.h, "Phone emulator: EAS commands"). */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/str.h"

#define WBXML_CONTENT_TYPE "application/vnd.ms-sync.wbxml"
/* A bound on MoreAvailable rounds of h_dev_sync_all: a server that pages forever fails. */
#define SYNC_ALL_MAX_ROUNDS 20000

/* ---- properties ---- */

static void props_free(struct h_prop *props, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(props[i].value);
	free(props);
}

static struct h_prop *props_find(struct h_prop *props, size_t count, uint16_t tag)
{
	for (size_t i = 0; i < count; i++) {
		if (props[i].tag == tag)
			return &props[i];
	}
	return NULL;
}

/* Sets (replaces or appends) one property to value[0..len). */
static void props_set(struct h_prop **props, size_t *count, uint16_t tag, const void *value,
		      size_t len)
{
	struct h_prop *p = props_find(*props, *count, tag);

	if (p == NULL) {
		*props = xrealloc(*props, (*count + 1) * sizeof(**props));
		p = &(*props)[(*count)++];
		p->tag = tag;
	} else {
		free(p->value);
	}
	p->value = xmalloc(len + 1);
	if (len > 0)
		memcpy(p->value, value, len);
	p->value[len] = '\0';
	p->len = len;
}

static void props_remove(struct h_prop *props, size_t *count, uint16_t tag)
{
	for (size_t i = 0; i < *count; i++) {
		if (props[i].tag == tag) {
			free(props[i].value);
			memmove(&props[i], &props[i + 1], (*count - i - 1) * sizeof(*props));
			(*count)--;
			return;
		}
	}
}

static struct h_prop *props_copy(const struct h_prop *src, size_t count)
{
	struct h_prop *dst = count > 0 ? xcalloc(count, sizeof(*dst)) : NULL;

	for (size_t i = 0; i < count; i++) {
		dst[i].tag = src[i].tag;
		dst[i].len = src[i].len;
		dst[i].value = xmalloc(src[i].len + 1);
		memcpy(dst[i].value, src[i].value, src[i].len + 1);
	}
	return dst;
}

/* Reads `int tag, const char *value` pairs ended by tag 0 into a property list. */
static void props_from_va(va_list ap, struct h_prop **props, size_t *count)
{
	int tag;

	*props = NULL;
	*count = 0;
	while ((tag = va_arg(ap, int)) != 0) {
		const char *value = va_arg(ap, const char *);
		ck_assert_msg(tag > 0 && tag <= 0xffff, "bad tag %d in a property list", tag);
		ck_assert_msg(value != NULL, "NULL value for tag %#x", (unsigned)tag);
		props_set(props, count, (uint16_t)tag, value, strlen(value));
	}
}

/* ---- items, collections, folders ---- */

static void item_free(struct h_item *item)
{
	free(item->server_id);
	free(item->client_id);
	props_free(item->props, item->prop_count);
	memset(item, 0, sizeof(*item));
}

static void outgoing_free(struct h_outgoing *o)
{
	free(o->id);
	free(o->instance_id);
	props_free(o->props, o->prop_count);
	memset(o, 0, sizeof(*o));
}

static void collection_clear(struct h_collection *c)
{
	for (size_t i = 0; i < c->item_count; i++)
		item_free(&c->items[i]);
	free(c->items);
	c->items = NULL;
	c->item_count = 0;
	for (size_t i = 0; i < c->outbox_count; i++)
		outgoing_free(&c->outbox[i]);
	free(c->outbox);
	c->outbox = NULL;
	c->outbox_count = 0;
}

/* After a SyncKey 0 answer the phone holds none of the server's items; what it added
 * itself and has not sent yet stays, queued (its other commands named old items). */
static void collection_restart(struct h_collection *c)
{
	size_t keep = 0;

	for (size_t i = 0; i < c->item_count; i++) {
		if (c->items[i].server_id == NULL)
			c->items[keep++] = c->items[i];
		else
			item_free(&c->items[i]);
	}
	c->item_count = keep;
	keep = 0;
	for (size_t i = 0; i < c->outbox_count; i++) {
		if (c->outbox[i].kind == H_CMD_ADD)
			c->outbox[keep++] = c->outbox[i];
		else
			outgoing_free(&c->outbox[i]);
	}
	c->outbox_count = keep;
}

static void collection_free(struct h_collection *c)
{
	collection_clear(c);
	free(c->id);
	free(c->sync_key);
	free(c);
}

static struct h_collection *collection_find(const struct h_device *dev, const char *id)
{
	for (size_t i = 0; i < dev->collection_count; i++) {
		if (strcmp(dev->collections[i]->id, id) == 0)
			return dev->collections[i];
	}
	return NULL;
}

struct h_collection *h_dev_collection(struct h_device *dev, const char *collection_id)
{
	struct h_collection *c = collection_find(dev, collection_id);

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof(*c));
	c->id = xstrdup(collection_id);
	c->sync_key = xstrdup("0");
	c->conflict = -1;
	c->filter_type = -1;
	dev->collections = xrealloc(dev->collections,
				    (dev->collection_count + 1) * sizeof(*dev->collections));
	dev->collections[dev->collection_count++] = c;
	return c;
}

static void set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = value != NULL ? xstrdup(value) : NULL;
}

static void folder_free(struct h_folder *f)
{
	free(f->server_id);
	free(f->parent_id);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

static void folders_clear(struct h_device *dev)
{
	for (size_t i = 0; i < dev->folder_count; i++)
		folder_free(&dev->folders[i]);
	free(dev->folders);
	dev->folders = NULL;
	dev->folder_count = 0;
}

/* Forgets everything the server gave the phone (a wipe): folders, collections, keys. */
static void device_forget(struct h_device *dev)
{
	folders_clear(dev);
	for (size_t i = 0; i < dev->collection_count; i++)
		collection_free(dev->collections[i]);
	free(dev->collections);
	dev->collections = NULL;
	dev->collection_count = 0;
	free(dev->folder_sync_key);
	dev->folder_sync_key = NULL;
	free(dev->lost_server_id);
	dev->lost_server_id = NULL;
	dev->has_policy_key = false;
	dev->policy_key = 0;
}

void h_device_free(struct h_device *dev)
{
	device_forget(dev);
}

void h_device_set_sync_key(struct h_device *dev, const char *collection_id, const char *key)
{
	set_str(&h_dev_collection(dev, collection_id)->sync_key, key);
}

const char *h_device_sync_key(const struct h_device *dev, const char *collection_id)
{
	const struct h_collection *c = collection_find(dev, collection_id);

	return c != NULL ? c->sync_key : "0";
}

static struct h_folder *folder_find(const struct h_device *dev, const char *server_id)
{
	for (size_t i = 0; i < dev->folder_count; i++) {
		if (strcmp(dev->folders[i].server_id, server_id) == 0)
			return &dev->folders[i];
	}
	return NULL;
}

const struct h_folder *h_dev_folder(const struct h_device *dev, const char *server_id)
{
	return folder_find(dev, server_id);
}

const struct h_folder *h_dev_folder_named(const struct h_device *dev, const char *name)
{
	for (size_t i = 0; i < dev->folder_count; i++) {
		if (strcmp(dev->folders[i].name, name) == 0)
			return &dev->folders[i];
	}
	return NULL;
}

const char *h_dev_folder_of_type(const struct h_device *dev, int type)
{
	for (size_t i = 0; i < dev->folder_count; i++) {
		if (dev->folders[i].type == type)
			return dev->folders[i].server_id;
	}
	return NULL;
}

static void folder_put(struct h_device *dev, const char *server_id, const char *parent_id,
		       const char *name, int type)
{
	struct h_folder *f = folder_find(dev, server_id);

	if (f == NULL) {
		dev->folders = xrealloc(dev->folders, (dev->folder_count + 1) * sizeof(*dev->folders));
		f = &dev->folders[dev->folder_count++];
		memset(f, 0, sizeof(*f));
		f->server_id = xstrdup(server_id);
	}
	set_str(&f->parent_id, parent_id != NULL ? parent_id : "0");
	set_str(&f->name, name != NULL ? name : "");
	f->type = type;
}

/* Removes a folder, the folders below it and their collections (as a phone does when it
 * deletes or is told to delete a folder). */
static void folder_remove_tree(struct h_device *dev, const char *server_id)
{
	char *id = xstrdup(server_id);

	for (size_t i = 0; i < dev->folder_count;) {
		if (strcmp(dev->folders[i].parent_id, id) == 0) {
			folder_remove_tree(dev, dev->folders[i].server_id);
			i = 0;
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < dev->folder_count; i++) {
		if (strcmp(dev->folders[i].server_id, id) == 0) {
			folder_free(&dev->folders[i]);
			memmove(&dev->folders[i], &dev->folders[i + 1],
				(dev->folder_count - i - 1) * sizeof(*dev->folders));
			dev->folder_count--;
			break;
		}
	}
	for (size_t i = 0; i < dev->collection_count; i++) {
		if (strcmp(dev->collections[i]->id, id) == 0) {
			collection_free(dev->collections[i]);
			memmove(&dev->collections[i], &dev->collections[i + 1],
				(dev->collection_count - i - 1) * sizeof(*dev->collections));
			dev->collection_count--;
			break;
		}
	}
	free(id);
}

/* The Sync Class of a folder type. */
static const char *class_of_type(int type)
{
	switch (type) {
	case 7: case 15: return "Tasks";
	case 8: case 13: return "Calendar";
	case 9: case 14: return "Contacts";
	case 10: case 17: return "Notes";
	case 2: case 3: case 4: case 5: case 6: case 12: return "Email";
	default: return NULL;
	}
}

static const char *collection_class(const struct h_device *dev, const struct h_collection *c)
{
	if (c->class_name != NULL)
		return c->class_name;
	const struct h_folder *f = folder_find(dev, c->id);
	const char *cls = f != NULL ? class_of_type(f->type) : NULL;
	return cls != NULL ? cls : "Contacts";
}

/* ---- the view ---- */

static struct h_item *view_find(struct h_collection *c, const char *server_id)
{
	for (size_t i = 0; i < c->item_count; i++) {
		if (c->items[i].server_id != NULL && strcmp(c->items[i].server_id, server_id) == 0)
			return &c->items[i];
	}
	return NULL;
}

static struct h_item *view_find_client(struct h_collection *c, const char *client_id)
{
	for (size_t i = 0; i < c->item_count; i++) {
		if (c->items[i].client_id != NULL && strcmp(c->items[i].client_id, client_id) == 0)
			return &c->items[i];
	}
	return NULL;
}

static struct h_item *view_append(struct h_collection *c)
{
	c->items = xrealloc(c->items, (c->item_count + 1) * sizeof(*c->items));
	struct h_item *item = &c->items[c->item_count++];
	memset(item, 0, sizeof(*item));
	return item;
}

static bool view_remove(struct h_collection *c, const char *server_id)
{
	for (size_t i = 0; i < c->item_count; i++) {
		if (c->items[i].server_id != NULL && strcmp(c->items[i].server_id, server_id) == 0) {
			item_free(&c->items[i]);
			memmove(&c->items[i], &c->items[i + 1], (c->item_count - i - 1) * sizeof(*c->items));
			c->item_count--;
			return true;
		}
	}
	return false;
}

size_t h_dev_count(struct h_device *dev, const char *collection_id)
{
	return h_dev_collection(dev, collection_id)->item_count;
}

struct h_item *h_dev_item(struct h_device *dev, const char *collection_id, const char *server_id)
{
	return view_find(h_dev_collection(dev, collection_id), server_id);
}

const char *h_item_prop(const struct h_item *item, uint16_t tag)
{
	const struct h_prop *p = props_find(item->props, item->prop_count, tag);

	return p != NULL ? p->value : NULL;
}

struct h_item *h_dev_find(struct h_device *dev, const char *collection_id, uint16_t tag,
			  const char *value)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);

	for (size_t i = 0; i < c->item_count; i++) {
		const char *v = h_item_prop(&c->items[i], tag);
		if (v != NULL && strcmp(v, value) == 0)
			return &c->items[i];
	}
	return NULL;
}

size_t h_dev_count_with(struct h_device *dev, const char *collection_id, uint16_t tag,
			const char *value)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);
	size_t n = 0;

	for (size_t i = 0; i < c->item_count; i++) {
		const char *v = h_item_prop(&c->items[i], tag);
		if (v != NULL && strcmp(v, value) == 0)
			n++;
	}
	return n;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void h_dev_assert_unique(struct h_device *dev, const char *collection_id)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);
	char **ids = c->item_count > 0 ? xcalloc(c->item_count, sizeof(*ids)) : NULL;
	size_t n = 0;

	for (size_t i = 0; i < c->item_count; i++) {
		if (c->items[i].server_id != NULL)
			ids[n++] = c->items[i].server_id;
	}
	if (n > 1)
		qsort(ids, n, sizeof(*ids), cmp_str_ptr);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(strcmp(ids[i - 1], ids[i]) != 0, "%s: ServerId %s twice in the view of %s",
			      dev->device_id, ids[i], collection_id);
	free(ids);
}

/* ---- commands the phone queues ---- */

static struct h_outgoing *outbox_append(struct h_collection *c, enum h_cmd_kind kind, const char *id)
{
	c->outbox = xrealloc(c->outbox, (c->outbox_count + 1) * sizeof(*c->outbox));
	struct h_outgoing *o = &c->outbox[c->outbox_count++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->id = xstrdup(id);
	return o;
}

const char *h_dev_add(struct h_device *dev, const char *collection_id, ...)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);
	char client_id[32];
	va_list ap;

	snprintf(client_id, sizeof(client_id), "c%u", ++dev->next_client_id);
	struct h_item *item = view_append(c);
	item->client_id = xstrdup(client_id);
	va_start(ap, collection_id);
	props_from_va(ap, &item->props, &item->prop_count);
	va_end(ap);
	struct h_outgoing *o = outbox_append(c, H_CMD_ADD, client_id);
	o->props = props_copy(item->props, item->prop_count);
	o->prop_count = item->prop_count;
	return item->client_id;
}

static bool tag_supported(const struct h_collection *c, uint16_t tag)
{
	if (c->supported_count == 0)
		return true;
	for (size_t i = 0; i < c->supported_count; i++) {
		if (c->supported[i] == tag)
			return true;
	}
	return false;
}

/* Merges the pairs into the item of the view and queues a Change (whole item or only the
 * given properties). */
static void queue_change(struct h_device *dev, const char *collection_id, const char *server_id,
			 bool only_given, va_list ap)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);
	struct h_item *item = view_find(c, server_id);
	struct h_prop *given;
	size_t given_count;

	ck_assert_msg(item != NULL, "%s: no item %s in the view of %s", dev->device_id, server_id,
		      collection_id);
	props_from_va(ap, &given, &given_count);
	for (size_t i = 0; i < given_count; i++) {
		if (given[i].len == 0)
			props_remove(item->props, &item->prop_count, given[i].tag);
		else
			props_set(&item->props, &item->prop_count, given[i].tag, given[i].value,
				  given[i].len);
	}
	struct h_outgoing *o = outbox_append(c, H_CMD_CHANGE, server_id);
	if (only_given) {
		o->props = given;
		o->prop_count = given_count;
		return;
	}
	props_free(given, given_count);
	for (size_t i = 0; i < item->prop_count; i++) {
		if (tag_supported(c, item->props[i].tag))
			props_set(&o->props, &o->prop_count, item->props[i].tag, item->props[i].value,
				  item->props[i].len);
	}
}

void h_dev_change(struct h_device *dev, const char *collection_id, const char *server_id, ...)
{
	va_list ap;

	va_start(ap, server_id);
	queue_change(dev, collection_id, server_id, false, ap);
	va_end(ap);
}

void h_dev_change_only(struct h_device *dev, const char *collection_id, const char *server_id,
		       ...)
{
	va_list ap;

	va_start(ap, server_id);
	queue_change(dev, collection_id, server_id, true, ap);
	va_end(ap);
}

void h_dev_delete(struct h_device *dev, const char *collection_id, const char *server_id)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);

	ck_assert_msg(view_remove(c, server_id), "%s: no item %s in the view of %s", dev->device_id,
		      server_id, collection_id);
	outbox_append(c, H_CMD_DELETE, server_id);
}

void h_dev_change_instance(struct h_device *dev, const char *collection_id,
			   const char *server_id, const char *instance_id, ...)
{
	struct h_outgoing *o = outbox_append(h_dev_collection(dev, collection_id), H_CMD_CHANGE,
					     server_id);
	va_list ap;

	o->instance_id = xstrdup(instance_id);
	va_start(ap, instance_id);
	props_from_va(ap, &o->props, &o->prop_count);
	va_end(ap);
}

void h_dev_delete_instance(struct h_device *dev, const char *collection_id,
			   const char *server_id, const char *instance_id)
{
	struct h_outgoing *o = outbox_append(h_dev_collection(dev, collection_id), H_CMD_DELETE,
					     server_id);

	o->instance_id = xstrdup(instance_id);
}

void h_dev_fetch(struct h_device *dev, const char *collection_id, const char *server_id)
{
	outbox_append(h_dev_collection(dev, collection_id), H_CMD_FETCH, server_id);
}

void h_dev_reset_collection(struct h_device *dev, const char *collection_id)
{
	struct h_collection *c = h_dev_collection(dev, collection_id);

	collection_clear(c);
	set_str(&c->sync_key, "0");
}

/* ---- WBXML helpers ---- */

struct wbxml_node *h_wbxml_path(const struct wbxml_node *node, ...)
{
	va_list ap;
	int tag;

	va_start(ap, node);
	while (node != NULL && (tag = va_arg(ap, int)) != 0)
		node = wbxml_child(node, (uint16_t)tag);
	va_end(ap);
	return (struct wbxml_node *)node;
}

static bool is_named(const struct wbxml_node *n, const char *name)
{
	const char *t = wbxml_tag_name(n->tag);

	return t != NULL && strcmp(t, name) == 0;
}

/* The integer text of a node, -1 when absent or not a number. */
static int node_int(const struct wbxml_node *n)
{
	uint64_t v;
	const char *err;

	if (n == NULL || wbxml_node_uint(n, INT32_MAX, &v, &err) < 0)
		return -1;
	return (int)v;
}

int h_wbxml_status(const struct wbxml_node *node)
{
	if (node == NULL)
		return -1;
	wbxml_foreach_child(node, c) {
		if (is_named(c, "Status"))
			return node_int(c);
	}
	return -1;
}

/* The text of a node (string or opaque) into a new string from p; "" for none. */
static const char *node_text(pool *p, const struct wbxml_node *n, size_t *len_r)
{
	const unsigned char *data;
	size_t len;

	if (n == NULL || wbxml_node_bytes(n, &data, &len) < 0) {
		data = (const unsigned char *)"";
		len = 0;
	}
	if (len_r != NULL)
		*len_r = len;
	return pool_strndup(p, (const char *)data, len);
}

static void xml_node(buf *out, const struct wbxml_node *n, unsigned depth)
{
	const char *name = wbxml_tag_name(n->tag);
	char unknown[16];
	const struct wbxml_node *parent = n->parent;

	if (out->len > 16384)
		return;
	if (name == NULL) {
		snprintf(unknown, sizeof(unknown), "tag-%04x", (unsigned)n->tag);
		name = unknown;
	}
	for (unsigned i = 0; i < depth; i++)
		buf_puts(out, "  ");
	bool other_page = parent == NULL || WBXML_TAG_PAGE(parent->tag) != WBXML_TAG_PAGE(n->tag);
	const char *ns = other_page ? wbxml_page_name(WBXML_TAG_PAGE(n->tag)) : NULL;
	buf_printf(out, "<%s%s%s", ns != NULL ? ns : "", ns != NULL ? ":" : "", name);
	if (n->children != NULL) {
		buf_puts(out, ">\n");
		for (const struct wbxml_node *c = n->children; c != NULL; c = c->next)
			xml_node(out, c, depth + 1);
		for (unsigned i = 0; i < depth; i++)
			buf_puts(out, "  ");
		buf_printf(out, "</%s>\n", name);
	} else if (n->value_kind == WBXML_VALUE_OPAQUE) {
		buf_printf(out, ">[%zu bytes]</%s>\n", n->value_len, name);
	} else if (n->value_kind == WBXML_VALUE_STRING) {
		if (n->value_len > 120)
			buf_printf(out, ">%.100s...[%zu bytes]</%s>\n", (const char *)n->value,
				   n->value_len, name);
		else
			buf_printf(out, ">%s</%s>\n", (const char *)n->value, name);
	} else {
		buf_puts(out, "/>\n");
	}
}

const char *h_wbxml_xml(pool *p, const struct wbxml_node *node)
{
	buf out = BUF_INIT;

	if (node == NULL)
		return "(no WBXML)";
	xml_node(&out, node, 0);
	const char *s = pool_strndup(p, buf_cstr(&out), out.len);
	buf_free(&out);
	return s;
}

/* ---- sending ---- */

long h_dev_post_wbxml(struct h_env *env, struct h_device *dev, const char *cmd,
		      const void *body, size_t len, pool *p, struct wbxml_node **root_r)
{
	struct h_response r;
	/* Answers of the server, not requests of phones: larger than the request limits. */
	const struct wbxml_limits limits = {
		.max_input = 1u << 30, .max_depth = 64, .max_nodes = 50u * 1000 * 1000,
		.max_string = 256u << 20,
	};

	*root_r = NULL;
	long http = h_device_post(env, dev, cmd, NULL, WBXML_CONTENT_TYPE, body, len, &r);
	ck_assert_msg(http != 0, "%s as %s: %s", cmd, dev->device_id, r.error);
	if (r.body.len > 0 && wbxml_looks_like(r.body.data, r.body.len)) {
		const char *error;
		ck_assert_msg(wbxml_decode(p, r.body.data, r.body.len, &limits, root_r, &error) == 0,
			      "%s: the answer (HTTP %ld, %zu bytes) does not decode: %s", cmd, http,
			      r.body.len, error);
		const char *ct = h_response_header(&r, "Content-Type");
		ck_assert_msg(ct != NULL && strcmp(ct, WBXML_CONTENT_TYPE) == 0,
			      "%s: WBXML answer with Content-Type %s (Q-HTTP-2)", cmd, ct != NULL ? ct : "(none)");
	} else if (http == 200 && r.body.len > 0) {
		ck_abort_msg("%s: HTTP 200 with %zu bytes that are not WBXML: %.80s", cmd, r.body.len,
			     (const char *)r.body.data);
	}
	h_response_free(&r);
	return http;
}

/* True when the answer tells the phone to provision first (MS-ASCMD 2.2.2 status codes
 * 140 remote wipe, 142 not provisioned, 143 policy refresh, 144 invalid policy key; HTTP 449
 * below 14.0, Q-PROV-1). */
static bool asks_provision(long http, const struct wbxml_node *root)
{
	if (http == 449)
		return true;
	int st = http == 200 ? h_wbxml_status(root) : -1;
	return st == 140 || st == 142 || st == 143 || st == 144;
}

/* Posts a command; on "provision first" provisions and sends the same body once more, as a
 * phone does (unless the provisioning wiped the phone). */
static long dev_exchange(struct h_env *env, struct h_device *dev, const char *cmd,
			 const buf *body, pool *p, struct wbxml_node **root_r)
{
	long http = h_dev_post_wbxml(env, dev, cmd, body->data, body->len, p, root_r);

	if (!dev->auto_provision || !asks_provision(http, *root_r))
		return http;
	h_dev_provision(env, dev, NULL);
	if (dev->wiped || dev->account_wiped)
		return http;
	return h_dev_post_wbxml(env, dev, cmd, body->data, body->len, p, root_r);
}

static void finish(struct wbxml_writer *w, const char *what)
{
	const char *error;

	ck_assert_msg(wbxml_writer_finish(w, &error) == 0, "%s: writer: %s", what, error);
}

/* ---- Provision ---- */

static const char *default_policy_type(const struct h_device *dev)
{
	return h_version_number(dev->version) == 25 ? "MS-WAP-Provisioning-XML"
						    : "MS-EAS-Provisioning-WBXML";
}

static void result_init(struct h_provision_result *res)
{
	memset(res, 0, sizeof(*res));
	res->pool = pool_new(4096);
	res->status = res->policy_status = res->device_info_status = -1;
	res->ack_status = res->ack_policy_status = -1;
}

void h_provision_result_free(struct h_provision_result *res)
{
	if (res->pool != NULL)
		pool_free(&res->pool);
	props_free(res->policy, res->policy_count);
	memset(res, 0, sizeof(*res));
}

static void write_device_info(struct wbxml_writer *w, const struct h_device_info *info)
{
	const struct { uint16_t tag; const char *value; } fields[] = {
		{ WBXML_Settings_Model, info->model }, { WBXML_Settings_IMEI, info->imei },
		{ WBXML_Settings_FriendlyName, info->friendly_name }, { WBXML_Settings_OS, info->os },
		{ WBXML_Settings_OSLanguage, info->os_language },
		{ WBXML_Settings_PhoneNumber, info->phone_number },
		{ WBXML_Settings_MobileOperator, info->mobile_operator },
		{ WBXML_Settings_UserAgent, info->user_agent },
	};

	wbxml_start(w, WBXML_Settings_DeviceInformation);
	wbxml_start(w, WBXML_Settings_Set);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].value != NULL)
			wbxml_elem_str(w, fields[i].tag, fields[i].value);
	}
	wbxml_end(w);
	wbxml_end(w);
}

static uint32_t parse_key(const char *text)
{
	uint64_t v;

	if (text == NULL || str_to_uint64(text, UINT32_MAX, &v) < 0)
		return 0;
	return (uint32_t)v;
}

int h_dev_provision_request(struct h_env *env, struct h_device *dev, const char *policy_type,
			    struct h_provision_result *res)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	unsigned version = h_version_number(dev->version);

	result_init(res);
	wbxml_writer_init(&w, &body, version);
	wbxml_start(&w, WBXML_Provision_Provision);
	/* DeviceInformation rides on Provision from 14.1 (MS-ASPROV 2.2.2.53). */
	if (version >= 141 && dev->info.model != NULL)
		write_device_info(&w, &dev->info);
	if (policy_type != NULL) {
		wbxml_start(&w, WBXML_Provision_Policies);
		wbxml_start(&w, WBXML_Provision_Policy);
		wbxml_elem_str(&w, WBXML_Provision_PolicyType, policy_type);
		wbxml_end(&w);
		wbxml_end(&w);
	}
	wbxml_end(&w);
	finish(&w, "Provision");
	/* "During the initial provisioning request, the current policy key MUST be reset to 0". */
	dev->has_policy_key = false;
	dev->policy_key = 0;
	res->http = h_dev_post_wbxml(env, dev, "Provision", body.data, body.len, res->pool, &root);
	buf_free(&body);
	res->xml = h_wbxml_xml(res->pool, root);
	if (root == NULL)
		return -1;
	ck_assert_msg(root->tag == WBXML_Provision_Provision, "Provision answered with another root:\n%s",
		      res->xml);
	res->status = h_wbxml_status(root);
	res->device_info_status = h_wbxml_status(wbxml_child(root, WBXML_Settings_DeviceInformation));
	res->remote_wipe = wbxml_child(root, WBXML_Provision_RemoteWipe) != NULL;
	res->account_only_wipe = wbxml_child(root, WBXML_Provision_AccountOnlyRemoteWipe) != NULL;
	struct wbxml_node *policy = h_wbxml_path(root, WBXML_Provision_Policies, WBXML_Provision_Policy, 0);
	if (policy != NULL) {
		res->policy_status = h_wbxml_status(policy);
		res->temp_key = parse_key(wbxml_child_str(policy, WBXML_Provision_PolicyKey));
		struct wbxml_node *data = wbxml_child(policy, WBXML_Provision_Data);
		struct wbxml_node *doc = data != NULL ? wbxml_child(data, WBXML_Provision_EASProvisionDoc) : NULL;
		if (doc != NULL) {
			wbxml_foreach_child(doc, c) {
				size_t len;
				const char *v = node_text(res->pool, c, &len);
				props_set(&res->policy, &res->policy_count, c->tag, v, len);
			}
		} else if (data != NULL) {
			size_t len;
			const char *v = node_text(res->pool, data, &len);
			props_set(&res->policy, &res->policy_count, WBXML_Provision_Data, v, len);
		}
	}
	return res->status;
}

int h_dev_provision_ack(struct h_env *env, struct h_device *dev, const char *policy_type,
			uint32_t key, int status, struct h_provision_result *res)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	char key_text[16];

	if (res->pool == NULL)
		result_init(res);
	snprintf(key_text, sizeof(key_text), "%u", (unsigned)key);
	wbxml_writer_init(&w, &body, h_version_number(dev->version));
	wbxml_start(&w, WBXML_Provision_Provision);
	wbxml_start(&w, WBXML_Provision_Policies);
	wbxml_start(&w, WBXML_Provision_Policy);
	wbxml_elem_str(&w, WBXML_Provision_PolicyType, policy_type);
	wbxml_elem_str(&w, WBXML_Provision_PolicyKey, key_text);
	wbxml_elem_uint(&w, WBXML_Provision_Status, (uint64_t)status);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	finish(&w, "Provision acknowledgement");
	/* MS-ASPROV 3.1.5.1.2.1: the current key is the temporary one during the acknowledgement. */
	dev->has_policy_key = true;
	dev->policy_key = key;
	res->ack_http = h_dev_post_wbxml(env, dev, "Provision", body.data, body.len, res->pool, &root);
	buf_free(&body);
	if (root == NULL)
		return -1;
	res->ack_status = h_wbxml_status(root);
	struct wbxml_node *policy = h_wbxml_path(root, WBXML_Provision_Policies, WBXML_Provision_Policy, 0);
	res->ack_policy_status = h_wbxml_status(policy);
	if (policy != NULL)
		res->final_key = parse_key(wbxml_child_str(policy, WBXML_Provision_PolicyKey));
	if (res->ack_http == 200 && res->ack_status == 1 && res->ack_policy_status == 1 &&
	    res->final_key != 0) {
		dev->policy_key = res->final_key;
	} else {
		dev->has_policy_key = false;
		dev->policy_key = 0;
	}
	return res->ack_status;
}

/* Acknowledges a (account-only) remote wipe with Status 1; then the phone forgets all. */
static void acknowledge_wipe(struct h_env *env, struct h_device *dev, bool account_only,
			     struct h_provision_result *res)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	uint16_t tag = account_only ? WBXML_Provision_AccountOnlyRemoteWipe : WBXML_Provision_RemoteWipe;

	wbxml_writer_init(&w, &body, h_version_number(dev->version));
	wbxml_start(&w, WBXML_Provision_Provision);
	wbxml_start(&w, tag);
	wbxml_elem_uint(&w, WBXML_Provision_Status, 1);
	wbxml_end(&w);
	wbxml_end(&w);
	finish(&w, "wipe acknowledgement");
	res->ack_http = h_dev_post_wbxml(env, dev, "Provision", body.data, body.len, res->pool, &root);
	buf_free(&body);
	res->ack_status = h_wbxml_status(root);
	device_forget(dev);
	if (account_only)
		dev->account_wiped = true;
	else
		dev->wiped = true;
}

int h_dev_provision(struct h_env *env, struct h_device *dev, struct h_provision_result *res)
{
	struct h_provision_result local;
	const char *type = default_policy_type(dev);

	if (res == NULL)
		res = &local;
	int status = h_dev_provision_request(env, dev, type, res);
	if (res->http == 200 && (res->remote_wipe || res->account_only_wipe)) {
		acknowledge_wipe(env, dev, res->account_only_wipe && !res->remote_wipe, res);
	} else if (res->http == 200 && status == 1 && res->policy_status == 1 && res->temp_key != 0) {
		h_dev_provision_ack(env, dev, type, res->temp_key, 1, res);
	}
	if (res == &local)
		h_provision_result_free(&local);
	return status;
}

/* ---- FolderSync and folder commands ---- */

static const char *folder_key(const struct h_device *dev)
{
	return dev->folder_sync_key != NULL ? dev->folder_sync_key : "0";
}

/* Counts the FolderSync Changes into res and, when apply, applies them to the folder list. */
static void apply_folder_changes(struct h_device *dev, const struct wbxml_node *changes,
				 struct h_folder_result *res, bool apply, const char *xml)
{
	if (changes == NULL)
		return;
	wbxml_foreach_child(changes, c) {
		const char *sid = wbxml_child_str(c, WBXML_FolderHierarchy_ServerId);
		if (c->tag == WBXML_FolderHierarchy_Count)
			continue;
		ck_assert_msg(sid != NULL && *sid != '\0', "FolderSync: a change without ServerId:\n%s", xml);
		bool known = folder_find(dev, sid) != NULL;
		if (c->tag == WBXML_FolderHierarchy_Add || c->tag == WBXML_FolderHierarchy_Update) {
			const char *parent = wbxml_child_str(c, WBXML_FolderHierarchy_ParentId);
			const char *name = wbxml_child_str(c, WBXML_FolderHierarchy_DisplayName);
			int type = node_int(wbxml_child(c, WBXML_FolderHierarchy_Type));
			ck_assert_msg(parent != NULL && name != NULL && type > 0,
				      "FolderSync: an Add/Update without ParentId, DisplayName or Type:\n%s", xml);
			if (c->tag == WBXML_FolderHierarchy_Add) {
				ck_assert_msg(!apply || !known, "FolderSync: Add of folder %s, which the "
					      "phone holds:\n%s", sid, xml);
				res->adds++;
			} else {
				res->updates++;
				res->unknown += !known;
			}
			if (apply)
				folder_put(dev, sid, parent, name, type);
		} else if (c->tag == WBXML_FolderHierarchy_Delete) {
			res->deletes++;
			res->unknown += !known;
			if (apply && known)
				folder_remove_tree(dev, sid);
		}
	}
}

int h_dev_folder_sync(struct h_env *env, struct h_device *dev, struct h_folder_result *res)
{
	struct h_folder_result local;
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	pool *p = pool_new(4096);

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->status = -1;
	wbxml_writer_init(&w, &body, h_version_number(dev->version));
	wbxml_start(&w, WBXML_FolderHierarchy_FolderSync);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, folder_key(dev));
	wbxml_end(&w);
	finish(&w, "FolderSync");
	bool from_zero = strcmp(folder_key(dev), "0") == 0;
	bool lost = dev->lose_folder_answer;
	dev->lose_folder_answer = false;
	res->http = dev_exchange(env, dev, "FolderSync", &body, p, &root);
	buf_free(&body);
	if (root != NULL) {
		const char *xml = h_wbxml_xml(p, root);
		ck_assert_msg(root->tag == WBXML_FolderHierarchy_FolderSync,
			      "FolderSync answered with another root:\n%s", xml);
		res->status = h_wbxml_status(root);
		if (res->http == 200 && res->status == 1) {
			const char *key = wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey);
			ck_assert_msg(key != NULL && *key != '\0' && strcmp(key, "0") != 0,
				      "FolderSync Status 1 without a new SyncKey:\n%s", xml);
			if (from_zero && !lost)
				folders_clear(dev);
			apply_folder_changes(dev, wbxml_child(root, WBXML_FolderHierarchy_Changes), res,
					     !lost, xml);
			if (!lost)
				set_str(&dev->folder_sync_key, key);
		}
	}
	pool_free(&p);
	return res->status;
}

/* Sends one folder command built by the caller; returns the Status and the answer's root;
 * *lost_r: the answer was lost (dev->lose_folder_answer), so not to be applied. */
static int folder_command(struct h_env *env, struct h_device *dev, const char *cmd, uint16_t root_tag,
			  const buf *body, pool *p, struct wbxml_node **root_r, long *http_r,
			  bool *lost_r)
{
	bool lost = dev->lose_folder_answer;
	dev->lose_folder_answer = false;
	long http = dev_exchange(env, dev, cmd, body, p, root_r);

	*lost_r = lost;
	if (http_r != NULL)
		*http_r = http;
	if (*root_r == NULL)
		return -1;
	ck_assert_msg((*root_r)->tag == root_tag, "%s answered with another root:\n%s", cmd,
		      h_wbxml_xml(p, *root_r));
	int status = h_wbxml_status(*root_r);
	if (http == 200 && status == 1 && !lost) {
		const char *key = wbxml_child_str(*root_r, WBXML_FolderHierarchy_SyncKey);
		ck_assert_msg(key != NULL && *key != '\0', "%s Status 1 without SyncKey:\n%s", cmd,
			      h_wbxml_xml(p, *root_r));
		set_str(&dev->folder_sync_key, key);
	}
	return status;
}

int h_dev_folder_create(struct h_env *env, struct h_device *dev, const char *parent_id,
			const char *name, int type, const char **server_id_r, long *http_r)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	pool *p = pool_new(1024);

	if (server_id_r != NULL)
		*server_id_r = NULL;
	wbxml_writer_init(&w, &body, h_version_number(dev->version));
	wbxml_start(&w, WBXML_FolderHierarchy_FolderCreate);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, folder_key(dev));
	wbxml_elem_str(&w, WBXML_FolderHierarchy_ParentId, parent_id);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_DisplayName, name);
	wbxml_elem_uint(&w, WBXML_FolderHierarchy_Type, (uint64_t)type);
	wbxml_end(&w);
	finish(&w, "FolderCreate");
	bool lost;
	int status = folder_command(env, dev, "FolderCreate", WBXML_FolderHierarchy_FolderCreate, &body,
				    p, &root, http_r, &lost);
	buf_free(&body);
	if (status == 1 && lost) {
		const char *sid = wbxml_child_str(root, WBXML_FolderHierarchy_ServerId);
		if (server_id_r != NULL && sid != NULL) {
			/* The phone never saw it; the test may: kept in the phone's pool. */
			set_str(&dev->lost_server_id, sid);
			*server_id_r = dev->lost_server_id;
		}
	} else if (status == 1) {
		const char *sid = wbxml_child_str(root, WBXML_FolderHierarchy_ServerId);
		ck_assert_msg(sid != NULL && *sid != '\0', "FolderCreate Status 1 without ServerId:\n%s",
			      h_wbxml_xml(p, root));
		ck_assert_msg(folder_find(dev, sid) == NULL, "FolderCreate gave ServerId %s, which the "
			      "phone holds already", sid);
		folder_put(dev, sid, parent_id, name, type);
		if (server_id_r != NULL)
			*server_id_r = folder_find(dev, sid)->server_id;
	}
	pool_free(&p);
	return status;
}

int h_dev_folder_update(struct h_env *env, struct h_device *dev, const char *server_id,
			const char *parent_id, const char *name, long *http_r)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	pool *p = pool_new(1024);

	wbxml_writer_init(&w, &body, h_version_number(dev->version));
	wbxml_start(&w, WBXML_FolderHierarchy_FolderUpdate);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, folder_key(dev));
	wbxml_elem_str(&w, WBXML_FolderHierarchy_ServerId, server_id);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_ParentId, parent_id);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_DisplayName, name);
	wbxml_end(&w);
	finish(&w, "FolderUpdate");
	bool lost;
	int status = folder_command(env, dev, "FolderUpdate", WBXML_FolderHierarchy_FolderUpdate, &body,
				    p, &root, http_r, &lost);
	buf_free(&body);
	if (status == 1 && !lost) {
		struct h_folder *f = folder_find(dev, server_id);
		folder_put(dev, server_id, parent_id, name, f != NULL ? f->type : 1);
	}
	pool_free(&p);
	return status;
}

int h_dev_folder_delete(struct h_env *env, struct h_device *dev, const char *server_id, long *http_r)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	pool *p = pool_new(1024);

	wbxml_writer_init(&w, &body, h_version_number(dev->version));
	wbxml_start(&w, WBXML_FolderHierarchy_FolderDelete);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, folder_key(dev));
	wbxml_elem_str(&w, WBXML_FolderHierarchy_ServerId, server_id);
	wbxml_end(&w);
	finish(&w, "FolderDelete");
	bool lost;
	int status = folder_command(env, dev, "FolderDelete", WBXML_FolderHierarchy_FolderDelete, &body,
				    p, &root, http_r, &lost);
	buf_free(&body);
	if (status == 1 && !lost)
		folder_remove_tree(dev, server_id);
	pool_free(&p);
	return status;
}

void h_dev_start(struct h_env *env, struct h_device *dev)
{
	struct h_folder_result fr;

	if (!dev->has_policy_key) {
		struct h_provision_result pr;
		int st = h_dev_provision(env, dev, &pr);
		ck_assert_msg(pr.http == 200 && st == 1, "%s: Provision: HTTP %ld, Status %d\n%s",
			      dev->device_id, pr.http, st, pr.xml);
		h_provision_result_free(&pr);
	}
	int st = h_dev_folder_sync(env, dev, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "%s: FolderSync: HTTP %ld, Status %d",
		      dev->device_id, fr.http, st);
}

/* ---- Sync: the request ---- */

/* Categories and Children hold one value per line; tasks:Recurrence, calendar:Recurrence
 * and 16.x airsyncbase:Location "Name=value" lines; calendar:Attendees and Exceptions one
 * Attendee / Exception per line as "Name=value" fields separated by tabs (a field of
 * another code page as "Page:Name=value"; an Exception's Body is not kept). */
static uint16_t list_child(uint16_t tag)
{
	switch (tag) {
	case WBXML_Contacts_Categories: return WBXML_Contacts_Category;
	case WBXML_Contacts_Children: return WBXML_Contacts_Child;
	case WBXML_Tasks_Categories: return WBXML_Tasks_Category;
	case WBXML_Calendar_Categories: return WBXML_Calendar_Category;
	default: return 0;
	}
}

static bool is_record(uint16_t tag)
{
	return tag == WBXML_Tasks_Recurrence || tag == WBXML_Calendar_Recurrence ||
	       tag == WBXML_AirSyncBase_Location;
}

/* The element of each line of a list of records (calendar:Attendees, Exceptions), or 0. */
static uint16_t record_list_child(uint16_t tag)
{
	switch (tag) {
	case WBXML_Calendar_Attendees: return WBXML_Calendar_Attendee;
	case WBXML_Calendar_Exceptions: return WBXML_Calendar_Exception;
	default: return 0;
	}
}

/* Writes one "Name=value" field ("Page:Name=value" for another code page). */
static void write_field(struct wbxml_writer *w, uint16_t parent, const char *s, const char *e)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	ck_assert_msg(eq != NULL, "record property without '=': %.*s", (int)(e - s), s);
	char name[64], page[32];
	ck_assert((size_t)(eq - s) < sizeof(name));
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	const char *colon = strchr(name, ':'), *tag_name = name;
	if (colon != NULL) {
		ck_assert((size_t)(colon - name) < sizeof(page));
		memcpy(page, name, (size_t)(colon - name));
		page[colon - name] = '\0';
		tag_name = colon + 1;
	} else {
		snprintf(page, sizeof(page), "%s", wbxml_page_name(WBXML_TAG_PAGE(parent)));
	}
	uint16_t tag;
	ck_assert_msg(wbxml_tag_lookup(page, tag_name, &tag) == 0, "unknown tag %s", name);
	wbxml_start(w, tag);
	wbxml_strn(w, eq + 1, (size_t)(e - eq - 1));
	wbxml_end(w);
}

/* Writes "a\nb" lines of value, calling back per line. */
static void write_lines(struct wbxml_writer *w, const struct h_prop *p, uint16_t child)
{
	const char *s = p->value, *end = p->value + p->len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl != NULL ? nl : end;
		uint16_t record = record_list_child(p->tag);
		if (record != 0) {
			wbxml_start(w, record);
			for (const char *f = s; f < e;) {
				const char *tab = memchr(f, '\t', (size_t)(e - f));
				const char *fe = tab != NULL ? tab : e;
				write_field(w, p->tag, f, fe);
				f = fe + 1;
			}
			wbxml_end(w);
		} else if (child != 0) {
			wbxml_start(w, child);
			wbxml_strn(w, s, (size_t)(e - s));
			wbxml_end(w);
		} else {
			write_field(w, p->tag, s, e);
		}
		s = e + 1;
	}
}

static void write_props(struct wbxml_writer *w, const struct h_prop *props, size_t count,
			unsigned version, const char *cls)
{
	for (size_t i = 0; i < count; i++) {
		const struct h_prop *p = &props[i];
		uint16_t child = list_child(p->tag);
		if (p->tag == WBXML_AirSyncBase_Body) {
			if (version == 25) {
				wbxml_start(w, strcmp(cls, "Tasks") == 0 ? WBXML_Tasks_Body :
					    strcmp(cls, "Calendar") == 0 ? WBXML_Calendar_Body :
					    WBXML_Contacts_Body);
				wbxml_strn(w, p->value, p->len);
				wbxml_end(w);
			} else {
				wbxml_start(w, WBXML_AirSyncBase_Body);
				wbxml_elem_uint(w, WBXML_AirSyncBase_Type, 1);
				wbxml_start(w, WBXML_AirSyncBase_Data);
				wbxml_strn(w, p->value, p->len);
				wbxml_end(w);
				wbxml_end(w);
			}
		} else if (child != 0 || is_record(p->tag) || record_list_child(p->tag) != 0) {
			wbxml_start(w, p->tag);
			write_lines(w, p, child);
			wbxml_end(w);
		} else if (p->len == 0) {
			wbxml_elem_empty(w, p->tag);
		} else {
			wbxml_start(w, p->tag);
			wbxml_strn(w, p->value, p->len);
			wbxml_end(w);
		}
	}
}

static void write_options(struct wbxml_writer *w, const struct h_collection *c, unsigned version)
{
	bool body = version >= 120 && c->body_type > 0;

	if (c->filter_type < 0 && c->conflict < 0 && !body)
		return;
	wbxml_start(w, WBXML_AirSync_Options);
	if (c->filter_type >= 0)
		wbxml_elem_uint(w, WBXML_AirSync_FilterType, (uint64_t)c->filter_type);
	if (body) {
		wbxml_start(w, WBXML_AirSyncBase_BodyPreference);
		wbxml_elem_uint(w, WBXML_AirSyncBase_Type, c->body_type);
		if (c->truncation_size > 0)
			wbxml_elem_uint(w, WBXML_AirSyncBase_TruncationSize, c->truncation_size);
		wbxml_end(w);
	}
	if (c->conflict >= 0)
		wbxml_elem_uint(w, WBXML_AirSync_Conflict, (uint64_t)c->conflict);
	wbxml_end(w);
}

static void write_commands(struct wbxml_writer *w, const struct h_collection *c, size_t count,
			   unsigned version, const char *cls)
{
	if (count == 0)
		return;
	wbxml_start(w, WBXML_AirSync_Commands);
	for (size_t i = 0; i < count; i++) {
		const struct h_outgoing *o = &c->outbox[i];
		switch (o->kind) {
		case H_CMD_ADD:
			wbxml_start(w, WBXML_AirSync_Add);
			wbxml_elem_str(w, WBXML_AirSync_ClientId, o->id);
			wbxml_start(w, WBXML_AirSync_ApplicationData);
			write_props(w, o->props, o->prop_count, version, cls);
			wbxml_end(w);
			wbxml_end(w);
			break;
		case H_CMD_CHANGE:
			wbxml_start(w, WBXML_AirSync_Change);
			wbxml_elem_str(w, WBXML_AirSync_ServerId, o->id);
			if (o->instance_id != NULL)
				wbxml_elem_str(w, WBXML_AirSyncBase_InstanceId, o->instance_id);
			wbxml_start(w, WBXML_AirSync_ApplicationData);
			write_props(w, o->props, o->prop_count, version, cls);
			wbxml_end(w);
			wbxml_end(w);
			break;
		case H_CMD_DELETE:
		case H_CMD_SOFT_DELETE:
			wbxml_start(w, WBXML_AirSync_Delete);
			wbxml_elem_str(w, WBXML_AirSync_ServerId, o->id);
			if (o->instance_id != NULL)
				wbxml_elem_str(w, WBXML_AirSyncBase_InstanceId, o->instance_id);
			wbxml_end(w);
			break;
		case H_CMD_FETCH:
			wbxml_start(w, WBXML_AirSync_Fetch);
			wbxml_elem_str(w, WBXML_AirSync_ServerId, o->id);
			wbxml_end(w);
			break;
		}
	}
	wbxml_end(w);
}

/* The Sync request for the collections; sent[i] is how many outbox entries go with each. */
static void write_sync(const struct h_device *dev, struct h_collection *const *cols, size_t n,
		       const size_t *sent, unsigned flags, buf *out)
{
	struct wbxml_writer w;
	unsigned version = h_version_number(dev->version);

	wbxml_writer_init(&w, out, version);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	for (size_t i = 0; i < n; i++) {
		const struct h_collection *c = cols[i];
		const char *cls = collection_class(dev, c);
		bool initial = strcmp(c->sync_key, "0") == 0;
		wbxml_start(&w, WBXML_AirSync_Collection);
		/* Class is required on 2.5, allowed on 12.x, gone from 14.0 (MS-ASCMD 2.2.3.27.5). */
		if (version < 140)
			wbxml_elem_str(&w, WBXML_AirSync_Class, cls);
		wbxml_elem_str(&w, WBXML_AirSync_SyncKey, c->sync_key);
		wbxml_elem_str(&w, WBXML_AirSync_CollectionId, c->id);
		if (initial && (c->supported_count > 0 || c->send_supported)) {
			wbxml_start(&w, WBXML_AirSync_Supported);
			for (size_t s = 0; s < c->supported_count; s++)
				wbxml_elem_empty(&w, c->supported[s]);
			wbxml_end(&w);
		}
		if (!initial) {
			if (!c->get_changes_off)
				wbxml_elem_empty(&w, WBXML_AirSync_GetChanges);
			else if (version >= 121)
				wbxml_elem_str(&w, WBXML_AirSync_GetChanges, "0");
		}
		if (c->window_size > 0)
			wbxml_elem_uint(&w, WBXML_AirSync_WindowSize, c->window_size);
		write_options(&w, c, version);
		write_commands(&w, c, sent[i], version, cls);
		wbxml_end(&w);
	}
	wbxml_end(&w);
	if (dev->window_size > 0 && version >= 121)
		wbxml_elem_uint(&w, WBXML_AirSync_WindowSize, dev->window_size);
	if (flags & H_SYNC_PARTIAL)
		wbxml_elem_empty(&w, WBXML_AirSync_Partial);
	wbxml_end(&w);
	finish(&w, "Sync");
}

/* ---- Sync: the answer ---- */

/* The ApplicationData children as properties (containers flattened, see struct h_prop). */
static void appdata_props(pool *p, const struct wbxml_node *appdata, struct h_prop **props,
			  size_t *count)
{
	*props = NULL;
	*count = 0;
	if (appdata == NULL)
		return;
	wbxml_foreach_child(appdata, c) {
		uint16_t tag = c->tag;
		buf v = BUF_INIT;
		size_t len;
		if (tag == WBXML_Contacts_BodySize || tag == WBXML_Contacts_BodyTruncated ||
		    tag == WBXML_Tasks_BodySize || tag == WBXML_Tasks_BodyTruncated ||
		    tag == WBXML_Calendar_BodyTruncated)
			continue;
		if (tag == WBXML_AirSyncBase_Body) {
			const char *t = node_text(p, wbxml_child(c, WBXML_AirSyncBase_Data), &len);
			buf_append(&v, t, len);
		} else if (tag == WBXML_Contacts_Body || tag == WBXML_Tasks_Body ||
			   tag == WBXML_Calendar_Body) {
			const char *t = node_text(p, c, &len);
			buf_append(&v, t, len);
			tag = WBXML_AirSyncBase_Body;
		} else if (c->children != NULL && record_list_child(tag) != 0) {
			for (const struct wbxml_node *k = c->children; k != NULL; k = k->next) {
				if (v.len > 0)
					buf_putc(&v, '\n');
				bool first = true;
				for (const struct wbxml_node *f = k->children; f != NULL; f = f->next) {
					if (f->children != NULL)
						continue;
					const char *name = wbxml_tag_name(f->tag);
					const char *t = node_text(p, f, &len);
					if (!first)
						buf_putc(&v, '\t');
					first = false;
					if (WBXML_TAG_PAGE(f->tag) != WBXML_TAG_PAGE(tag))
						buf_printf(&v, "%s:", wbxml_page_name(WBXML_TAG_PAGE(f->tag)));
					buf_printf(&v, "%s=", name != NULL ? name : "?");
					buf_append(&v, t, len);
				}
			}
		} else if (c->children != NULL) {
			uint16_t child = list_child(tag);
			for (const struct wbxml_node *k = c->children; k != NULL; k = k->next) {
				const char *t = node_text(p, k, &len);
				if (v.len > 0)
					buf_putc(&v, '\n');
				if (child == 0) {
					const char *name = wbxml_tag_name(k->tag);
					buf_printf(&v, "%s=", name != NULL ? name : "?");
				}
				buf_append(&v, t, len);
			}
		} else {
			const char *t = node_text(p, c, &len);
			buf_append(&v, t, len);
		}
		props_set(props, count, tag, v.data != NULL ? v.data : (const unsigned char *)"", v.len);
		buf_free(&v);
	}
}

/* "Tag=value;" for every property, in order, for summaries. */
static void props_text(buf *out, const struct h_prop *props, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const char *name = wbxml_tag_name(props[i].tag);
		buf_printf(out, " %s=", name != NULL ? name : "?");
		if (props[i].len > 64)
			buf_printf(out, "[%zu bytes %.16s...]", props[i].len, props[i].value);
		else
			buf_append(out, props[i].value, props[i].len);
	}
}

struct lines {
	char **v;
	size_t n;
};

static void lines_add(struct lines *l, buf *b)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (char *)buf_detach(b, NULL);
}

static void lines_flush(struct lines *l, buf *out)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str_ptr);
	for (size_t i = 0; i < l->n; i++) {
		buf_printf(out, "%s\n", l->v[i]);
		free(l->v[i]);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const char *kind_name(enum h_cmd_kind k)
{
	switch (k) {
	case H_CMD_ADD: return "Add";
	case H_CMD_CHANGE: return "Change";
	case H_CMD_DELETE: return "Delete";
	case H_CMD_FETCH: return "Fetch";
	case H_CMD_SOFT_DELETE: return "SoftDelete";
	}
	return "?";
}

static bool kind_of(uint16_t tag, enum h_cmd_kind *k)
{
	switch (tag) {
	case WBXML_AirSync_Add: *k = H_CMD_ADD; return true;
	case WBXML_AirSync_Change: *k = H_CMD_CHANGE; return true;
	case WBXML_AirSync_Delete: *k = H_CMD_DELETE; return true;
	case WBXML_AirSync_Fetch: *k = H_CMD_FETCH; return true;
	case WBXML_AirSync_SoftDelete: *k = H_CMD_SOFT_DELETE; return true;
	default: return false;
	}
}

/* What the request sent, per collection, to judge the answer by. */
struct sent_collection {
	struct h_collection *c;
	char *key;           /* the SyncKey sent */
	size_t outbox;       /* outbox entries sent */
};

static bool outbox_sent_add(const struct sent_collection *s, const char *client_id)
{
	for (size_t i = 0; i < s->outbox; i++) {
		if (s->c->outbox[i].kind == H_CMD_ADD && strcmp(s->c->outbox[i].id, client_id) == 0)
			return true;
	}
	return false;
}

/* One Collection of an answer being read. */
struct coll_read {
	struct h_device *dev;
	struct h_sync_result *res;
	struct h_coll_result *cr;
	struct h_collection *c;
	struct sent_collection *s;   /* what the request sent for it, NULL for an empty request */
	bool apply;                  /* Status 1 and the answer not lost: the phone applies it */
	struct lines lines;          /* of the summary */
};

/* Gives the item the properties (taking them over). */
static void item_take_props(struct h_item *item, struct h_prop **props, size_t *count)
{
	props_free(item->props, item->prop_count);
	item->props = *props;
	item->prop_count = *count;
	*props = NULL;
	*count = 0;
}

/* Applies one server command (Add, Change, Delete, SoftDelete) to the view. */
static void apply_command(struct coll_read *cx, enum h_cmd_kind kind, const char *sid,
			  struct h_prop **props, size_t *count)
{
	struct h_item *item = view_find(cx->c, sid);

	switch (kind) {
	case H_CMD_ADD:
		cx->cr->adds++;
		if (!cx->apply)
			return;
		if (item != NULL) {
			ck_assert_msg(cx->dev->tolerate_duplicates, "%s: Sync sent an Add of %s, which "
				      "the phone holds already (duplicate):\n%s", cx->dev->device_id, sid,
				      cx->res->xml);
		} else {
			item = view_append(cx->c);
			item->server_id = xstrdup(sid);
		}
		item_take_props(item, props, count);
		return;
	case H_CMD_CHANGE:
		cx->cr->changes++;
		if (!cx->apply)
			return;
		if (item == NULL)
			cx->cr->unknown++;
		else
			item_take_props(item, props, count);
		return;
	case H_CMD_DELETE:
	case H_CMD_SOFT_DELETE:
		if (kind == H_CMD_DELETE)
			cx->cr->deletes++;
		else
			cx->cr->soft_deletes++;
		if (cx->apply && !view_remove(cx->c, sid))
			cx->cr->unknown++;
		return;
	case H_CMD_FETCH:
		return;
	}
}

static void read_commands(struct coll_read *cx, const struct wbxml_node *commands)
{
	wbxml_foreach_child(commands, k) {
		enum h_cmd_kind kind;
		if (!kind_of(k->tag, &kind) || kind == H_CMD_FETCH)
			continue;
		const char *sid = wbxml_child_str(k, WBXML_AirSync_ServerId);
		ck_assert_msg(sid != NULL && *sid != '\0', "Sync: a %s without ServerId:\n%s",
			      kind_name(kind), cx->res->xml);
		struct h_prop *props = NULL;
		size_t count = 0;
		appdata_props(cx->res->pool, wbxml_child(k, WBXML_AirSync_ApplicationData), &props, &count);
		buf line = BUF_INIT;
		buf_printf(&line, "%s %s", kind_name(kind), sid);
		props_text(&line, props, count);
		lines_add(&cx->lines, &line);
		cx->cr->commands++;
		apply_command(cx, kind, sid, &props, &count);
		props_free(props, count);
	}
}

/* Applies the answer to one of the phone's commands: an Add's ServerId, a Fetch's data. */
static void apply_response(struct coll_read *cx, const struct h_cmd_response *r,
			   struct h_prop **props, size_t *count)
{
	const char *xml = cx->res->xml;

	if (r->kind == H_CMD_ADD && cx->s != NULL)
		ck_assert_msg(outbox_sent_add(cx->s, r->id), "Sync: a response to Add %s, which the "
			      "phone did not send:\n%s", r->id, xml);
	if (!cx->apply || r->status != 1)
		return;
	if (r->kind == H_CMD_ADD) {
		ck_assert_msg(r->server_id != NULL && *r->server_id != '\0',
			      "Sync: Add %s answered Status 1 without ServerId:\n%s", r->id, xml);
		struct h_item *item = view_find_client(cx->c, r->id);
		if (item == NULL)
			return;  /* the phone deleted it meanwhile */
		struct h_item *other = view_find(cx->c, r->server_id);
		ck_assert_msg(other == NULL || other == item || cx->dev->tolerate_duplicates,
			      "%s: Add %s got ServerId %s, which the phone holds for another item:\n%s",
			      cx->dev->device_id, r->id, r->server_id, xml);
		set_str(&item->server_id, r->server_id);
	} else if (r->kind == H_CMD_FETCH && r->server_id != NULL) {
		struct h_item *item = view_find(cx->c, r->server_id);
		if (item != NULL)
			item_take_props(item, props, count);
	}
}

static void read_responses(struct coll_read *cx, const struct wbxml_node *responses)
{
	struct h_coll_result *cr = cx->cr;
	size_t n = 0;

	ck_assert_msg(responses->children != NULL, "Sync: an empty Responses element (Q-MS-5):\n%s",
		      cx->res->xml);
	wbxml_foreach_child(responses, k)
		n++;
	cr->responses = pool_calloc(cx->res->pool, n, sizeof(*cr->responses));
	wbxml_foreach_child(responses, k) {
		enum h_cmd_kind kind;
		if (!kind_of(k->tag, &kind))
			continue;
		struct h_cmd_response *r = &cr->responses[cr->response_count++];
		r->kind = kind;
		r->status = h_wbxml_status(k);
		r->server_id = wbxml_child_str(k, WBXML_AirSync_ServerId);
		r->id = kind == H_CMD_ADD ? wbxml_child_str(k, WBXML_AirSync_ClientId) : r->server_id;
		ck_assert_msg(r->id != NULL, "Sync: a %s response without %s:\n%s", kind_name(kind),
			      kind == H_CMD_ADD ? "ClientId" : "ServerId", cx->res->xml);
		struct h_prop *props = NULL;
		size_t count = 0;
		appdata_props(cx->res->pool, wbxml_child(k, WBXML_AirSync_ApplicationData), &props, &count);
		buf line = BUF_INIT;
		buf_printf(&line, "Response %s %s -> %s status %d", kind_name(kind), r->id,
			   r->server_id != NULL ? r->server_id : "-", r->status);
		props_text(&line, props, count);
		lines_add(&cx->lines, &line);
		apply_response(cx, r, &props, &count);
		props_free(props, count);
	}
}

/* The checks every collection of an answer passes, then the new key and the outbox. */
static void finish_collection(struct coll_read *cx)
{
	struct h_coll_result *cr = cx->cr;
	struct h_collection *c = cx->c;
	struct sent_collection *s = cx->s;
	const char *xml = cx->res->xml;

	/* Q-SYNC-5: every MoreAvailable answer carries at least one command; WindowSize holds. */
	ck_assert_msg(!cr->more_available || cr->commands > 0,
		      "Sync: MoreAvailable without a command in collection %s (Q-SYNC-5):\n%s",
		      cr->collection_id, xml);
	if (c->window_size > 0 && c->window_size <= 512)
		ck_assert_msg(cr->commands <= c->window_size, "Sync: %u commands for WindowSize %u:\n%s",
			      cr->commands, c->window_size, xml);
	ck_assert_msg(cr->commands <= 512, "Sync: %u commands in one answer (more than 512)", cr->commands);
	if (!cx->apply)
		return;
	ck_assert_msg(cr->sync_key != NULL && *cr->sync_key != '\0' && strcmp(cr->sync_key, "0") != 0,
		      "Sync: Status 1 without a new SyncKey for %s:\n%s", cr->collection_id, xml);
	if (s != NULL && strcmp(s->key, "0") != 0 && cr->more_available)
		ck_assert_msg(strcmp(cr->sync_key, s->key) != 0, "Sync: MoreAvailable with the same "
			      "SyncKey %s (Q-SYNC-5):\n%s", s->key, xml);
	set_str(&c->sync_key, cr->sync_key);
	if (s != NULL && s->outbox > 0) {
		for (size_t i = 0; i < s->outbox; i++)
			outgoing_free(&c->outbox[i]);
		memmove(c->outbox, c->outbox + s->outbox, (c->outbox_count - s->outbox) * sizeof(*c->outbox));
		c->outbox_count -= s->outbox;
		s->outbox = 0;
	}
}

/* Reads one Collection of the answer into the next result and the summary; applies it to
 * the phone when apply and its Status is 1. Protocol violations fail the test. */
static void read_collection(struct h_device *dev, struct h_sync_result *res,
			    const struct wbxml_node *cn, struct sent_collection *sent, size_t sent_n,
			    bool any_collection, bool apply, buf *summary)
{
	struct coll_read cx = { .dev = dev, .res = res, .cr = &res->coll[res->coll_count++] };
	struct h_coll_result *cr = cx.cr;

	cr->collection_id = wbxml_child_str(cn, WBXML_AirSync_CollectionId);
	cr->sync_key = wbxml_child_str(cn, WBXML_AirSync_SyncKey);
	cr->status = h_wbxml_status(cn);
	cr->more_available = wbxml_child(cn, WBXML_AirSync_MoreAvailable) != NULL;
	ck_assert_msg(cr->collection_id != NULL, "Sync: a Collection without CollectionId:\n%s", res->xml);
	for (size_t i = 0; i < sent_n; i++) {
		if (strcmp(sent[i].c->id, cr->collection_id) == 0)
			cx.s = &sent[i];
	}
	ck_assert_msg(cx.s != NULL || any_collection, "Sync: an answer for collection %s, which the "
		      "phone did not send:\n%s", cr->collection_id, res->xml);
	cx.c = cx.s != NULL ? cx.s->c : h_dev_collection(dev, cr->collection_id);
	cx.apply = apply && cr->status == 1;
	if (cx.apply && cx.s != NULL && strcmp(cx.s->key, "0") == 0)
		collection_restart(cx.c);

	struct wbxml_node *commands = wbxml_child(cn, WBXML_AirSync_Commands);
	if (commands != NULL)
		read_commands(&cx, commands);
	struct wbxml_node *responses = wbxml_child(cn, WBXML_AirSync_Responses);
	if (responses != NULL)
		read_responses(&cx, responses);
	buf_printf(summary, "Collection %s status %d%s\n", cr->collection_id, cr->status,
		   cr->more_available ? " MoreAvailable" : "");
	lines_flush(&cx.lines, summary);
	finish_collection(&cx);
}

void h_sync_result_free(struct h_sync_result *res)
{
	if (res->pool != NULL)
		pool_free(&res->pool);
	memset(res, 0, sizeof(*res));
}

int h_sync_status(const struct h_sync_result *res)
{
	if (res->status >= 0)
		return res->status;
	return res->coll_count > 0 ? res->coll[0].status : -1;
}

const struct h_cmd_response *h_sync_response(const struct h_sync_result *res, enum h_cmd_kind kind,
					     const char *id)
{
	for (size_t i = 0; i < res->coll_count; i++) {
		for (size_t j = 0; j < res->coll[i].response_count; j++) {
			const struct h_cmd_response *r = &res->coll[i].responses[j];
			if (r->kind == kind && strcmp(r->id, id) == 0)
				return r;
		}
	}
	return NULL;
}

/* Everything of a Sync but the HTTP exchange: the request into body, then (answer) the
 * decoded answer read and applied. */
struct sync_call {
	struct sent_collection sent[H_MAX_SYNC_COLLECTIONS];
	size_t n;
	unsigned flags;
};

static void sync_prepare(struct h_device *dev, const char *const *ids, size_t n, unsigned flags,
			 struct h_sync_result *res, struct sync_call *call, buf *body)
{
	struct h_collection *cols[H_MAX_SYNC_COLLECTIONS];
	size_t sent_out[H_MAX_SYNC_COLLECTIONS];

	ck_assert(n <= H_MAX_SYNC_COLLECTIONS);
	memset(res, 0, sizeof(*res));
	res->pool = pool_new(16384);
	res->status = -1;
	call->n = n;
	call->flags = flags;
	for (size_t i = 0; i < n; i++) {
		cols[i] = h_dev_collection(dev, ids[i]);
		call->sent[i].c = cols[i];
		call->sent[i].key = xstrdup(cols[i]->sync_key);
		/* Q-SYNC-4: no commands with SyncKey 0. */
		call->sent[i].outbox = (flags & H_SYNC_NO_COMMANDS) || strcmp(cols[i]->sync_key, "0") == 0 ?
			0 : cols[i]->outbox_count;
		sent_out[i] = call->sent[i].outbox;
	}
	if (!(flags & H_SYNC_EMPTY_BODY))
		write_sync(dev, cols, n, sent_out, flags, body);
}

static void sync_answer(struct h_device *dev, struct h_sync_result *res, struct sync_call *call,
			const struct wbxml_node *root)
{
	buf summary = BUF_INIT;

	res->xml = h_wbxml_xml(res->pool, root);
	res->empty = res->http == 200 && root == NULL;
	if (root != NULL) {
		ck_assert_msg(root->tag == WBXML_AirSync_Sync, "Sync answered with another root:\n%s", res->xml);
		res->status = h_wbxml_status(root);
		buf_printf(&summary, "Sync status %d\n", res->status);
		struct wbxml_node *collections = wbxml_child(root, WBXML_AirSync_Collections);
		if (collections != NULL) {
			ck_assert_msg(collections->children != NULL,
				      "Sync: a Collections element without Collection (Q-SYNC-6):\n%s", res->xml);
			wbxml_foreach_child(collections, cn) {
				if (cn->tag != WBXML_AirSync_Collection)
					continue;
				ck_assert_msg(res->coll_count < H_MAX_SYNC_COLLECTIONS, "too many collections");
				/* Empty and Partial requests are answered for the cached
				 * collections too. */
				read_collection(dev, res, cn, call->sent, call->n,
						(call->flags & (H_SYNC_EMPTY_BODY | H_SYNC_PARTIAL)) != 0,
						res->http == 200 && !(call->flags & H_SYNC_LOSE), &summary);
			}
		}
	}
	if (dev->window_size > 0 && dev->window_size <= 512) {
		unsigned total = 0;
		for (size_t i = 0; i < res->coll_count; i++)
			total += res->coll[i].commands;
		ck_assert_msg(total <= dev->window_size, "Sync: %u commands for the request's WindowSize "
			      "%u:\n%s", total, dev->window_size, res->xml);
	}
	res->summary = pool_strndup(res->pool, buf_cstr(&summary), summary.len);
	buf_free(&summary);
	for (size_t i = 0; i < call->n; i++)
		free(call->sent[i].key);
}

long h_dev_sync_multi(struct h_env *env, struct h_device *dev, const char *const *ids, size_t n,
		      unsigned flags, struct h_sync_result *res)
{
	struct sync_call call;
	buf body = BUF_INIT;
	struct wbxml_node *root;

	sync_prepare(dev, ids, n, flags, res, &call, &body);
	res->http = dev_exchange(env, dev, "Sync", &body, res->pool, &root);
	buf_free(&body);
	sync_answer(dev, res, &call, root);
	return res->http;
}

void h_dev_sync_canned(struct h_device *dev, const char *const *ids, size_t n, unsigned flags,
		       const void *answer, size_t len, buf *request, struct h_sync_result *res)
{
	struct sync_call call;
	struct wbxml_node *root = NULL;
	const char *error;

	sync_prepare(dev, ids, n, flags, res, &call, request);
	res->http = 200;
	if (len > 0)
		ck_assert_msg(wbxml_decode(res->pool, answer, len, NULL, &root, &error) == 0,
			      "canned answer: %s", error);
	sync_answer(dev, res, &call, root);
}

long h_dev_sync(struct h_env *env, struct h_device *dev, const char *collection_id, unsigned flags,
		struct h_sync_result *res)
{
	const char *ids[1] = { collection_id };

	return h_dev_sync_multi(env, dev, ids, 1, flags, res);
}

void h_dev_sync_all(struct h_env *env, struct h_device *dev, const char *collection_id,
		    struct h_sync_all *out)
{
	struct h_sync_all local;
	struct h_sync_result res;

	if (out == NULL)
		out = &local;
	memset(out, 0, sizeof(*out));
	bool more = true;
	while (more) {
		ck_assert_msg(out->rounds < SYNC_ALL_MAX_ROUNDS, "%s: %s still MoreAvailable after %u Syncs",
			      dev->device_id, collection_id, out->rounds);
		bool initial = strcmp(h_device_sync_key(dev, collection_id), "0") == 0;
		h_dev_sync(env, dev, collection_id, 0, &res);
		out->rounds++;
		/* 12.1+: an empty body says that nothing changed (Q-SYNC-6). */
		out->status = res.empty ? 1 : h_sync_status(&res);
		if (res.empty) {
			ck_assert_msg(!initial, "%s: empty answer to SyncKey 0", dev->device_id);
			h_sync_result_free(&res);
			break;
		}
		ck_assert_msg(res.http == 200 && out->status == 1 && res.coll_count == 1,
			      "%s: Sync of %s (round %u): HTTP %ld, Status %d\n%s", dev->device_id,
			      collection_id, out->rounds, res.http, out->status, res.xml);
		const struct h_coll_result *cr = &res.coll[0];
		out->adds += cr->adds;
		out->changes += cr->changes;
		out->deletes += cr->deletes;
		out->soft_deletes += cr->soft_deletes;
		if (cr->commands > out->max_commands)
			out->max_commands = cr->commands;
		/* After SyncKey 0 the phone asks again for the items (MS-ASCMD 4.5.1). */
		more = initial || cr->more_available ||
		       (h_dev_collection(dev, collection_id)->outbox_count > 0);
		h_sync_result_free(&res);
	}
}

/* ---- GetItemEstimate ---- */

int h_dev_estimate(struct h_env *env, struct h_device *dev, const char *collection_id,
		   uint64_t *estimate_r, long *http_r)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	struct wbxml_node *root;
	pool *p = pool_new(2048);
	unsigned version = h_version_number(dev->version);
	struct h_collection *c = h_dev_collection(dev, collection_id);

	if (estimate_r != NULL)
		*estimate_r = 0;
	wbxml_writer_init(&w, &body, version);
	wbxml_start(&w, WBXML_GetItemEstimate_GetItemEstimate);
	wbxml_start(&w, WBXML_GetItemEstimate_Collections);
	wbxml_start(&w, WBXML_GetItemEstimate_Collection);
	if (version < 140) {
		/* 2.5 and 12.x: Class, CollectionId, FilterType, SyncKey (MS-ASCMD 6.20). */
		wbxml_elem_str(&w, WBXML_GetItemEstimate_Class, collection_class(dev, c));
		wbxml_elem_str(&w, WBXML_GetItemEstimate_CollectionId, c->id);
		wbxml_elem_uint(&w, WBXML_AirSync_FilterType, c->filter_type >= 0 ? (uint64_t)c->filter_type : 0);
		wbxml_elem_str(&w, WBXML_AirSync_SyncKey, c->sync_key);
	} else {
		wbxml_elem_str(&w, WBXML_AirSync_SyncKey, c->sync_key);
		wbxml_elem_str(&w, WBXML_GetItemEstimate_CollectionId, c->id);
		if (c->filter_type >= 0) {
			wbxml_start(&w, WBXML_AirSync_Options);
			wbxml_elem_uint(&w, WBXML_AirSync_FilterType, (uint64_t)c->filter_type);
			wbxml_end(&w);
		}
	}
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	finish(&w, "GetItemEstimate");
	long http = dev_exchange(env, dev, "GetItemEstimate", &body, p, &root);
	buf_free(&body);
	if (http_r != NULL)
		*http_r = http;
	int status = -1;
	if (root != NULL) {
		ck_assert_msg(root->tag == WBXML_GetItemEstimate_GetItemEstimate,
			      "GetItemEstimate answered with another root:\n%s", h_wbxml_xml(p, root));
		struct wbxml_node *resp = wbxml_child(root, WBXML_GetItemEstimate_Response);
		status = resp != NULL ? h_wbxml_status(resp) : h_wbxml_status(root);
		struct wbxml_node *est = h_wbxml_path(resp, WBXML_GetItemEstimate_Collection,
						      WBXML_GetItemEstimate_Estimate, 0);
		if (est != NULL && estimate_r != NULL) {
			const char *error;
			ck_assert_msg(wbxml_node_uint(est, UINT32_MAX, estimate_r, &error) == 0,
				      "GetItemEstimate: bad Estimate: %s", error);
		}
	}
	pool_free(&p);
	return status;
}

/* ---- data ---- */

const char *h_write_vcards(struct h_env *env, const char *name, const char *prefix, unsigned count)
{
	buf b = BUF_INIT;

	for (unsigned i = 1; i <= count; i++) {
		buf_printf(&b, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s-%u@e2e\r\n"
			   "FN:%s %u\r\nN:%s;%s %u;;;\r\nEMAIL;TYPE=INTERNET:%s.%u@example.com\r\n"
			   "TEL;TYPE=CELL:+1555%07u\r\nEND:VCARD\r\n",
			   prefix, i, prefix, i, prefix, prefix, i, prefix, i, i);
	}
	const char *path = h_env_write_file(env, name, buf_cstr(&b));
	buf_free(&b);
	return path;
}
