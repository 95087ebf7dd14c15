/* Unit tests of login throttling (server/throttle.h) and the credential cache
 * (server/authcache.h). Time is passed in, so no test sleeps. */
#include <check.h>
#include <string.h>

#include "lib/password.h"
#include "server/authcache.h"
#include "server/throttle.h"

static const struct srv_throttle_limits limits = {
	.max_failures_per_user = 3,
	.max_failures_per_address = 5,
	.failure_window = 60,
};

START_TEST(test_user_lock_and_lift)
{
	struct srv_throttle *t = srv_throttle_new(&limits, 0);
	unsigned retry;
	int64_t now = 1000;

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now, &retry),
				 SRV_THROTTLE_ALLOW);
		ck_assert_uint_eq(retry, 0);
		srv_throttle_failure(t, "mike@ox.io", "192.0.2.1", now + i);
	}
	/* Locked from anywhere (no known address yet), for the rest of the window. */
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 10, &retry),
			 SRV_THROTTLE_DENY);
	ck_assert_uint_eq(retry, 50);
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "198.51.100.7", now + 10, NULL),
			 SRV_THROTTLE_DENY);
	/* Other users are not affected (the address has 3 of 5 failures). */
	ck_assert_int_eq(srv_throttle_check(t, "anna@ox.io", "192.0.2.1", now + 10, NULL),
			 SRV_THROTTLE_ALLOW);
	/* The lock lifts when the window ends. */
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 59, NULL),
			 SRV_THROTTLE_DENY);
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 60, NULL),
			 SRV_THROTTLE_ALLOW);
	/* A new window starts counting from zero. */
	srv_throttle_failure(t, "mike@ox.io", "192.0.2.1", now + 61);
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 62, NULL),
			 SRV_THROTTLE_ALLOW);
	srv_throttle_free(&t);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_user_lock_known_address)
{
	struct srv_throttle *t = srv_throttle_new(&limits, 0);
	int64_t now = 5000;

	/* The phone logged in from its address; then someone guesses from elsewhere. */
	srv_throttle_success(t, "mike@ox.io", "192.0.2.1", now);
	for (int i = 0; i < 3; i++)
		srv_throttle_failure(t, "mike@ox.io", "203.0.113.9", now + 1);
	/* The guesser is denied outright; the phone may still use cached credentials. */
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "203.0.113.9", now + 2, NULL),
			 SRV_THROTTLE_DENY);
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 2, NULL),
			 SRV_THROTTLE_CACHE_ONLY);
	srv_throttle_free(&t);
}
END_TEST

START_TEST(test_address_lock)
{
	struct srv_throttle *t = srv_throttle_new(&limits, 0);
	unsigned retry;
	int64_t now = 7000;

	/* Q-MS-4: one shared address (Outlook mobile) with a known user on it. */
	srv_throttle_success(t, "anna@ox.io", "192.0.2.50", now);
	for (int i = 0; i < 5; i++) {
		char user[32];
		snprintf(user, sizeof(user), "guess%d@ox.io", i);
		srv_throttle_failure(t, user, "192.0.2.50", now);
	}
	/* A user known from this address is still verified normally... */
	ck_assert_int_eq(srv_throttle_check(t, "anna@ox.io", "192.0.2.50", now + 1, &retry),
			 SRV_THROTTLE_ALLOW);
	/* ...others from it only through the cache; elsewhere nobody is affected. */
	ck_assert_int_eq(srv_throttle_check(t, "bob@ox.io", "192.0.2.50", now + 1, &retry),
			 SRV_THROTTLE_CACHE_ONLY);
	ck_assert_uint_eq(retry, 59);
	ck_assert_int_eq(srv_throttle_check(t, "bob@ox.io", "192.0.2.51", now + 1, NULL),
			 SRV_THROTTLE_ALLOW);
	ck_assert_int_eq(srv_throttle_check(t, "bob@ox.io", "192.0.2.50", now + 60, NULL),
			 SRV_THROTTLE_ALLOW);
	srv_throttle_free(&t);
}
END_TEST

START_TEST(test_new_limits_and_bounded_memory)
{
	struct srv_throttle *t = srv_throttle_new(&limits, 16);
	int64_t now = 9000;

	/* Far more keys than slots: the table stays bounded and keeps working. */
	for (int i = 0; i < 1000; i++) {
		char user[32], addr[32];
		snprintf(user, sizeof(user), "u%d", i);
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 256, i % 256);
		srv_throttle_failure(t, user, addr, now);
	}
	for (int i = 0; i < 3; i++)
		srv_throttle_failure(t, "mike@ox.io", "192.0.2.1", now + 1);
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 1, NULL),
			 SRV_THROTTLE_DENY);
	/* A higher limit (SIGHUP) applies to the counts already made. */
	struct srv_throttle_limits more = limits;
	more.max_failures_per_user = 4;
	srv_throttle_set_limits(t, &more);
	ck_assert_int_eq(srv_throttle_check(t, "mike@ox.io", "192.0.2.1", now + 1, NULL),
			 SRV_THROTTLE_ALLOW);
	srv_throttle_free(&t);
}
END_TEST

START_TEST(test_cache_hit_ttl_and_invalidation)
{
	struct srv_auth_cache *c = srv_auth_cache_new(0);
	unsigned char k1[SRV_AUTH_CACHE_KEY_LEN], k2[SRV_AUTH_CACHE_KEY_LEN];
	unsigned char k3[SRV_AUTH_CACHE_KEY_LEN], k4[SRV_AUTH_CACHE_KEY_LEN];

	srv_auth_cache_key(c, "ox.io", "mike", "secret", 6, "$argon2id$old", k1);
	ck_assert(!srv_auth_cache_lookup(c, k1, 100, 300));
	srv_auth_cache_insert(c, k1, 100);
	ck_assert(srv_auth_cache_lookup(c, k1, 100, 300));
	ck_assert(srv_auth_cache_lookup(c, k1, 399, 300));
	ck_assert(!srv_auth_cache_lookup(c, k1, 400, 300));   /* TTL over */
	ck_assert(!srv_auth_cache_lookup(c, k1, 99, 300));    /* clock went back */
	ck_assert(!srv_auth_cache_lookup(c, k1, 100, 0));     /* cache off */

	/* Another password, another stored hash (password changed), field boundaries. */
	srv_auth_cache_key(c, "ox.io", "mike", "secreT", 6, "$argon2id$old", k2);
	srv_auth_cache_key(c, "ox.io", "mike", "secret", 6, "$argon2id$new", k3);
	srv_auth_cache_key(c, "ox.i", "omike", "secret", 6, "$argon2id$old", k4);
	ck_assert(memcmp(k1, k2, sizeof(k1)) != 0);
	ck_assert(memcmp(k1, k3, sizeof(k1)) != 0);
	ck_assert(memcmp(k1, k4, sizeof(k1)) != 0);
	ck_assert(!srv_auth_cache_lookup(c, k2, 200, 300));
	ck_assert(!srv_auth_cache_lookup(c, k3, 200, 300));
	ck_assert(!srv_auth_cache_lookup(c, k4, 200, 300));

	srv_auth_cache_clear(c);
	ck_assert(!srv_auth_cache_lookup(c, k1, 200, 300));
	srv_auth_cache_free(&c);
	ck_assert_ptr_null(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("server-throttle");
	TCase *tc = tcase_create("throttle");

	password_init();
	tcase_add_test(tc, test_user_lock_and_lift);
	tcase_add_test(tc, test_user_lock_known_address);
	tcase_add_test(tc, test_address_lock);
	tcase_add_test(tc, test_new_limits_and_bounded_memory);
	tcase_add_test(tc, test_cache_hit_ttl_and_invalidation);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
