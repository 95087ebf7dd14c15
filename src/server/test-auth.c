/* Unit tests of the pure parts of authentication (server/auth.h) and of the hasher pool
 * (server/hasher.h). The whole login path runs against a real easd in tests/e2e-auth.c. */
#include <check.h>
#include <pthread.h>
#include <string.h>

#include "lib/password.h"
#include "server/auth.h"
#include "server/hasher.h"

START_TEST(test_basic_decode)
{
	pool *p = pool_new(0);
	const char *login, *error;
	char *password;
	size_t len;

	/* "mike@ox.io:se:cret" — the password may contain ':' */
	ck_assert_int_eq(srv_basic_decode(p, "Basic bWlrZUBveC5pbzpzZTpjcmV0", &login, &password,
					  &len, &error), 0);
	ck_assert_str_eq(login, "mike@ox.io");
	ck_assert_str_eq(password, "se:cret");
	ck_assert_uint_eq(len, 7);
	/* Scheme case-insensitive, extra blanks. */
	ck_assert_int_eq(srv_basic_decode(p, "basic   bWlrZTpwdw==  ", &login, &password, &len,
					  &error), 0);
	ck_assert_str_eq(login, "mike");
	ck_assert_str_eq(password, "pw");
	/* Q-HTTP-4: "j\xf6rg:p\xe4ss" in ISO-8859-1 becomes UTF-8. */
	ck_assert_int_eq(srv_basic_decode(p, "Basic avZyZzpw5HNz", &login, &password, &len,
					  &error), 0);
	ck_assert_str_eq(login, "j\xc3\xb6rg");
	ck_assert_str_eq(password, "p\xc3\xa4ss");
	/* An empty password is a password (the store refuses it; the hash will not match). */
	ck_assert_int_eq(srv_basic_decode(p, "Basic bWlrZTo=", &login, &password, &len, &error), 0);
	ck_assert_uint_eq(len, 0);

	static const char *const bad[] = {
		NULL, "", "Basic", "Basic ", "Bearer bWlrZTpwdw==", "Basicx bWlrZTpwdw==",
		"Basic bWlrZQ==",        /* no ':' */
		"Basic OnB3",            /* empty login ":pw" */
		"Basic bWlrZTpw!!",      /* not base64 */
		"Basic bWkAa2U6cHc=",    /* NUL inside */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(srv_basic_decode(p, bad[i], &login, &password, &len, &error) == -1,
			      "accepted %s", bad[i] != NULL ? bad[i] : "(null)");
	pool_free(&p);
}
END_TEST

START_TEST(test_user_matches)
{
	pool *p = pool_new(0);
	struct store_user u = { .id = 1, .name = "mike", .domain = "ox.io",
				.email = "Mike.Smith@ox.io" };

	ck_assert(srv_auth_user_matches(p, "mike@ox.io", &u, NULL));
	ck_assert(srv_auth_user_matches(p, "mike@OX.IO", &u, NULL));
	ck_assert(srv_auth_user_matches(p, "ox.io\\mike", &u, NULL));
	ck_assert(srv_auth_user_matches(p, "mike", &u, "ox.io"));
	ck_assert(srv_auth_user_matches(p, "mike.smith@ox.io", &u, NULL)); /* e-mail address */
	ck_assert(!srv_auth_user_matches(p, "Mike@ox.io", &u, NULL));      /* names are case-sensitive */
	ck_assert(!srv_auth_user_matches(p, "mike@other.io", &u, NULL));
	ck_assert(!srv_auth_user_matches(p, "mike", &u, "other.io"));
	ck_assert(!srv_auth_user_matches(p, "mike", &u, NULL));             /* no default context */
	ck_assert(!srv_auth_user_matches(p, "john@ox.io", &u, NULL));
	ck_assert(!srv_auth_user_matches(p, "@", &u, NULL));
	pool_free(&p);
}
END_TEST

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned done, matched;
};

static void job_done(void *ctx, bool match)
{
	struct waiter *w = ctx;

	pthread_mutex_lock(&w->lock);
	w->done++;
	w->matched += match ? 1 : 0;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

START_TEST(test_hasher_bounds_and_drain)
{
	char hash[PASSWORD_HASH_MAX];
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

	ck_assert_int_eq(password_hash("pw", 2, hash), 0);
	struct srv_hasher *h = srv_hasher_new(1, 3);
	ck_assert_uint_eq(srv_hasher_threads(h), 1);
	/* Three places, no more. */
	ck_assert(srv_hasher_reserve(h));
	ck_assert(srv_hasher_reserve(h));
	ck_assert(srv_hasher_reserve(h));
	ck_assert(!srv_hasher_reserve(h));
	srv_hasher_release(h);
	srv_hasher_submit(h, hash, "pw", 2, job_done, &w);
	srv_hasher_submit(h, hash, "wrong", 5, job_done, &w);
	/* Draining finishes both jobs, and refuses new places from then on. */
	srv_hasher_drain(h);
	ck_assert_uint_eq(w.done, 2);
	ck_assert_uint_eq(w.matched, 1);
	ck_assert(!srv_hasher_reserve(h));
	srv_hasher_free(&h);
	ck_assert_ptr_null(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("server-auth");
	TCase *tc = tcase_create("auth");

	password_init();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_basic_decode);
	tcase_add_test(tc, test_user_matches);
	tcase_add_test(tc, test_hasher_bounds_and_drain);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
