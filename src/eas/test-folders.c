/* Unit tests of FolderSync, FolderCreate, FolderUpdate and FolderDelete (cmd-folder*.c,
 * folder-hierarchy.c). */
#include "eas/test-eas-env.h"
#include "store/store-sync.h"

#define FH(name) WBXML_FolderHierarchy_##name

static const int all_versions[] = { EAS_VERSION_25, EAS_VERSION_120, EAS_VERSION_121,
				    EAS_VERSION_140, EAS_VERSION_141, EAS_VERSION_160,
				    EAS_VERSION_161 };

/* A bench without provisioning (the handshake is test-provision.c's), and a phone. */
static void open_bench(struct tenv *t, const char *name, struct tphone *ph, int version)
{
	struct store_context ctx;
	const char *error = NULL;
	struct store_policy_value off = { "provisioning", "0" };

	tenv_open(t, name);
	ck_assert_int_eq(store_context_get(t->store, t->pool, "ox.io", &ctx, &error), STORE_OK);
	ck_assert_int_eq(store_policy_set(t->store, ctx.id, &off, 1, &error), STORE_OK);
	ck_assert_int_eq(store_context_get(t->store, t->pool, "other.io", &ctx, &error), STORE_OK);
	ck_assert_int_eq(store_policy_set(t->store, ctx.id, &off, 1, &error), STORE_OK);
	tphone_init(ph, t, "PHONE1", version);
}

/* ---- Requests: each returns the answer's root ---- */

static struct wbxml_node *run(struct tenv *t, const struct tphone *ph, const char *cmd,
			      uint16_t root, buf *body)
{
	tenv_run(t, ph, cmd, body);
	buf_free(body);
	ck_assert_uint_eq(t->resp.http_status, 200);
	return tenv_answer(t, root);
}

static struct wbxml_node *folder_sync(struct tenv *t, const struct tphone *ph, const char *key)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;

	tenv_body(&w, &body, ph->version);
	wbxml_start(&w, FH(FolderSync));
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_end(&w);
	tenv_body_end(&w);
	return run(t, ph, "FolderSync", FH(FolderSync), &body);
}

static struct wbxml_node *folder_create(struct tenv *t, const struct tphone *ph, const char *key,
					const char *parent, const char *name, int type)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;

	tenv_body(&w, &body, ph->version);
	wbxml_start(&w, FH(FolderCreate));
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_elem_str(&w, FH(ParentId), parent);
	wbxml_elem_str(&w, FH(DisplayName), name);
	wbxml_elem_uint(&w, FH(Type), (uint64_t)type);
	wbxml_end(&w);
	tenv_body_end(&w);
	return run(t, ph, "FolderCreate", FH(FolderCreate), &body);
}

static struct wbxml_node *folder_update(struct tenv *t, const struct tphone *ph, const char *key,
					const char *server_id, const char *parent,
					const char *name)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;

	tenv_body(&w, &body, ph->version);
	wbxml_start(&w, FH(FolderUpdate));
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_elem_str(&w, FH(ServerId), server_id);
	wbxml_elem_str(&w, FH(ParentId), parent);
	wbxml_elem_str(&w, FH(DisplayName), name);
	wbxml_end(&w);
	tenv_body_end(&w);
	return run(t, ph, "FolderUpdate", FH(FolderUpdate), &body);
}

static struct wbxml_node *folder_delete(struct tenv *t, const struct tphone *ph, const char *key,
					const char *server_id)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;

	tenv_body(&w, &body, ph->version);
	wbxml_start(&w, FH(FolderDelete));
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_elem_str(&w, FH(ServerId), server_id);
	wbxml_end(&w);
	tenv_body_end(&w);
	return run(t, ph, "FolderDelete", FH(FolderDelete), &body);
}

static int status_of(const struct wbxml_node *root)
{
	return (int)tenv_uint(root, FH(Status));
}

/* The Changes of a FolderSync answer as text: "A:sid:parent:name:type", "U:...", "D:sid",
 * in answer order, separated by " | "; asserts Status 1 and that Count matches. */
static const char *changes_text(struct tenv *t, const struct wbxml_node *root)
{
	buf out = BUF_INIT;
	size_t n = 0;

	ck_assert_int_eq(status_of(root), 1);
	struct wbxml_node *changes = wbxml_child(root, FH(Changes));
	ck_assert_ptr_nonnull(changes);
	wbxml_foreach_child(changes, c) {
		if (c->tag == FH(Count))
			continue;
		if (n++ > 0)
			buf_puts(&out, " | ");
		if (c->tag == FH(Delete)) {
			buf_printf(&out, "D:%s", tenv_str(t, c, FH(ServerId)));
			continue;
		}
		ck_assert(c->tag == FH(Add) || c->tag == FH(Update));
		buf_printf(&out, "%c:%s:%s:%s:%llu", c->tag == FH(Add) ? 'A' : 'U',
			   tenv_str(t, c, FH(ServerId)), tenv_str(t, c, FH(ParentId)),
			   tenv_str(t, c, FH(DisplayName)),
			   (unsigned long long)tenv_uint(c, FH(Type)));
	}
	ck_assert_uint_eq(tenv_uint(changes, FH(Count)), n);
	const char *text = pool_strdup(t->pool, buf_cstr(&out));
	buf_free(&out);
	return text;
}

static const char *key_of(struct tenv *t, const struct wbxml_node *root)
{
	return tenv_str(t, root, FH(SyncKey));
}

/* FolderSync 0 and the confirming FolderSync: the phone's key afterwards. */
static const char *initial_sync(struct tenv *t, const struct tphone *ph)
{
	struct wbxml_node *root = folder_sync(t, ph, "0");
	ck_assert_int_eq(status_of(root), 1);
	const char *key = key_of(t, root);
	root = folder_sync(t, ph, key);
	ck_assert_str_eq(changes_text(t, root), "");
	ck_assert_str_eq(key_of(t, root), key); /* nothing new: the same key */
	return key;
}

/* A server-side folder (origin 0: easctl, import). */
static const char *server_create(struct tenv *t, const char *parent, const char *name, int type)
{
	struct store_folder f;
	const char *error = NULL;
	ck_assert_msg(store_folder_create(t->store, t->pool, t->user.id, parent, name, type, 0, &f,
					  &error) == STORE_OK, "%s", error);
	return f.server_id;
}

/* ---- FolderSync ---- */

START_TEST(test_initial_every_version)
{
	int version = all_versions[_i];
	struct tenv t;
	struct tphone ph;
	char name[32];

	snprintf(name, sizeof(name), "init%d", version);
	open_bench(&t, name, &ph, version);
	struct wbxml_node *root = folder_sync(&t, &ph, "0");
	const char *expected =
		"A:1:0:Inbox:2 | A:2:0:Drafts:3 | A:3:0:Deleted Items:4 | A:4:0:Sent Items:5 | "
		"A:5:0:Outbox:6 | A:6:0:Junk E-mail:12 | A:7:0:Calendar:8 | A:8:0:Contacts:9 | "
		"A:9:0:Tasks:7";
	/* Q-FOLD-2: the default folders at the top; Notes from 14.0. */
	if (version >= EAS_VERSION_140)
		ck_assert_str_eq(changes_text(&t, root),
				 pool_printf(t.pool, "%s | A:10:0:Notes:10", expected));
	else
		ck_assert_str_eq(changes_text(&t, root), expected);
	const char *key = key_of(&t, root);
	ck_assert_str_ne(key, "0");
	root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root), "");
	ck_assert_str_eq(key_of(&t, root), key);
	tenv_close(&t);
}
END_TEST

START_TEST(test_incremental_changes)
{
	struct tenv t;
	struct tphone ph;
	const char *error = NULL;
	struct store_folder f;

	open_bench(&t, "incremental", &ph, EAS_VERSION_141);
	const char *key = initial_sync(&t, &ph);
	const char *work = server_create(&t, "0", "Work", STORE_FOLDER_USER_MAIL);
	const char *sub = server_create(&t, work, "Projects", STORE_FOLDER_USER_CONTACTS);
	struct wbxml_node *root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root),
			 pool_printf(t.pool, "A:%s:0:Work:12 | A:%s:%s:Projects:14", work, sub,
				     work));
	key = key_of(&t, root);
	ck_assert_int_eq(store_folder_update(t.store, t.pool, t.user.id, sub, "0", "Clients", 0,
					     &f, &error), STORE_OK);
	root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root), pool_printf(t.pool, "U:%s:0:Clients:14", sub));
	key = key_of(&t, root);
	ck_assert_int_eq(store_folder_delete(t.store, t.user.id, work, 0, &error), STORE_OK);
	root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root), pool_printf(t.pool, "D:%s", work));
	key = key_of(&t, root);
	root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root), "");
	ck_assert_str_eq(key_of(&t, root), key);
	tenv_close(&t);
}
END_TEST

/* A parent and its child deleted while a third folder moved out of the parent: the move
 * comes before the parent's Delete; every Delete once. */
START_TEST(test_change_order)
{
	struct tenv t;
	struct tphone ph;
	const char *error = NULL;
	struct store_folder f;

	open_bench(&t, "order", &ph, EAS_VERSION_161);
	const char *a = server_create(&t, "0", "A", STORE_FOLDER_USER_MAIL);
	const char *b = server_create(&t, a, "B", STORE_FOLDER_USER_MAIL);
	const char *c = server_create(&t, a, "C", STORE_FOLDER_USER_MAIL);
	const char *key = initial_sync(&t, &ph);
	ck_assert_int_eq(store_folder_update(t.store, t.pool, t.user.id, c, "0", NULL, 0, &f,
					     &error), STORE_OK);
	ck_assert_int_eq(store_folder_delete(t.store, t.user.id, a, 0, &error), STORE_OK);
	const char *text = changes_text(&t, folder_sync(&t, &ph, key));
	ck_assert_ptr_nonnull(strstr(text, pool_printf(t.pool, "U:%s:0:C:12", c)));
	ck_assert_ptr_nonnull(strstr(text, pool_printf(t.pool, "D:%s", a)));
	ck_assert_ptr_nonnull(strstr(text, pool_printf(t.pool, "D:%s", b)));
	ck_assert(strstr(text, "U:") < strstr(text, "D:"));
	ck_assert_ptr_null(strstr(strstr(text, pool_printf(t.pool, "D:%s", a)) + 1,
				  pool_printf(t.pool, "D:%s |", a)));
	tenv_close(&t);
}
END_TEST

/* The N/N+1 rule: a lost answer is answered again equivalently; an older key is refused. */
START_TEST(test_retry_and_old_keys)
{
	struct tenv t;
	struct tphone ph;

	open_bench(&t, "retry", &ph, EAS_VERSION_141);
	const char *k1 = initial_sync(&t, &ph);
	const char *x = server_create(&t, "0", "X", STORE_FOLDER_USER_TASKS);
	struct wbxml_node *root = folder_sync(&t, &ph, k1);
	const char *first = changes_text(&t, root);
	const char *k2 = key_of(&t, root);
	ck_assert_str_eq(first, pool_printf(t.pool, "A:%s:0:X:15", x));
	/* The answer was lost: the same key again gets the same changes. */
	root = folder_sync(&t, &ph, k1);
	ck_assert_str_eq(changes_text(&t, root), first);
	const char *k3 = key_of(&t, root);
	ck_assert_str_ne(k3, k1);
	/* The key of the lost answer is not the client's any more. */
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, k2)), 9);
	root = folder_sync(&t, &ph, k3);
	ck_assert_str_eq(changes_text(&t, root), "");
	/* Now k1 is too old. */
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, k1)), 9);
	/* SyncKey 0 starts over; keys of before are refused for ever. */
	root = folder_sync(&t, &ph, "0");
	ck_assert_ptr_nonnull(strstr(changes_text(&t, root), "A:1:0:Inbox:2"));
	const char *k4 = key_of(&t, root);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, k3)), 9);
	ck_assert_str_eq(changes_text(&t, folder_sync(&t, &ph, k4)), "");
	tenv_close(&t);
}
END_TEST

START_TEST(test_bad_foldersync_requests)
{
	struct tenv t;
	struct tphone ph;
	struct wbxml_writer w;
	buf body = BUF_INIT;

	open_bench(&t, "badfs", &ph, EAS_VERSION_141);
	/* No state yet: every key but 0 is unknown. */
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, "1")), 9);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, "abc")), 9);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, "-1")), 9);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, "")), 9);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, "99999999999999999999999")), 9);
	/* No SyncKey, an empty body, another root, garbage: 10. */
	tenv_body(&w, &body, ph.version);
	wbxml_elem_empty(&w, FH(FolderSync));
	tenv_body_end(&w);
	ck_assert_int_eq(status_of(run(&t, &ph, "FolderSync", FH(FolderSync), &body)), 10);
	ck_assert_int_eq(status_of(run(&t, &ph, "FolderSync", FH(FolderSync), &body)), 10); /* empty */
	tenv_body(&w, &body, ph.version);
	wbxml_start(&w, FH(FolderCreate));
	wbxml_elem_str(&w, FH(SyncKey), "0");
	wbxml_end(&w);
	tenv_body_end(&w);
	ck_assert_int_eq(status_of(run(&t, &ph, "FolderSync", FH(FolderSync), &body)), 10);
	buf_append(&body, "not wbxml", 9);
	ck_assert_int_eq(status_of(run(&t, &ph, "FolderSync", FH(FolderSync), &body)), 10);
	/* Nothing of it left a state behind. */
	struct store_hierarchy_state st;
	struct store_device_record rec;
	const char *error = NULL;
	ck_assert_int_eq(store_device_get(t.store, t.pool, t.user.id, "PHONE1", &rec, &error),
			 STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(t.store, t.pool, rec.dev.id, &st, &error),
			 STORE_NOT_FOUND);
	tenv_close(&t);
}
END_TEST

/* ---- FolderCreate ---- */

START_TEST(test_create)
{
	int version = all_versions[_i];
	struct tenv t;
	struct tphone ph, other;
	char name[32];

	snprintf(name, sizeof(name), "create%d", version);
	open_bench(&t, name, &ph, version);
	tphone_init(&other, &t, "PHONE2", version);
	const char *key = initial_sync(&t, &ph);
	const char *okey = initial_sync(&t, &other);
	static const int types[] = { 1, 12, 13, 14, 15 };
	const char *sids[5];
	for (size_t i = 0; i < 5; i++) {
		struct wbxml_node *root = folder_create(&t, &ph, key, i == 0 ? "0" : sids[0],
							pool_printf(t.pool, "F%zu", i), types[i]);
		ck_assert_int_eq(status_of(root), 1);
		sids[i] = tenv_str(&t, root, FH(ServerId));
		const char *next = key_of(&t, root);
		ck_assert_str_ne(next, key);
		key = next;
	}
	/* Its own folders do not come back to the device; the other device gets them. */
	struct wbxml_node *root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root), "");
	ck_assert_str_eq(key_of(&t, root), key);
	const char *text = changes_text(&t, folder_sync(&t, &other, okey));
	for (size_t i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(strstr(text, pool_printf(t.pool, "A:%s:%s:F%zu:%d", sids[i],
							       i == 0 ? "0" : sids[0], i,
							       types[i])));
	tenv_close(&t);
}
END_TEST

START_TEST(test_create_errors)
{
	struct tenv t;
	struct tphone ph;
	struct wbxml_writer w;
	buf body = BUF_INIT;

	open_bench(&t, "createerr", &ph, EAS_VERSION_141);
	const char *key = initial_sync(&t, &ph);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "Inbox", 12)), 2);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "999", "X", 12)), 5);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "X", 2)), 10);  /* Inbox type */
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "X", 99)), 10);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "", 12)), 10);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, "0", "0", "X", 12)), 9);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, "12345", "0", "X", 12)), 9);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, "zz", "0", "X", 12)), 9);
	tenv_body(&w, &body, ph.version); /* no Type */
	wbxml_start(&w, FH(FolderCreate));
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_elem_str(&w, FH(ParentId), "0");
	wbxml_elem_str(&w, FH(DisplayName), "X");
	wbxml_end(&w);
	tenv_body_end(&w);
	ck_assert_int_eq(status_of(run(&t, &ph, "FolderCreate", FH(FolderCreate), &body)), 10);
	ck_assert_int_eq(status_of(run(&t, &ph, "FolderCreate", FH(FolderCreate), &body)), 10);
	/* Nothing was created, and the key still works. */
	struct store_folder *folders;
	size_t n;
	const char *error = NULL;
	ck_assert_int_eq(store_folder_list(t.store, t.pool, t.user.id, 0, &folders, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "X", 12)), 1);
	tenv_close(&t);
}
END_TEST

/* A FolderCreate repeated after its answer was lost creates nothing new. */
START_TEST(test_create_retry)
{
	struct tenv t;
	struct tphone ph;
	struct store_folder *folders;
	size_t n;
	const char *error = NULL;

	open_bench(&t, "createretry", &ph, EAS_VERSION_141);
	const char *key = initial_sync(&t, &ph);
	struct wbxml_node *root = folder_create(&t, &ph, key, "0", "Trips", 13);
	const char *sid = tenv_str(&t, root, FH(ServerId));
	const char *k2 = key_of(&t, root);
	root = folder_create(&t, &ph, key, "0", "Trips", 13);
	ck_assert_int_eq(status_of(root), 1);
	ck_assert_str_eq(tenv_str(&t, root, FH(ServerId)), sid);
	ck_assert_str_eq(key_of(&t, root), k2);
	ck_assert_int_eq(store_folder_list(t.store, t.pool, t.user.id, 0, &folders, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 11);
	/* The same key with another command: the lost answer is forgotten, so the folder the
	 * device never heard of comes with the next FolderSync. */
	root = folder_create(&t, &ph, key, "0", "Shopping", 15);
	ck_assert_int_eq(status_of(root), 1);
	const char *shop = tenv_str(&t, root, FH(ServerId));
	root = folder_sync(&t, &ph, key_of(&t, root));
	ck_assert_str_eq(changes_text(&t, root), pool_printf(t.pool, "A:%s:0:Trips:13", sid));
	ck_assert_ptr_null(strstr(changes_text(&t, root), shop));
	tenv_close(&t);
}
END_TEST

/* ---- FolderUpdate ---- */

START_TEST(test_update)
{
	struct tenv t;
	struct tphone ph, other;

	open_bench(&t, "update", &ph, EAS_VERSION_121);
	tphone_init(&other, &t, "PHONE2", EAS_VERSION_161);
	const char *a = server_create(&t, "0", "A", STORE_FOLDER_USER_MAIL);
	const char *b = server_create(&t, "0", "B", STORE_FOLDER_USER_MAIL);
	const char *key = initial_sync(&t, &ph);
	const char *okey = initial_sync(&t, &other);
	struct wbxml_node *root = folder_update(&t, &ph, key, a, b, "A2");
	ck_assert_int_eq(status_of(root), 1);
	ck_assert_ptr_null(wbxml_child(root, FH(ServerId)));
	key = key_of(&t, root);
	ck_assert_str_eq(changes_text(&t, folder_sync(&t, &ph, key)), "");
	ck_assert_str_eq(changes_text(&t, folder_sync(&t, &other, okey)),
			 pool_printf(t.pool, "U:%s:%s:A2:12", a, b));
	/* Errors: default folder, name taken, unknown folder, unknown parent, below itself. */
	ck_assert_int_eq(status_of(folder_update(&t, &ph, key, "1", "0", "Posteingang")), 2);
	ck_assert_int_eq(status_of(folder_update(&t, &ph, key, "6", "0", "Spam")), 2);
	ck_assert_int_eq(status_of(folder_update(&t, &ph, key, a, "0", "B")), 2);
	ck_assert_int_eq(status_of(folder_update(&t, &ph, key, "777", "0", "Q")), 4);
	ck_assert_int_eq(status_of(folder_update(&t, &ph, key, a, "777", "Q")), 5);
	ck_assert_int_eq(status_of(folder_update(&t, &ph, key, b, a, "B")), 10);
	ck_assert_int_eq(status_of(folder_update(&t, &ph, "3", a, "0", "Q")), 9);
	/* Another user's folder does not exist for this one. */
	struct store_folder f;
	const char *error = NULL;
	ck_assert_int_eq(store_folder_create(t.store, t.pool, t.other.id, "0", "Anna's", 12, 0,
					     &f, &error), STORE_OK);
	if (store_folder_get(t.store, t.pool, t.user.id, f.server_id, &f, &error) == STORE_NOT_FOUND)
		ck_assert_int_eq(status_of(folder_update(&t, &ph, key, f.server_id, "0", "Mine")),
				 4);
	tenv_close(&t);
}
END_TEST

/* ---- FolderDelete ---- */

START_TEST(test_delete)
{
	struct tenv t;
	struct tphone ph, other;

	open_bench(&t, "delete", &ph, EAS_VERSION_141);
	tphone_init(&other, &t, "PHONE2", EAS_VERSION_141);
	const char *a = server_create(&t, "0", "A", STORE_FOLDER_USER_MAIL);
	const char *b = server_create(&t, a, "B", STORE_FOLDER_USER_CALENDAR);
	const char *key = initial_sync(&t, &ph);
	const char *okey = initial_sync(&t, &other);
	struct wbxml_node *root = folder_delete(&t, &ph, key, a);
	ck_assert_int_eq(status_of(root), 1);
	key = key_of(&t, root);
	/* Q-FOLD-2: no Delete comes back to the device that deleted, not even for B. */
	root = folder_sync(&t, &ph, key);
	ck_assert_str_eq(changes_text(&t, root), "");
	key = key_of(&t, root);
	const char *text = changes_text(&t, folder_sync(&t, &other, okey));
	ck_assert_ptr_nonnull(strstr(text, pool_printf(t.pool, "D:%s", a)));
	ck_assert_ptr_nonnull(strstr(text, pool_printf(t.pool, "D:%s", b)));
	/* Errors: default folders are special, unknown or gone ones are not found. */
	ck_assert_int_eq(status_of(folder_delete(&t, &ph, key, "1")), 3);
	ck_assert_int_eq(status_of(folder_delete(&t, &ph, key, "6")), 3);
	ck_assert_int_eq(status_of(folder_delete(&t, &ph, key, a)), 4);
	ck_assert_int_eq(status_of(folder_delete(&t, &ph, key, "0")), 4);
	ck_assert_int_eq(status_of(folder_delete(&t, &ph, "0", "1")), 9);
	/* A repeated delete after a lost answer gets the same answer. */
	const char *c = server_create(&t, "0", "C", STORE_FOLDER_USER_MAIL);
	root = folder_sync(&t, &ph, key);
	key = key_of(&t, root);
	root = folder_delete(&t, &ph, key, c);
	const char *k2 = key_of(&t, root);
	root = folder_delete(&t, &ph, key, c);
	ck_assert_int_eq(status_of(root), 1);
	ck_assert_str_eq(key_of(&t, root), k2);
	tenv_close(&t);
}
END_TEST

/* ---- Devices, users, resync ---- */

START_TEST(test_validate_and_isolation)
{
	struct tenv t;
	struct tphone ph, anna;
	struct store_device_record *recs;
	size_t n;
	const char *error = NULL;

	open_bench(&t, "validate", &ph, EAS_VERSION_141);
	server_create(&t, "0", "Mike only", STORE_FOLDER_USER_MAIL);
	/* Q-FOLD-1: "validate" gets the folders and leaves nothing behind. */
	tphone_init(&ph, &t, "validate", EAS_VERSION_141);
	struct wbxml_node *root = folder_sync(&t, &ph, "0");
	ck_assert_ptr_nonnull(strstr(changes_text(&t, root), "Mike only"));
	const char *key = key_of(&t, root);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, key)), 9);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "V", 12)), 9);
	ck_assert_int_eq(store_device_records(t.store, t.pool, t.user.id, &recs, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 0);
	/* Another user sees only her own folders. */
	tphone_init(&anna, &t, "PHONE1", EAS_VERSION_141);
	anna.user = &t.other;
	const char *text = changes_text(&t, folder_sync(&t, &anna, "0"));
	ck_assert_ptr_null(strstr(text, "Mike only"));
	ck_assert_ptr_nonnull(strstr(text, "A:1:0:Inbox:2"));
	tenv_close(&t);
}
END_TEST

/* easctl device resync: the next FolderSync is told to start over (Status 9), and 0 heals. */
START_TEST(test_dropped_state)
{
	struct tenv t;
	struct tphone ph;
	const char *error = NULL;

	open_bench(&t, "dropped", &ph, EAS_VERSION_141);
	const char *key = initial_sync(&t, &ph);
	struct store_device_record rec;
	ck_assert_int_eq(store_device_get(t.store, t.pool, t.user.id, "PHONE1", &rec, &error),
			 STORE_OK);
	ck_assert_int_eq(store_hierarchy_drop(t.store, rec.dev.id, &error), STORE_OK);
	ck_assert_int_eq(status_of(folder_sync(&t, &ph, key)), 9);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "X", 12)), 9);
	struct wbxml_node *root = folder_sync(&t, &ph, "0");
	ck_assert_ptr_nonnull(strstr(changes_text(&t, root), "A:1:0:Inbox:2"));
	ck_assert_str_ne(key_of(&t, root), key);
	tenv_close(&t);
}
END_TEST

/* The folder commands also run for a provisioned phone (the check lets them through). */
START_TEST(test_provisioned_phone)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	struct wbxml_writer w;

	tenv_open(&t, "provisioned");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	tenv_run(&t, &ph, "FolderSync", NULL);
	ck_assert_uint_eq(t.resp.http_status, 449);
	tenv_body(&w, &body, ph.version);
	wbxml_start(&w, WBXML_Provision_Provision);
	wbxml_start(&w, WBXML_Provision_Policies);
	wbxml_start(&w, WBXML_Provision_Policy);
	wbxml_elem_str(&w, WBXML_Provision_PolicyType, "MS-EAS-Provisioning-WBXML");
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	tenv_body_end(&w);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *policy = wbxml_child(wbxml_child(tenv_answer(&t,
		WBXML_Provision_Provision), WBXML_Provision_Policies), WBXML_Provision_Policy);
	const char *temp = tenv_str(&t, policy, WBXML_Provision_PolicyKey);
	tenv_body(&w, &body, ph.version);
	wbxml_start(&w, WBXML_Provision_Provision);
	wbxml_start(&w, WBXML_Provision_Policies);
	wbxml_start(&w, WBXML_Provision_Policy);
	wbxml_elem_str(&w, WBXML_Provision_PolicyType, "MS-EAS-Provisioning-WBXML");
	wbxml_elem_str(&w, WBXML_Provision_PolicyKey, temp);
	wbxml_elem_str(&w, WBXML_Provision_Status, "1");
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	tenv_body_end(&w);
	tenv_run(&t, &ph, "Provision", &body);
	policy = wbxml_child(wbxml_child(tenv_answer(&t, WBXML_Provision_Provision),
					 WBXML_Provision_Policies), WBXML_Provision_Policy);
	ph.has_policy_key = true;
	ph.policy_key = (uint32_t)tenv_uint(policy, WBXML_Provision_PolicyKey);
	buf_free(&body);
	const char *key = initial_sync(&t, &ph);
	ck_assert_int_eq(status_of(folder_create(&t, &ph, key, "0", "X", 12)), 1);
	tenv_close(&t);
}
END_TEST


/* Q-FOLD-5: FolderSync 0 rebuilds the hierarchy state only: the collection sync states of
 * folders that still exist survive (Gmail's pull-to-refresh). */
START_TEST(test_zero_keeps_collection_states)
{
	struct tenv t;
	struct tphone ph;
	struct store_folder contacts;
	struct store_sync_state st, again;
	struct store_device_record rec;
	const char *error = NULL;

	open_bench(&t, "qfold5", &ph, EAS_VERSION_141);
	initial_sync(&t, &ph);
	ck_assert_int_eq(store_device_get(t.store, t.pool, t.user.id, "PHONE1", &rec, &error),
			 STORE_OK);
	ck_assert_int_eq(store_folder_get_default(t.store, t.pool, t.user.id,
						  STORE_FOLDER_CONTACTS, &contacts, &error),
			 STORE_OK);
	ck_assert_int_eq(store_sync_state_reset(t.store, t.pool, rec.dev.id, contacts.id, t.now,
						NULL, 0, NULL, 0, &st, &error), STORE_OK);
	struct wbxml_node *root = folder_sync(&t, &ph, "0");
	ck_assert_ptr_nonnull(strstr(changes_text(&t, root),
				     pool_printf(t.pool, "A:%s:0:Contacts:9", contacts.server_id)));
	ck_assert_int_eq(store_sync_state_get(t.store, t.pool, rec.dev.id, contacts.id, &again,
					      &error), STORE_OK);
	ck_assert_int_eq(again.id, st.id);
	ck_assert_uint_eq(again.synckey, st.synckey);
	tenv_close(&t);
}
END_TEST

/* The hierarchy as text (folders with their modseqs) and the device's state: equal texts
 * mean that nothing was written. */
static const char *snapshot(struct tenv *t)
{
	struct store_folder *folders;
	struct store_hierarchy_state st;
	struct store_hierarchy_entry *view;
	struct store_device_record rec;
	size_t n, nview;
	const char *error = NULL;
	buf out = BUF_INIT;

	ck_assert_int_eq(store_folder_list(t->store, t->pool, t->user.id, 1, &folders, &n, &error),
			 STORE_OK);
	for (size_t i = 0; i < n; i++)
		buf_printf(&out, "%s/%s/%s/%lld/%d ", folders[i].server_id,
			   folders[i].parent_server_id, folders[i].name,
			   (long long)folders[i].modseq, folders[i].deleted);
	ck_assert_int_eq(store_device_get(t->store, t->pool, t->user.id, "PHONE1", &rec, &error),
			 STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(t->store, t->pool, rec.dev.id, &st, &error),
			 STORE_OK);
	buf_printf(&out, "| %lld %lld %lld %lld %lld |", (long long)st.synckey,
		   (long long)st.modseq, (long long)st.pending_key, (long long)st.pending_modseq,
		   (long long)st.last_key);
	ck_assert_int_eq(store_hierarchy_view(t->store, t->pool, rec.dev.id, &view, &nview,
					      &error), STORE_OK);
	for (size_t i = 0; i < nview; i++)
		buf_printf(&out, " %s:%lld:%lld", view[i].server_id, (long long)view[i].modseq,
			   (long long)view[i].pending_modseq);
	const char *text = pool_strdup(t->pool, buf_cstr(&out));
	buf_free(&out);
	return text;
}

/* The request body of one of the four commands (0 create, 1 update, 2 delete, 3 sync 0). */
static void command_body(buf *body, int cmd, const char *key, const char *a, const char *b)
{
	struct wbxml_writer w;
	static const uint16_t roots[] = { FH(FolderCreate), FH(FolderUpdate), FH(FolderDelete),
					  FH(FolderSync) };

	tenv_body(&w, body, EAS_VERSION_141);
	wbxml_start(&w, roots[cmd]);
	wbxml_elem_str(&w, FH(SyncKey), cmd == 3 ? "0" : key);
	if (cmd == 0) {
		wbxml_elem_str(&w, FH(ParentId), a);
		wbxml_elem_str(&w, FH(DisplayName), "New");
		wbxml_elem_uint(&w, FH(Type), 14);
	} else if (cmd == 1) {
		wbxml_elem_str(&w, FH(ServerId), b);
		wbxml_elem_str(&w, FH(ParentId), "0");
		wbxml_elem_str(&w, FH(DisplayName), "B2");
	} else if (cmd == 2) {
		wbxml_elem_str(&w, FH(ServerId), a);
	}
	wbxml_end(&w);
	tenv_body_end(&w);
}

/* A store failure at any step writes nothing and answers Status 6 (or HTTP 500 when it hits
 * eas_dispatch's device look-up); once the fault is past the end, the command succeeds. */
START_TEST(test_store_failures_write_nothing)
{
	static const char *const names[] = { "FolderCreate", "FolderUpdate", "FolderDelete",
					     "FolderSync" };
	static const uint16_t roots[] = { FH(FolderCreate), FH(FolderUpdate), FH(FolderDelete),
					  FH(FolderSync) };
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;

	open_bench(&t, "faults", &ph, EAS_VERSION_141);
	const char *key = initial_sync(&t, &ph);
	const char *a = server_create(&t, "0", "A", STORE_FOLDER_USER_MAIL);
	const char *b = server_create(&t, a, "B", STORE_FOLDER_USER_MAIL);
	key = key_of(&t, folder_sync(&t, &ph, key));
	for (int cmd = 0; cmd < 4; cmd++) {
		bool done = false;
		for (unsigned n = 1; !done && n < 200; n++) {
			const char *before = snapshot(&t);
			command_body(&body, cmd, key, a, b);
			t.fail_after = n;
			tenv_run(&t, &ph, names[cmd], &body);
			bool fired = !store_test_fault_pending(t.store);
			store_test_fail_after(t.store, 0);
			if (fired) {
				if (t.resp.http_status != 500)
					ck_assert_msg(status_of(tenv_answer(&t, roots[cmd])) == 6,
						      "%s, fault at step %u", names[cmd], n);
				ck_assert_str_eq(snapshot(&t), before);
			} else {
				struct wbxml_node *root = tenv_answer(&t, roots[cmd]);
				ck_assert_int_eq(status_of(root), 1);
				key = key_of(&t, root);
				done = true;
			}
		}
		ck_assert(done);
	}
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eas-folders");
	TCase *tc = tcase_create("core");
	int nversions = (int)(sizeof(all_versions) / sizeof(all_versions[0]));
	tcase_add_unchecked_fixture(tc, tenv_base_setup, tenv_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_initial_every_version, 0, nversions);
	tcase_add_test(tc, test_incremental_changes);
	tcase_add_test(tc, test_change_order);
	tcase_add_test(tc, test_retry_and_old_keys);
	tcase_add_test(tc, test_bad_foldersync_requests);
	tcase_add_loop_test(tc, test_create, 0, nversions);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_create_retry);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_validate_and_isolation);
	tcase_add_test(tc, test_dropped_state);
	tcase_add_test(tc, test_provisioned_phone);
	tcase_add_test(tc, test_zero_keeps_collection_states);
	tcase_add_test(tc, test_store_failures_write_nothing);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
