/* test-sync.h: helpers of the Sync unit tests (test-sync*.c): a store on a temporary
 * directory with one user and its devices, requests built with the WBXML writer and run
 * through the command handlers, responses decoded and walked. Header-only so that each test
 * file stays one binary. */
#ifndef EASD_TEST_SYNC_H
#define EASD_TEST_SYNC_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eas/eas.h"
#include "eas/sync-engine.h"
#include "eas/sync-quirks.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "pim/pim.h"
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-sync.h"
#include "wbxml/wbxml.h"

eas_command_fn eas_cmd_sync;
eas_command_fn eas_cmd_getitemestimate;

#define TS_HASH "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$fakehashfortests"

static char ts_base_dir[256];
/* The request time of ts_run (tests of time windows move it). */
static int64_t ts_now = 1700000000;

static int ts_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void ts_base_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(ts_base_dir, sizeof(ts_base_dir), "%s/easd-test-sync-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(ts_base_dir) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
}

static inline void ts_base_teardown(void)
{
	nftw(ts_base_dir, ts_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* One device of the user as the server knows it. */
struct ts_device {
	const char *device_id;
	const char *device_type;
	const char *user_agent;
	int64_t row;
	int version;
};

struct ts {
	struct store *store;
	pool *p;                       /* lives for the whole test */
	struct store_user user;
	struct store_folder contacts, tasks, inbox;
	struct ts_device a, b;
	unsigned http;                 /* of the last request */
	size_t body_len;               /* of the last response */
};

static inline int64_t ts_device_row(struct ts *t, const char *device_id)
{
	struct store_device *devs;
	size_t n;
	const char *error = NULL;

	ck_assert_int_eq(store_device_touch(t->store, t->user.id, device_id, "Phone", "UA/1", 1000,
					    &error), STORE_OK);
	ck_assert_int_eq(store_device_list(t->store, t->p, t->user.id, &devs, &n, &error),
			 STORE_OK);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(devs[i].device_id, device_id) == 0)
			return devs[i].id;
	}
	ck_abort_msg("no device %s", device_id);
	return 0;
}

/* A fresh store with user mike@ox.io and devices A and B speaking version. */
static inline void ts_open(struct ts *t, int version)
{
	char dir[512];
	const char *error = NULL;

	memset(t, 0, sizeof(*t));
	/* Each test runs in its own forked process: a counter would repeat, mkdtemp not. */
	snprintf(dir, sizeof(dir), "%s/dbXXXXXX", ts_base_dir);
	if (mkdtemp(dir) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	t->p = pool_new(0);
	ck_assert_msg(store_open(dir, &t->store, &error) == STORE_OK, "%s", error);
	ck_assert_int_eq(store_context_add(t->store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(t->store, "ox.io", "mike", TS_HASH, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_get(t->store, t->p, "ox.io", "mike", &t->user, &error),
			 STORE_OK);
	ck_assert_int_eq(store_folder_get_default(t->store, t->p, t->user.id,
						  STORE_FOLDER_CONTACTS, &t->contacts, &error),
			 STORE_OK);
	ck_assert_int_eq(store_folder_get_default(t->store, t->p, t->user.id, STORE_FOLDER_TASKS,
						  &t->tasks, &error), STORE_OK);
	ck_assert_int_eq(store_folder_get_default(t->store, t->p, t->user.id, STORE_FOLDER_INBOX,
						  &t->inbox, &error), STORE_OK);
	t->a = (struct ts_device){ "DEVA", "Android", "Android/5.0.1-EAS-2.0", 0, version };
	t->b = (struct ts_device){ "DEVB", "iPhone", "Apple-iPhone14C2/2006.75", 0, version };
	t->a.row = ts_device_row(t, "DEVA");
	t->b.row = ts_device_row(t, "DEVB");
	sync_test_set_time_budget(SYNC_TIME_BUDGET_MS);
	sync_quirk_test_set_unknown_collection_status(0);
	sync_quirk_test_set_estimate_tolerant(-1);
}

static inline void ts_close(struct ts *t)
{
	store_close(&t->store);
	pool_free(&t->p);
}

/* ---- Requests ---- */

/* Runs handler for dev with body (may be empty); returns the decoded response root, NULL
 * for an empty body (t->http and t->body_len tell the rest). */
static inline struct wbxml_node *ts_run(struct ts *t, eas_command_fn *handler,
					const struct ts_device *dev, const buf *body)
{
	struct eas_request req;
	struct eas_response resp;
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	memset(&req, 0, sizeof(req));
	req.pool = t->p;
	req.store = t->store;
	req.version = dev->version;
	req.user = &t->user;
	req.device_row_id = dev->row;
	req.device_id = dev->device_id;
	req.device_type = dev->device_type;
	req.user_agent = dev->user_agent;
	req.body = body != NULL && body->len > 0 ? body->data : (const unsigned char *)"";
	req.body_len = body != NULL ? body->len : 0;
	req.body_is_wbxml = req.body_len > 0;
	req.now = ts_now;
	eas_response_init(&resp);
	ck_assert_int_eq(handler(&req, &resp), EAS_DONE);
	t->http = resp.http_status;
	t->body_len = resp.body.len;
	if (resp.body.len > 0) {
		if (wbxml_decode(t->p, resp.body.data, resp.body.len, NULL, &root, &error) < 0)
			ck_abort_msg("response does not decode: %s", error);
	}
	eas_response_free(&resp);
	return root;
}

/* A request being written: ts_begin, then wbxml_* calls on .w, then ts_sync/ts_estimate. */
struct ts_req {
	buf body;
	struct wbxml_writer w;
};

static inline void ts_begin(struct ts_req *r)
{
	buf_init(&r->body);
	wbxml_writer_init(&r->w, &r->body, 0);
}

static inline struct wbxml_node *ts_send(struct ts *t, eas_command_fn *handler,
					 const struct ts_device *dev, struct ts_req *r)
{
	const char *error = NULL;
	ck_assert_int_eq(wbxml_writer_finish(&r->w, &error), 0);
	struct wbxml_node *root = ts_run(t, handler, dev, &r->body);
	buf_free(&r->body);
	return root;
}

/* Starts <Sync><Collections><Collection> with key and id (the caller adds more and ends it
 * with ts_end_collection). */
static inline void ts_collection(struct ts_req *r, const char *key, const char *id)
{
	wbxml_start(&r->w, WBXML_AirSync_Collection);
	if (key != NULL)
		wbxml_elem_str(&r->w, WBXML_AirSync_SyncKey, key);
	if (id != NULL)
		wbxml_elem_str(&r->w, WBXML_AirSync_CollectionId, id);
}

static inline void ts_sync_begin(struct ts_req *r)
{
	ts_begin(r);
	wbxml_start(&r->w, WBXML_AirSync_Sync);
	wbxml_start(&r->w, WBXML_AirSync_Collections);
}

/* Ends Collections and Sync. */
static inline void ts_sync_end(struct ts_req *r)
{
	wbxml_end(&r->w);
	wbxml_end(&r->w);
}

/* The simplest Sync of one collection: key, id, WindowSize (0: none), GetChanges absent. */
static inline struct wbxml_node *ts_sync(struct ts *t, const struct ts_device *dev,
					 const char *key, const char *id, unsigned window)
{
	struct ts_req r;
	ts_sync_begin(&r);
	ts_collection(&r, key, id);
	if (window > 0)
		wbxml_elem_uint(&r.w, WBXML_AirSync_WindowSize, window);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	return ts_send(t, eas_cmd_sync, dev, &r);
}

/* ---- Items ---- */

/* ApplicationData of a contact with FirstName/LastName (and more pairs tag, value). */
static inline void ts_contact_appdata(struct wbxml_writer *w, const char *first,
				      const char *last)
{
	wbxml_start(w, WBXML_AirSync_ApplicationData);
	if (first != NULL)
		wbxml_elem_str(w, WBXML_Contacts_FirstName, first);
	if (last != NULL)
		wbxml_elem_str(w, WBXML_Contacts_LastName, last);
	wbxml_end(w);
}

/* Stores an item on the server's side (as easctl import does: origin 0). */
static inline struct store_item ts_server_add(struct ts *t, const struct store_folder *folder,
					      enum store_class cls, const buf *appdata_doc)
{
	struct wbxml_node *root;
	struct store_item in, out;
	const char *error = NULL;

	if (wbxml_decode(t->p, appdata_doc->data, appdata_doc->len, NULL, &root, &error) < 0)
		ck_abort_msg("%s", error);
	ck_assert_msg(pim_item_encode_new(t->p, cls, root, &in, &error) == 0, "%s", error);
	ck_assert_msg(store_item_add(t->store, t->p, t->user.id, folder->server_id, &in, 0, &out,
				     &error) == STORE_OK, "%s", error);
	return out;
}

static inline struct store_item ts_server_contact(struct ts *t, const char *first,
						  const char *last)
{
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	wbxml_writer_init(&w, &b, 0);
	ts_contact_appdata(&w, first, last);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct store_item item = ts_server_add(t, &t->contacts, STORE_CLASS_CONTACTS, &b);
	buf_free(&b);
	return item;
}

static inline struct store_item ts_server_task(struct ts *t, const char *subject, bool complete)
{
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&w, WBXML_Tasks_Subject, subject);
	wbxml_elem_str(&w, WBXML_Tasks_Complete, complete ? "1" : "0");
	if (complete)
		wbxml_elem_str(&w, WBXML_Tasks_DateCompleted, "2023-01-01T00:00:00.000Z");
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct store_item item = ts_server_add(t, &t->tasks, STORE_CLASS_TASKS, &b);
	buf_free(&b);
	return item;
}

/* Changes an item on the server's side with a new ApplicationData document. */
static inline void ts_server_update(struct ts *t, enum store_class cls, const char *server_id,
				    const buf *appdata_doc)
{
	struct wbxml_node *root;
	struct store_item in, out;
	const char *error = NULL;

	if (wbxml_decode(t->p, appdata_doc->data, appdata_doc->len, NULL, &root, &error) < 0)
		ck_abort_msg("%s", error);
	ck_assert_msg(pim_item_encode_new(t->p, cls, root, &in, &error) == 0, "%s", error);
	ck_assert_msg(store_item_update(t->store, t->p, t->user.id, server_id, &in, 0, &out,
					&error) == STORE_OK, "%s", error);
}

static inline uint64_t ts_count(struct ts *t, const struct store_folder *folder)
{
	uint64_t n = 0;
	const char *error = NULL;
	ck_assert_int_eq(store_folder_item_count(t->store, folder->id, &n, &error), STORE_OK);
	return n;
}

/* ---- Responses ---- */

/* The Collection of the response for id, or NULL. */
static inline struct wbxml_node *ts_coll(struct wbxml_node *root, const char *id)
{
	ck_assert_ptr_nonnull(root);
	struct wbxml_node *cols = wbxml_child(root, WBXML_AirSync_Collections);
	if (cols == NULL)
		return NULL;
	for (struct wbxml_node *c = wbxml_child(cols, WBXML_AirSync_Collection); c != NULL;
	     c = wbxml_next_same(c)) {
		const char *cid = wbxml_child_str(c, WBXML_AirSync_CollectionId);
		if (cid != NULL && strcmp(cid, id) == 0)
			return c;
	}
	return NULL;
}

static inline int ts_int(const struct wbxml_node *node, uint16_t tag)
{
	uint64_t v = 0;
	const char *error;
	ck_assert_ptr_nonnull(node);
	if (wbxml_child_uint(node, tag, 1u << 30, &v, &error) != 0)
		ck_abort_msg("no number %s", wbxml_tag_name(tag));
	return (int)v;
}

/* The key of a collection, copied into the test pool. */
static inline const char *ts_key(struct ts *t, struct wbxml_node *coll)
{
	ck_assert_ptr_nonnull(coll);
	const char *k = wbxml_child_str(coll, WBXML_AirSync_SyncKey);
	ck_assert_ptr_nonnull(k);
	return pool_strdup(t->p, k);
}

/* Number of children with tag below Commands (or Responses). */
static inline size_t ts_count_in(const struct wbxml_node *coll, uint16_t container,
				 uint16_t tag)
{
	const struct wbxml_node *c = wbxml_child(coll, container);
	size_t n = 0;
	if (c == NULL)
		return 0;
	wbxml_foreach_child(c, x)
		n += x->tag == tag;
	return n;
}

/* The n-th child with tag below container. */
static inline struct wbxml_node *ts_nth(const struct wbxml_node *coll, uint16_t container,
					uint16_t tag, size_t n)
{
	const struct wbxml_node *c = wbxml_child(coll, container);
	if (c == NULL)
		return NULL;
	wbxml_foreach_child(c, x) {
		if (x->tag == tag && n-- == 0)
			return x;
	}
	return NULL;
}

/* A property of a command's ApplicationData. */
static inline const char *ts_prop(const struct wbxml_node *cmd, uint16_t tag)
{
	const struct wbxml_node *ad = wbxml_child(cmd, WBXML_AirSync_ApplicationData);
	return ad == NULL ? NULL : wbxml_child_str(ad, tag);
}

#endif
