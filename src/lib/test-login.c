/* Unit tests of the login forms (lib/login.h). */
#include <check.h>
#include <string.h>

#include "lib/login.h"

struct login_case {
	const char *login;
	const char *user;
	const char *domain; /* NULL: default context */
};

START_TEST(test_login_forms)
{
	static const struct login_case cases[] = {
		{ "mike@ox.io", "mike", "ox.io" },
		{ "ox.io\\mike", "mike", "ox.io" },
		{ "mike", "mike", NULL },
		{ "Mike@OX.io", "Mike", "ox.io" },       /* user keeps its case, domain lower */
		{ "OX.IO\\Mike", "Mike", "ox.io" },
		{ "a@b@ox.io", "a@b", "ox.io" },         /* the LAST '@' */
		{ "ox.io\\a\\b", "a\\b", "ox.io" },      /* the FIRST '\' */
		{ "ox.io\\mike@OX.IO", "mike", "ox.io" }, /* both forms at once, same domain */
		{ "m", "m", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pool *p = pool_new(0);
		const char *user = NULL, *domain = "unset", *error = NULL;
		ck_assert_msg(login_parse(cases[i].login, p, &user, &domain, &error) == 0,
			      "%s: %s", cases[i].login, error);
		ck_assert_str_eq(user, cases[i].user);
		if (cases[i].domain == NULL)
			ck_assert_ptr_null(domain);
		else
			ck_assert_str_eq(domain, cases[i].domain);
		pool_free(&p);
	}
}
END_TEST

START_TEST(test_login_errors)
{
	static const char *const bad[] = {
		"", "@ox.io", "mike@", "\\mike", "ox.io\\", "@", "\\",
		"ox.io\\mike@other.io", /* two domains that disagree */
		"ox.io\\@ox.io",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pool *p = pool_new(0);
		const char *user = "unset", *domain = "unset", *error = NULL;
		ck_assert_msg(login_parse(bad[i], p, &user, &domain, &error) == -1, "%s", bad[i]);
		ck_assert_ptr_nonnull(error);
		ck_assert_str_eq(user, "unset"); /* no half-filled results */
		ck_assert_str_eq(domain, "unset");
		pool_free(&p);
	}
	/* Over the length limit. */
	char long_login[LOGIN_MAX_LEN + 2];
	memset(long_login, 'a', sizeof(long_login) - 1);
	long_login[sizeof(long_login) - 1] = '\0';
	pool *p = pool_new(0);
	const char *user, *domain, *error = NULL;
	ck_assert_int_eq(login_parse(long_login, p, &user, &domain, &error), -1);
	long_login[LOGIN_MAX_LEN] = '\0';
	ck_assert_int_eq(login_parse(long_login, p, &user, &domain, &error), 0);
	ck_assert_uint_eq(strlen(user), LOGIN_MAX_LEN);
	pool_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("login");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_login_forms);
	tcase_add_test(tc, test_login_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
