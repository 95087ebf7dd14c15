/* test-eas-env.h: a small test bench for EAS commands (header-only, for src/eas/test-*.c):
 * a store in a temporary directory with users, a phone (DeviceId, version, policy key), and
 * requests run the way the server runs them: store_device_touch, then eas_dispatch (the
 * policy-key check and the handler). Requests are written with the WBXML writer, answers
 * decoded into trees. */
#ifndef EASD_TEST_EAS_ENV_H
#define EASD_TEST_EAS_ENV_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eas/eas.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "store/store.h"
#include "store/store-device.h"
#include "store/store-folder.h"
#include "store/store-testing.h"
#include "wbxml/wbxml.h"

#define TENV_HASH "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$fakehashfortests"

enum eas_result eas_cmd_provision(struct eas_request *req, struct eas_response *resp);
enum eas_result eas_cmd_foldersync(struct eas_request *req, struct eas_response *resp);
enum eas_result eas_cmd_foldercreate(struct eas_request *req, struct eas_response *resp);
enum eas_result eas_cmd_folderupdate(struct eas_request *req, struct eas_response *resp);
enum eas_result eas_cmd_folderdelete(struct eas_request *req, struct eas_response *resp);

static char tenv_base[256];

static int tenv_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void tenv_base_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(tenv_base, sizeof(tenv_base), "%s/easd-test-eas-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(tenv_base) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
}

static void tenv_base_teardown(void)
{
	nftw(tenv_base, tenv_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A phone. */
struct tphone {
	const char *device_id;
	const char *device_type;
	const char *user_agent;
	int version;
	bool has_policy_key;
	uint32_t policy_key;
	const struct store_user *user;
};

struct tenv {
	struct store *store;
	pool *pool;             /* for the test's own allocations, freed at tenv_close */
	struct store_user user; /* mike@ox.io */
	struct store_user other;/* anna@other.io */
	int64_t now;
	pool *req_pool;         /* the last request's pool (answers live in it) */
	struct eas_response resp;
	bool has_resp;
	unsigned fail_after;    /* > 0: the next request's n-th store step fails (then reset) */
};

static void tenv_open(struct tenv *t, const char *name)
{
	char dir[512];
	const char *error = NULL;

	memset(t, 0, sizeof(*t));
	t->pool = pool_new(0);
	t->now = 1700000000;
	snprintf(dir, sizeof(dir), "%s/%s", tenv_base, name);
	ck_assert_msg(store_open(dir, &t->store, &error) == STORE_OK, "%s", error);
	ck_assert_int_eq(store_context_add(t->store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(t->store, "other.io", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(t->store, "ox.io", "mike", TENV_HASH, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_add(t->store, "other.io", "anna", TENV_HASH, NULL, NULL,
					&error), STORE_OK);
	ck_assert_int_eq(store_user_get(t->store, t->pool, "ox.io", "mike", &t->user, &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_get(t->store, t->pool, "other.io", "anna", &t->other, &error),
			 STORE_OK);
}

static void tenv_drop_response(struct tenv *t)
{
	if (t->has_resp)
		eas_response_free(&t->resp);
	t->has_resp = false;
	pool_free(&t->req_pool);
}

static void tenv_close(struct tenv *t)
{
	tenv_drop_response(t);
	store_close(&t->store);
	pool_free(&t->pool);
}

static void tphone_init(struct tphone *ph, const struct tenv *t, const char *device_id,
			int version)
{
	memset(ph, 0, sizeof(*ph));
	ph->device_id = device_id;
	ph->device_type = "TestPhone";
	ph->user_agent = "TestPhone/1.0";
	ph->version = version;
	ph->user = &t->user;
}

/* The handler of a command name (these tests run only f5's commands). */
static eas_command_fn *tenv_handler(const char *name)
{
	if (strcmp(name, "Provision") == 0)
		return eas_cmd_provision;
	if (strcmp(name, "FolderSync") == 0)
		return eas_cmd_foldersync;
	if (strcmp(name, "FolderCreate") == 0)
		return eas_cmd_foldercreate;
	if (strcmp(name, "FolderUpdate") == 0)
		return eas_cmd_folderupdate;
	if (strcmp(name, "FolderDelete") == 0)
		return eas_cmd_folderdelete;
	return NULL;
}

/* A handler for commands that are not f5's: answers 200 with an empty body. */
static enum eas_result tenv_ok_handler(struct eas_request *req, struct eas_response *resp)
{
	(void)req;
	resp->http_status = 200;
	return EAS_DONE;
}

/* Runs cmd with body (may be empty) as the phone; the answer is t->resp. */
static struct eas_response *tenv_run(struct tenv *t, const struct tphone *ph, const char *cmd,
				     const buf *body)
{
	const char *error = NULL;
	struct eas_request req;
	struct eas_command command;
	const struct eas_command *row = eas_command_by_name(cmd);

	ck_assert_ptr_nonnull(row);
	command = *row;
	command.handler = tenv_handler(cmd) != NULL ? tenv_handler(cmd) : tenv_ok_handler;
	tenv_drop_response(t);
	t->req_pool = pool_new(0);
	bool validate = strcmp(ph->device_id, "validate") == 0;
	if (!validate)
		ck_assert_msg(store_device_touch(t->store, ph->user->id, ph->device_id,
						 ph->device_type, ph->user_agent, t->now,
						 &error) == STORE_OK, "%s", error);
	if (t->fail_after > 0) {
		store_test_fail_after(t->store, t->fail_after);
		t->fail_after = 0;
	}
	memset(&req, 0, sizeof(req));
	req.pool = t->req_pool;
	req.store = t->store;
	req.command = &command;
	req.version = ph->version;
	req.has_policy_key = ph->has_policy_key && ph->policy_key != 0;
	req.policy_key = ph->policy_key;
	req.user = ph->user;
	req.device_id = ph->device_id;
	req.device_type = ph->device_type;
	req.user_agent = ph->user_agent;
	req.validate_device = validate;
	req.body = body != NULL && body->len > 0 ? body->data : (const unsigned char *)"";
	req.body_len = body != NULL ? body->len : 0;
	req.body_is_wbxml = req.body_len >= 3 && req.body[0] == 3;
	req.now = t->now;
	eas_response_init(&t->resp);
	t->has_resp = true;
	ck_assert_int_eq(eas_dispatch(&req, &t->resp), EAS_DONE);
	return &t->resp;
}

/* The answer as a tree with the expected root (asserts HTTP 200 unless told). */
static struct wbxml_node *tenv_answer(struct tenv *t, uint16_t root)
{
	struct wbxml_node *tree;
	const char *error = NULL;

	ck_assert_msg(t->resp.body.len > 0, "empty answer (HTTP %u)", t->resp.http_status);
	ck_assert_msg(wbxml_decode(t->req_pool, t->resp.body.data, t->resp.body.len, NULL, &tree,
				   &error) == 0, "%s", error);
	ck_assert_uint_eq(tree->tag, root);
	return tree;
}

/* The decimal number of child tag of node (asserts it is there). */
static uint64_t tenv_uint(const struct wbxml_node *node, uint16_t tag)
{
	uint64_t v;
	const char *error = NULL;
	ck_assert_msg(wbxml_child_uint(node, tag, UINT64_MAX, &v, &error) == 0,
		      "child 0x%04x: %s", tag, error != NULL ? error : "missing");
	return v;
}

/* The text of child tag of node, copied into the test's pool (asserts it is there). */
static const char *tenv_str(struct tenv *t, const struct wbxml_node *node, uint16_t tag)
{
	const char *s = wbxml_child_str(node, tag);
	ck_assert_msg(s != NULL, "child 0x%04x missing", tag);
	return pool_strdup(t->pool, s);
}

/* Starts a request body for version (elements it lacks are dropped). */
static void tenv_body(struct wbxml_writer *w, buf *out, int version)
{
	buf_truncate(out, 0);
	wbxml_writer_init(w, out, (unsigned)version);
}

static void tenv_body_end(struct wbxml_writer *w)
{
	const char *error = NULL;
	ck_assert_msg(wbxml_writer_finish(w, &error) == 0, "%s", error);
}

#endif
