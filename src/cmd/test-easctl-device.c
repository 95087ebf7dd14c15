/* test-easctl-device.c: `easctl policy show|set` and `easctl device list|show|wipe|resync|
 * remove` run as child processes on a fresh data directory (the easctl of the same build
 * directory: $EASD_BUILD/easctl, else next to this test's directory), checked through their
 * output, exit statuses and the store. */
#include "store/store.h"
#include "store/store-device.h"
#include "store/store-folder.h"
#include "store/store-sync.h"

#include "lib/pool.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_EASCTL_REDIRECT " >out 2>err"
#include "cmd/test-easctl-env.h"

static void assert_out(const char *needle)
{
	const char *out = read_file("out");
	ck_assert_msg(strstr(out, needle) != NULL, "'%s' not in:\n%s", needle, out);
}

static void assert_err(const char *needle)
{
	const char *err = read_file("err");
	ck_assert_msg(strstr(err, needle) != NULL, "'%s' not in:\n%s", needle, err);
}

/* The store with mike's device "PHONE1" (version version, never 0 unless asked). */
struct bench {
	struct store *store;
	pool *p;
	struct store_user user;
	int64_t row;
};

static void bench_open(struct bench *b)
{
	const char *error = NULL;
	struct store_device_record rec;

	b->p = pool_new(0);
	ck_assert_int_eq(store_open(dir, &b->store, &error), STORE_OK);
	ck_assert_int_eq(store_user_get(b->store, b->p, "ox.io", "mike", &b->user, &error),
			 STORE_OK);
	ck_assert_int_eq(store_device_touch(b->store, b->user.id, "PHONE1", "iPhone",
					    "Apple-iPhone15C2/2101.74", 1700000000, &error),
			 STORE_OK);
	ck_assert_int_eq(store_device_get(b->store, b->p, b->user.id, "PHONE1", &rec, &error),
			 STORE_OK);
	b->row = rec.dev.id;
}

static struct store_device_record bench_record(struct bench *b)
{
	struct store_device_record rec;
	const char *error = NULL;
	ck_assert_int_eq(store_device_get(b->store, b->p, b->user.id, "PHONE1", &rec, &error),
			 STORE_OK);
	return rec;
}

static void bench_close(struct bench *b)
{
	store_close(&b->store);
	pool_free(&b->p);
}

static void setup(void)
{
	make_dir("device");
	ck_assert_int_eq(run("context add ox.io"), 0);
	write_file("pw", "pw\n");
	ck_assert_int_eq(run("user add mike@ox.io --password-stdin < pw"), 0);
}

static void teardown(void)
{
	remove_dir();
}

/* The VALUE column of key in `policy show` output. */
static const char *shown_value(const char *key)
{
	static char value[64];
	char needle[80];
	snprintf(needle, sizeof(needle), "\n%s ", key);
	const char *line = strstr(read_file("out"), needle);
	ck_assert_msg(line != NULL, "no line for %s", key);
	line += strlen(needle);
	line += strspn(line, " ");
	size_t n = strcspn(line, " ");
	ck_assert_uint_lt(n, sizeof(value));
	memcpy(value, line, n);
	value[n] = '\0';
	return value;
}

START_TEST(policy_show_and_set)
{
	ck_assert_int_eq(run("policy show ox.io"), 0);
	assert_out("KEY ");
	assert_out("\npassword_required ");
	assert_out("\nmax_inactivity ");
	ck_assert_int_eq(run("policy set ox.io password_required=on password_min_length=6 "
			     "max_inactivity=unlimited allow_bluetooth=1"), 0);
	assert_out("ox.io: password_required = 1\n");
	assert_out("ox.io: max_inactivity = unlimited\n");
	ck_assert_int_eq(run("policy show ox.io"), 0);
	ck_assert_str_eq(shown_value("password_min_length"), "6");
	ck_assert_str_eq(shown_value("max_inactivity"), "unlimited");
	ck_assert_str_eq(shown_value("allow_camera"), "1");
	/* All or nothing: one bad assignment writes none. */
	ck_assert_int_eq(run("policy set ox.io password_history=5 password_min_length=99"), 2);
	assert_err("password_min_length takes 1-16");
	ck_assert_int_eq(run("policy show ox.io"), 0);
	ck_assert_str_eq(shown_value("password_history"), "0");
	/* Usage and failures. */
	ck_assert_int_eq(run("policy set ox.io nosuchkey=1"), 2);
	assert_err("unknown policy key 'nosuchkey'");
	ck_assert_int_eq(run("policy set ox.io password_required"), 2);
	ck_assert_int_eq(run("policy set ox.io"), 2);
	ck_assert_int_eq(run("policy show"), 2);
	ck_assert_int_eq(run("policy set nowhere.io password_required=1"), 1);
	ck_assert_int_eq(run("policy show nowhere.io"), 1);
	ck_assert_int_eq(run("policy set --help"), 0);
	assert_out("usage: easctl policy set DOMAIN KEY=VALUE...");
	ck_assert_int_eq(run("policy --help"), 0);
}
END_TEST

START_TEST(device_list_and_show)
{
	struct bench b;
	const char *error = NULL;

	ck_assert_int_eq(run("device list mike@ox.io"), 0);
	ck_assert_ptr_null(strstr(read_file("out"), "PHONE1"));
	bench_open(&b);
	struct store_device_info info = { .model = "iPhone15,2", .os = "iOS 17.1",
					  .imei = "35 000", .friendly_name = "Mike's" };
	ck_assert_int_eq(store_device_set_info(b.store, b.row, &info, &error), STORE_OK);
	ck_assert_int_eq(store_device_set_version(b.store, b.row, 141, &error), STORE_OK);
	ck_assert_int_eq(store_device_policy_offered(b.store, b.row, 77, &error), STORE_OK);
	bench_close(&b);
	ck_assert_int_eq(run("device list mike@ox.io"), 0);
	assert_out("DEVICEID");
	assert_out("\nPHONE1 ");
	assert_out(" iPhone15,2 ");
	assert_out(" 14.1 ");
	assert_out(" 2023-11-14 22:13 ");
	assert_out(" handshake not finished ");
	bench_open(&b);
	ck_assert_int_eq(store_device_policy_acknowledged(b.store, b.row, 4242, 1, 2, 1700000100,
							  &error), STORE_OK);
	bench_close(&b);
	ck_assert_int_eq(run("device show mike@ox.io PHONE1"), 0);
	assert_out("device id:         PHONE1\n");
	assert_out("user agent:        Apple-iPhone15C2/2101.74\n");
	assert_out("protocol version:  14.1\n");
	assert_out("first seen:        2023-11-14 22:13\n");
	assert_out("imei:              35 000\n");
	assert_out("os:                iOS 17.1\n");
	assert_out("phone number:      -\n");
	assert_out("policy:            provisioned (partially applied)\n");
	assert_out("policy key:        4242 (older policy");
	assert_out("wipe:              none\n");
	ck_assert_int_eq(run("device show mike@ox.io NOPE"), 1);
	assert_err("has no device 'NOPE'");
	ck_assert_int_eq(run("device show nobody@ox.io PHONE1"), 1);
	ck_assert_int_eq(run("device show mike@ox.io"), 2);
	ck_assert_int_eq(run("device list"), 2);
	ck_assert_int_eq(run("device list mike@ox.io --account-only"), 2);
}
END_TEST

START_TEST(device_wipe)
{
	struct bench b;
	const char *error = NULL;

	bench_open(&b);
	bench_close(&b);
	/* Version unknown: an account-only wipe is accepted, with a note. */
	ck_assert_int_eq(run("device wipe mike@ox.io PHONE1 --account-only"), 0);
	assert_out("account-only wipe of device PHONE1 of mike@ox.io requested");
	assert_out("note: ");
	bench_open(&b);
	ck_assert_int_eq(bench_record(&b).wipe_state, STORE_WIPE_ACCOUNT_REQUESTED);
	ck_assert_int_eq(store_device_set_version(b.store, b.row, 141, &error), STORE_OK);
	bench_close(&b);
	/* 14.1: refused; a full wipe is fine. */
	ck_assert_int_eq(run("device wipe mike@ox.io PHONE1 --account-only"), 1);
	assert_err("needs 16.1");
	ck_assert_int_eq(run("device wipe mike@ox.io PHONE1"), 0);
	assert_out("remote wipe of device PHONE1");
	ck_assert_int_eq(run("device list mike@ox.io"), 0);
	assert_out("wipe requested 2");
	bench_open(&b);
	ck_assert_int_eq(bench_record(&b).wipe_state, STORE_WIPE_REQUESTED);
	ck_assert_int_eq(store_device_wipe_acknowledged(b.store, b.row, 1, 1700003600, &error),
			 STORE_OK);
	bench_close(&b);
	ck_assert_int_eq(run("device list mike@ox.io"), 0);
	assert_out("wiped 2023-11-14 23:13 (acknowledged, status 1)");
	ck_assert_int_eq(run("device show mike@ox.io PHONE1"), 0);
	assert_out("wipe:              wiped 2023-11-14 23:13 (acknowledged, status 1)\n");
	ck_assert_int_eq(run("device wipe mike@ox.io NOPE"), 1);
	ck_assert_int_eq(run("device wipe mike@ox.io PHONE1 --force"), 2);
}
END_TEST

START_TEST(device_resync_and_remove)
{
	struct bench b;
	struct store_folder contacts;
	struct store_sync_state st;
	struct store_hierarchy_state hs;
	const char *error = NULL;

	bench_open(&b);
	ck_assert_int_eq(store_hierarchy_reset(b.store, b.row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_set_pending(b.store, b.row, 5, 10, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_hierarchy_confirm(b.store, b.row, &error), STORE_OK);
	ck_assert_int_eq(store_folder_get_default(b.store, b.p, b.user.id, STORE_FOLDER_CONTACTS,
						  &contacts, &error), STORE_OK);
	ck_assert_int_eq(store_sync_state_reset(b.store, b.p, b.row, contacts.id, 1700000000, NULL,
						0, NULL, 0, &st, &error), STORE_OK);
	bench_close(&b);
	ck_assert_int_eq(run("device show mike@ox.io PHONE1"), 0);
	assert_out("folder sync:       in sync\n");
	ck_assert_int_eq(run("device resync mike@ox.io PHONE1"), 0);
	assert_out("sync state of device PHONE1 of mike@ox.io dropped");
	bench_open(&b);
	ck_assert_int_eq(store_hierarchy_get(b.store, b.p, b.row, &hs, &error), STORE_OK);
	ck_assert_int_eq(hs.synckey, -1);
	ck_assert_int_eq(hs.last_key, 5);
	ck_assert_int_eq(store_sync_state_get(b.store, b.p, b.row, contacts.id, &st, &error),
			 STORE_NOT_FOUND);
	bench_close(&b);
	ck_assert_int_eq(run("device show mike@ox.io PHONE1"), 0);
	assert_out("folder sync:       not synced");
	ck_assert_int_eq(run("device remove mike@ox.io PHONE1"), 0);
	assert_out("device PHONE1 of mike@ox.io removed");
	ck_assert_int_eq(run("device remove mike@ox.io PHONE1"), 1);
	ck_assert_int_eq(run("device list mike@ox.io"), 0);
	ck_assert_ptr_null(strstr(read_file("out"), "PHONE1"));
	ck_assert_int_eq(run("device resync mike@ox.io PHONE1"), 1);
	ck_assert_int_eq(run("help device resync"), 0);
	assert_out("Status 9");
}
END_TEST

int main(int argc, char **argv)
{
	if (find_easctl(argc, argv, "test-easctl-device") != 0)
		return 1;

	Suite *s = suite_create("easctl-device");
	TCase *tc = tcase_create("easctl-device");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, policy_show_and_set);
	tcase_add_test(tc, device_list_and_show);
	tcase_add_test(tc, device_wipe);
	tcase_add_test(tc, device_resync_and_remove);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
