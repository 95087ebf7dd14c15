/* Unit tests of src/lib. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "lib/utf8.h"

START_TEST(test_pool_grows_and_aligns)
{
	pool *p = pool_new(64);
	for (int i = 0; i < 1000; i++) {
		char *s = pool_printf(p, "item-%d", i);
		ck_assert_str_eq(s, pool_printf(p, "item-%d", i));
		ck_assert_uint_eq((uintptr_t)s % _Alignof(max_align_t), 0);
	}
	void *big = pool_zalloc(p, 1 << 20);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(((unsigned char *)big)[(1 << 20) - 1], 0);
	ck_assert_uint_ge(pool_used(p), 1 << 20);
	pool_free(&p);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_buf_binary_and_printf)
{
	buf b = BUF_INIT;
	buf_append(&b, "a\0b", 3);
	ck_assert_uint_eq(b.len, 3);
	buf_printf(&b, "%d-%s", 42, "x");
	ck_assert_uint_eq(b.len, 7);
	ck_assert_int_eq(memcmp(b.data, "a\0b42-x", 7), 0);
	ck_assert_uint_eq(b.data[b.len], 0);
	buf_truncate(&b, 1);
	ck_assert_str_eq(buf_cstr(&b), "a");
	buf_free(&b);
	ck_assert_str_eq(buf_cstr(&b), "");
}
END_TEST

START_TEST(test_base64_round_trip_and_errors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	const char *error;

	for (size_t i = 0; i < 7; i++) {
		buf b = BUF_INIT, d = BUF_INIT;
		base64_encode(&b, plain[i], strlen(plain[i]));
		ck_assert_str_eq(buf_cstr(&b), enc[i]);
		ck_assert_int_eq(base64_decode(&d, (const char *)b.data, b.len, &error), 0);
		ck_assert_str_eq(buf_cstr(&d), plain[i]);
		buf_free(&b);
		buf_free(&d);
	}
	buf d = BUF_INIT;
	ck_assert_int_eq(base64_decode(&d, "Zm9v!", 5, &error), -1);
	ck_assert_int_eq(base64_decode(&d, "Z", 1, &error), -1);
	ck_assert_int_eq(base64_decode(&d, "Zm9=v", 5, &error), -1);
	ck_assert_uint_eq(d.len, 0);
	/* Missing padding is accepted (MS-ASHTTP clients differ). */
	ck_assert_int_eq(base64_decode(&d, "Zg", 2, &error), 0);
	ck_assert_str_eq(buf_cstr(&d), "f");
	buf_free(&d);
}
END_TEST

START_TEST(test_str_to_uint64_strict)
{
	uint64_t v;
	ck_assert_int_eq(str_to_uint64("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(str_to_uint64("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(str_to_uint64("18446744073709551616", UINT64_MAX, &v), -1);
	ck_assert_int_eq(str_to_uint64("11", 10, &v), -1);
	ck_assert_int_eq(str_to_uint64("", 10, &v), -1);
	ck_assert_int_eq(str_to_uint64("-1", 10, &v), -1);
	ck_assert_int_eq(str_to_uint64(" 1", 10, &v), -1);
	ck_assert(str_eq_nocase("Ox.IO", "ox.io"));
	ck_assert(!str_eq_nocase("ox.io", "ox.i"));
	ck_assert(str_eq_consttime("abc", 3, "abc", 3));
	ck_assert(!str_eq_consttime("abc", 3, "abd", 3));
	ck_assert(!str_eq_consttime("abc", 3, "abcd", 4));
}
END_TEST

START_TEST(test_utf8)
{
	size_t off;
	ck_assert(utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11, NULL));
	ck_assert(!utf8_valid("ab\xc0\xaf", 4, &off)); /* overlong '/' */
	ck_assert_uint_eq(off, 2);
	ck_assert(!utf8_valid("\xed\xa0\x80", 3, &off)); /* surrogate */
	ck_assert(!utf8_valid("\xe2\x82", 2, &off)); /* truncated */
	buf b = BUF_INIT;
	utf8_append_sanitized(&b, "a\xffz", 3);
	ck_assert_str_eq(buf_cstr(&b), "a\xef\xbf\xbdz");
	buf_free(&b);
	ck_assert_uint_eq(utf8_truncate_len("a\xc3\xa9", 3, 2), 1);
	ck_assert_uint_eq(utf8_truncate_len("a\xc3\xa9", 3, 3), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_pool_grows_and_aligns);
	tcase_add_test(tc, test_buf_binary_and_printf);
	tcase_add_test(tc, test_base64_round_trip_and_errors);
	tcase_add_test(tc, test_str_to_uint64_strict);
	tcase_add_test(tc, test_utf8);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
