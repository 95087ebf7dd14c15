/* End-to-end tests of easctl (issue 3, points 7 and 8): exit codes 0 / 1 (failure) / 2
 * (usage), --help on every subcommand, schema migration from an empty directory and its
 * idempotence, and removal of users and contexts with all their data. */
#include "harness.h"
#include "db.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"

/* Runs easctl with --data and asserts its exit status; prints its output when it differs. */
static void expect_easctl(int want, const char *stdin_text, const char *what, ...)
	__attribute__((sentinel));

static void expect_easctl(int want, const char *stdin_text, const char *what, ...)
{
	const char *argv[32];
	size_t n = 0;
	va_list ap;
	struct h_result r;

	argv[n++] = "--data";
	argv[n++] = h_env_data_dir(h_env);
	va_start(ap, what);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
		ck_assert(n < 31);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	h_easctl_argv(h_env, stdin_text, &r, argv);
	ck_assert_msg(r.status == want, "%s: exit %d, want %d (stdout: %s; stderr: %s)", what, r.status,
		      want, r.out, r.err);
	/* Errors are explained on stderr. */
	if (want != 0)
		ck_assert_msg(r.err[0] != '\0', "%s: exit %d without a message on stderr", what, r.status);
	h_result_free(&r);
}

/* stdout of a successful easctl run (malloc'd). */
static char *easctl_out(const char *a1, const char *a2, const char *a3)
{
	struct h_result r;

	h_easctl(h_env, NULL, &r, a1, a2, a3, NULL);
	ck_assert_msg(r.status == 0, "easctl %s %s: exit %d (%s)", a1, a2 != NULL ? a2 : "", r.status, r.err);
	char *out = r.out;
	r.out = NULL;
	h_result_free(&r);
	return out;
}

/* True when text has a line that starts with word (followed by a space, tab or the end). */
static bool has_line(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *l = text; l != NULL && *l != '\0';) {
		if (strncmp(l, word, n) == 0 && (l[n] == '\n' || l[n] == ' ' || l[n] == '\t' || l[n] == '\0'))
			return true;
		l = strchr(l, '\n');
		if (l != NULL)
			l++;
	}
	return false;
}

START_TEST(test_context_commands)
{
	expect_easctl(0, NULL, "context add", "context", "add", "ox.io", NULL);
	expect_easctl(1, NULL, "duplicate context", "context", "add", "ox.io", NULL);
	expect_easctl(1, NULL, "duplicate context in upper case", "context", "add", "OX.IO", NULL);
	static const char *const bad[] = { "bad domain", "a..b", ".io", "io.", "a/b",
					   "a@b.io", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_easctl(1, NULL, bad[i], "context", "add", bad[i], NULL);
	/* A leading '-' reads as an option; after "--" it is a bad domain. */
	expect_easctl(1, NULL, "-x.io after --", "context", "add", "--", "-x.io", NULL);
	expect_easctl(0, NULL, "second context", "context", "add", "Other.IO", NULL);

	char *list = easctl_out("context", "list", NULL);
	ck_assert_msg(has_line(list, "ox.io") && has_line(list, "other.io"), "context list: %s", list);
	free(list);

	expect_easctl(0, NULL, "context default", "context", "default", "ox.io", NULL);
	expect_easctl(0, NULL, "context default, other case", "context", "default", "OTHER.io", NULL);
	expect_easctl(1, NULL, "unknown default", "context", "default", "unknown.io", NULL);
	expect_easctl(1, NULL, "remove unknown", "context", "remove", "unknown.io", NULL);
	expect_easctl(0, NULL, "remove an empty context", "context", "remove", "ox.io", NULL);
	expect_easctl(1, NULL, "remove twice", "context", "remove", "ox.io", NULL);
	list = easctl_out("context", "list", NULL);
	ck_assert_msg(!has_line(list, "ox.io") && has_line(list, "other.io"), "context list: %s", list);
	free(list);
}
END_TEST

START_TEST(test_user_add_errors)
{
	expect_easctl(1, "pw\n", "unknown context", "user", "add", "mike@ox.io", "--password-stdin", NULL);
	expect_easctl(1, "pw\n", "no default context", "user", "add", "mike", "--password-stdin", NULL);
	h_add_context(h_env, "ox.io", false);
	expect_easctl(0, "pw\n", "add", "user", "add", "mike@ox.io", "--password-stdin", NULL);
	expect_easctl(1, "pw2\n", "duplicate", "user", "add", "mike@ox.io", "--password-stdin", NULL);
	expect_easctl(1, "pw2\n", "duplicate, other domain case", "user", "add", "mike@OX.io",
		      "--password-stdin", NULL);
	expect_easctl(1, "pw2\n", "duplicate, domain\\user form", "user", "add", "ox.io\\mike",
		      "--password-stdin", NULL);
	/* User names are case-sensitive: Mike is another user. */
	expect_easctl(0, "pw\n", "other case is another user", "user", "add", "Mike@ox.io",
		      "--password-stdin", NULL);
	/* Empty passwords, from an empty line or from nothing at all. */
	expect_easctl(1, "\n", "empty password", "user", "add", "anna@ox.io", "--password-stdin", NULL);
	expect_easctl(1, "", "no password", "user", "add", "anna@ox.io", "--password-stdin", NULL);
	static const char *const bad[] = { "mi ke@ox.io", "@ox.io", "mike@", "a:b@ox.io", "a/b@ox.io",
					   "mike@bad..io", "a@b@ox.io", "tab\t@ox.io" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_easctl(1, "pw\n", bad[i], "user", "add", bad[i], "--password-stdin", NULL);
	/* A 65-byte name is too long, a 64-byte one fits. */
	char name[80];
	memset(name, 'n', 65);
	memcpy(name + 65, "@ox.io", 7);
	expect_easctl(1, "pw\n", "65-byte name", "user", "add", name, "--password-stdin", NULL);
	memmove(name + 64, name + 65, 7);
	expect_easctl(0, "pw\n", "64-byte name", "user", "add", name, "--password-stdin", NULL);

	expect_easctl(0, "pw\n", "with name and email", "user", "add", "bob@ox.io", "--password-stdin",
		      "--name", "Bob Builder", "--email", "bob@example.org", NULL);
	h_easctl_ok(h_env, NULL, "context", "default", "ox.io", NULL);
	expect_easctl(1, "pw\n", "bare name of an existing user", "user", "add", "mike", "--password-stdin", NULL);
	expect_easctl(0, "pw\n", "bare name, default context", "user", "add", "anna", "--password-stdin", NULL);

	char *list = easctl_out("user", "list", NULL);
	ck_assert_msg(has_line(list, "mike@ox.io") && has_line(list, "Mike@ox.io") &&
		      has_line(list, "bob@ox.io") && has_line(list, "anna@ox.io") &&
		      !has_line(list, "@ox.io"), "user list: %s", list);
	free(list);
	list = easctl_out("user", "list", "ox.io");
	ck_assert_msg(has_line(list, "anna@ox.io"), "user list ox.io: %s", list);
	free(list);
	expect_easctl(1, NULL, "list of an unknown context", "user", "list", "unknown.io", NULL);
}
END_TEST

START_TEST(test_user_state_commands)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw");
	static const char *const verbs[] = { "disable", "enable", "remove" };
	for (size_t i = 0; i < 3; i++) {
		expect_easctl(1, NULL, verbs[i], "user", verbs[i], "nobody@ox.io", NULL);
		expect_easctl(1, NULL, verbs[i], "user", verbs[i], "mike@unknown.io", NULL);
	}
	expect_easctl(1, "new\n", "passwd unknown", "user", "passwd", "nobody@ox.io", "--password-stdin", NULL);
	expect_easctl(1, "\n", "passwd empty", "user", "passwd", "mike@ox.io", "--password-stdin", NULL);
	expect_easctl(0, "new\n", "passwd", "user", "passwd", "mike@ox.io", "--password-stdin", NULL);
	expect_easctl(0, "newer\n", "passwd, bare name", "user", "passwd", "mike", "--password-stdin", NULL);
	expect_easctl(0, NULL, "disable", "user", "disable", "mike@ox.io", NULL);
	expect_easctl(0, NULL, "enable", "user", "enable", "ox.io\\mike", NULL);
	expect_easctl(0, NULL, "remove", "user", "remove", "mike", NULL);
	expect_easctl(1, NULL, "remove twice", "user", "remove", "mike@ox.io", NULL);
}
END_TEST

START_TEST(test_usage_errors)
{
	struct h_result r;

	/* No arguments at all. */
	const char *none[] = { NULL };
	ck_assert_int_eq(h_easctl_argv(h_env, NULL, &r, none), 2);
	ck_assert_msg(r.err[0] != '\0', "usage error without a message");
	h_result_free(&r);
	expect_easctl(2, NULL, "no command", NULL);
	expect_easctl(2, NULL, "unknown command", "frobnicate", NULL);
	expect_easctl(2, NULL, "unknown option", "--bogus", "context", "list", NULL);
	expect_easctl(2, NULL, "context alone", "context", NULL);
	expect_easctl(2, NULL, "unknown context verb", "context", "frob", NULL);
	expect_easctl(2, NULL, "context add without domain", "context", "add", NULL);
	expect_easctl(2, NULL, "context add with two domains", "context", "add", "a.io", "b.io", NULL);
	expect_easctl(2, NULL, "context default without domain", "context", "default", NULL);
	expect_easctl(2, NULL, "context remove without domain", "context", "remove", NULL);
	expect_easctl(2, NULL, "user alone", "user", NULL);
	expect_easctl(2, NULL, "unknown user verb", "user", "frob", NULL);
	expect_easctl(2, "pw\n", "user add without login", "user", "add", "--password-stdin", NULL);
	expect_easctl(2, "pw\n", "user add without --password-stdin", "user", "add", "mike@ox.io", NULL);
	expect_easctl(2, "pw\n", "user add with an unknown option", "user", "add", "mike@ox.io",
		      "--password-stdin", "--colour", "red", NULL);
	expect_easctl(2, "pw\n", "user add --name without value", "user", "add", "mike@ox.io",
		      "--password-stdin", "--name", NULL);
	expect_easctl(2, "pw\n", "user passwd without --password-stdin", "user", "passwd", "mike@ox.io", NULL);
	expect_easctl(2, NULL, "user disable without login", "user", "disable", NULL);
	expect_easctl(2, NULL, "user list with two domains", "user", "list", "a.io", "b.io", NULL);
	expect_easctl(2, NULL, "migrate with an argument", "migrate", "now", NULL);
	/* --data without a directory. */
	const char *nodir[] = { "--data", NULL };
	ck_assert_int_eq(h_easctl_argv(h_env, NULL, &r, nodir), 2);
	h_result_free(&r);
}
END_TEST

START_TEST(test_help_everywhere)
{
	static const char *const cmds[][3] = {
		{ NULL }, { "context" }, { "context", "add" }, { "context", "list" },
		{ "context", "remove" }, { "context", "default" }, { "user" }, { "user", "add" },
		{ "user", "list" }, { "user", "passwd" }, { "user", "disable" }, { "user", "enable" },
		{ "user", "remove" }, { "migrate" },
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *argv[6];
		size_t n = 0;
		struct h_result r;
		argv[n++] = "--data";
		argv[n++] = h_env_data_dir(h_env);
		for (size_t j = 0; j < 2 && cmds[i][j] != NULL; j++)
			argv[n++] = cmds[i][j];
		argv[n++] = "--help";
		argv[n] = NULL;
		h_easctl_argv(h_env, NULL, &r, argv);
		ck_assert_msg(r.status == 0, "easctl %s %s --help: exit %d (%s)", cmds[i][0] ? cmds[i][0] : "",
			      cmds[i][1] ? cmds[i][1] : "", r.status, r.err);
		ck_assert_msg(strlen(r.out) > 10, "easctl %s %s --help printed nothing on stdout",
			      cmds[i][0] ? cmds[i][0] : "", cmds[i][1] ? cmds[i][1] : "");
		h_result_free(&r);
	}
	/* --help changes nothing: no context was created by "context add --help". */
	char *list = easctl_out("context", "list", NULL);
	ck_assert_msg(!has_line(list, "--help"), "context list: %s", list);
	free(list);
}
END_TEST

/* Schema and version rows of a database, to compare runs. */
static char *schema_of(const char *data_dir)
{
	char *schema = h_db_text(data_dir, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name");
	char *versions = h_db_text(data_dir, "SELECT version, description, applied FROM schema_version ORDER BY version");
	buf b = BUF_INIT;

	buf_printf(&b, "%s--\n%s", schema, versions);
	free(schema);
	free(versions);
	return (char *)buf_detach(&b, NULL);
}

START_TEST(test_migrate_empty_and_rerun)
{
	struct h_result r;
	const char *data = h_env_data_dir(h_env);

	/* The data directory exists and is empty. */
	expect_easctl(0, NULL, "migrate an empty directory", "migrate", NULL);
	int64_t version = h_db_int(data, "SELECT max(version) FROM schema_version");
	ck_assert_int_ge(version, 1);
	char *first = schema_of(data);
	char *check = h_db_check(data);
	ck_assert_str_eq(check, "ok");
	free(check);

	/* Data written between the runs survives the second run, which changes nothing. */
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw");
	h_easctl(h_env, NULL, &r, "migrate", NULL);
	ck_assert_msg(r.status == 0, "second migrate: %d (%s)", r.status, r.err);
	h_result_free(&r);
	char *second = schema_of(data);
	ck_assert_str_eq(first, second);
	ck_assert_int_eq(h_db_int(data, "SELECT count(*) FROM users"), 1);
	free(second);

	/* easd on the migrated directory neither migrates again nor fails. */
	h_easd_start(h_env, NULL);
	ck_assert_int_eq(h_options_status(h_env, "mike@ox.io", "pw"), 200);
	h_easd_stop(h_env);
	second = schema_of(data);
	ck_assert_str_eq(first, second);
	free(second);
	free(first);

	/* A data directory that does not exist yet (its parent does) is created. */
	const char *fresh = h_env_path(h_env, "fresh");
	char fresh_copy[4200];
	snprintf(fresh_copy, sizeof(fresh_copy), "%s", fresh);
	const char *argv[] = { "--data", fresh_copy, "migrate", NULL };
	h_easctl_argv(h_env, NULL, &r, argv);
	ck_assert_msg(r.status == 0, "migrate of a missing directory: %d (%s)", r.status, r.err);
	h_result_free(&r);
	struct stat st;
	ck_assert_int_eq(stat(fresh_copy, &st), 0);
	ck_assert_msg((st.st_mode & 077) == 0, "data directory mode %o is open to others", st.st_mode & 0777);
	ck_assert_int_eq(stat(h_db_path(fresh_copy), &st), 0);
	ck_assert_msg((st.st_mode & 077) == 0, "database mode %o is open to others", st.st_mode & 0777);
	ck_assert_int_eq(h_db_int(fresh_copy, "SELECT max(version) FROM schema_version"), version);
}
END_TEST

/* Creates device rows for a user by making requests as that user (store_device_touch). */
static void use_device(const char *login, const char *password, const char *device_id)
{
	struct h_device dev;
	struct h_response r;

	h_device_init(&dev, login, password);
	dev.device_id = device_id;
	const char *cmd = h_unimplemented_command(h_env, &dev);
	ck_assert_ptr_nonnull(cmd);
	ck_assert_int_eq(h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r), 501);
	h_response_free(&r);
}

static int64_t user_id(const char *name, const char *domain)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT u.id FROM users u JOIN contexts c ON c.id = u.context_id "
		 "WHERE u.name = '%s' AND c.domain = '%s'", name, domain);
	return h_db_int(h_env_data_dir(h_env), sql);
}

START_TEST(test_user_remove_removes_all_data)
{
	const char *data = h_env_data_dir(h_env);

	h_add_context(h_env, "ox.io", true);
	h_add_context(h_env, "b.io", false);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	h_add_user(h_env, "john@ox.io", "pw-john");
	h_add_user(h_env, "mike@b.io", "pw-mike-b");
	h_easd_start(h_env, &(struct h_opts){ .config = "[auth]\nmax_failures_per_user = 1000\n" });
	use_device("mike@ox.io", "pw-mike", "MIKEPHONE1");
	use_device("mike@ox.io", "pw-mike", "MIKEPHONE2");
	use_device("john@ox.io", "pw-john", "JOHNPHONE1");
	use_device("mike@b.io", "pw-mike-b", "MIKEBPHONE");

	int64_t mike = user_id("mike", "ox.io"), john = user_id("john", "ox.io");
	int64_t mike_b = user_id("mike", "b.io");
	int64_t mike_rows = h_db_user_row_count(data, mike);
	int64_t john_rows = h_db_user_row_count(data, john);
	/* Without data to remove the test would prove nothing: requests leave device rows. */
	ck_assert_msg(mike_rows >= 2, "mike's requests left %lld rows (want devices)", (long long)mike_rows);

	h_easctl_ok(h_env, NULL, "user", "remove", "mike@ox.io", NULL);
	char *left = h_db_user_rows(data, mike);
	ck_assert_msg(left[0] == '\0', "rows of the removed user remain: %s", left);
	free(left);
	ck_assert_int_eq(h_db_int(data, "SELECT count(*) FROM users WHERE name = 'mike'"), 1);
	/* Nobody else lost anything. */
	ck_assert_int_eq(h_db_user_row_count(data, john), john_rows);
	ck_assert_int_ge(h_db_user_row_count(data, mike_b), 1);
	ck_assert_int_eq(h_options_status(h_env, "john@ox.io", "pw-john"), 200);
	ck_assert_int_eq(h_options_status(h_env, "mike@b.io", "pw-mike-b"), 200);

	/* A context with users goes only with --force, and then with all their data. */
	expect_easctl(1, NULL, "remove a context with users", "context", "remove", "ox.io", NULL);
	ck_assert_int_eq(h_db_user_row_count(data, john), john_rows);
	ck_assert_int_eq(h_options_status(h_env, "john@ox.io", "pw-john"), 200);
	h_easctl_ok(h_env, NULL, "context", "remove", "ox.io", "--force", NULL);
	ck_assert_int_eq(h_db_user_row_count(data, john), 0);
	ck_assert_int_eq(h_db_int(data, "SELECT count(*) FROM users WHERE context_id NOT IN "
					"(SELECT id FROM contexts)"), 0);
	ck_assert_int_ge(h_db_user_row_count(data, mike_b), 1);
	ck_assert_int_eq(h_options_status(h_env, "john@ox.io", "pw-john"), 401);
	char *check = h_db_check(data);
	ck_assert_str_eq(check, "ok");
	free(check);
}
END_TEST

static Suite *easctl_suite(void)
{
	Suite *s = suite_create("e2e-easctl");
	TCase *tc = h_tcase_new("easctl");

	tcase_add_test(tc, test_context_commands);
	tcase_add_test(tc, test_user_add_errors);
	tcase_add_test(tc, test_user_state_commands);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_help_everywhere);
	tcase_add_test(tc, test_migrate_empty_and_rerun);
	tcase_add_test(tc, test_user_remove_removes_all_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(easctl_suite());
}
