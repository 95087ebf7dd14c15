/* test-body.c: unit tests of body output: BodyPreference types with plain/HTML conversion
 * (Q-MAIL-1), TruncationSize on character boundaries (Q-MAIL-2), AllOrNone, Preview, the
 * Windows Phone rules (Q-MS-5) and 2.5 Truncation. */
#include "pim/test-pim.h"

static pool *pl;

static void setup(void)
{
	pl = pool_new(0);
}

static void teardown(void)
{
	pool_free(&pl);
}

/* A contact with a body of type and data. */
static struct store_item with_body(const char *type, const char *data)
{
	struct tp in[] = {
		{ WBXML_Contacts_FirstName, "Jo", 0 },
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		{ WBXML_AirSyncBase_Type, type, 1 },
		{ WBXML_AirSyncBase_Data, data, 1 },
	};
	return tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in, 4), 161, NULL, NULL);
}

/* The Body a device gets with these preferences. */
static struct wbxml_node *body_out(const struct store_item *item, int version,
				   const struct pim_body_pref *prefs, size_t n)
{
	struct pim_out_options opt = { .version = version, .body_pref_count = n };
	if (n > 0)
		memcpy(opt.body_prefs, prefs, n * sizeof(*prefs));
	return wbxml_child(tp_out(pl, STORE_CLASS_CONTACTS, item, &opt), WBXML_AirSyncBase_Body);
}

START_TEST(conversions)
{
	buf b = BUF_INIT;

	pim_text_to_html(&b, "a < b & \"c\"\r\nline 2\nx", 21);
	ck_assert_str_eq(buf_cstr(&b), "a &lt; b &amp; &quot;c&quot;<br>\nline 2<br>\nx");
	buf_truncate(&b, 0);
	static const char html[] =
		"<html><head><title>T</title><style>p{color:red}</style></head><body>"
		"<p>Hello&nbsp;<b>World</b> &amp; &lt;you&gt; &#233;&#x263A;</p>"
		"<script>alert('x')</script><!-- hidden -->"
		"<div>line   two\n wrapped</div>a<br>b &bogus; &#xZZ; & end</body></html>";
	pim_html_to_text(&b, html, strlen(html));
	ck_assert_str_eq(buf_cstr(&b),
			 "Hello World & <you> \xc3\xa9\xe2\x98\xba\nline two wrapped\na\nb "
			 "&bogus; &#xZZ; & end");
	/* Never a tag in the result, even from broken HTML; surrogates become U+FFFD. */
	buf_truncate(&b, 0);
	static const char broken[] = "x<scr<script>ipt>y</script>z<b &#xD800;";
	pim_html_to_text(&b, broken, strlen(broken));
	ck_assert_ptr_null(strchr(buf_cstr(&b), '<'));
	buf_truncate(&b, 0);
	pim_html_to_text(&b, "&#xD800;&#0;&#99999999999;", 26);
	ck_assert_str_eq(buf_cstr(&b), "\xef\xbf\xbd\xef\xbf\xbd");
	buf_free(&b);
}
END_TEST

START_TEST(plain_to_html_and_back)
{
	struct store_item plain = with_body("1", "Tom & Jerry\nsecond");
	struct pim_body_pref html = { .type = 2 };
	struct wbxml_node *body = body_out(&plain, 141, &html, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "2");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "Tom &amp; Jerry<br>\nsecond");
	ck_assert_ptr_null(wbxml_child(body, WBXML_AirSyncBase_Truncated));

	struct store_item rich = with_body("2", "<p>Tom &amp; <i>Jerry</i></p>");
	struct pim_body_pref text = { .type = 1 };
	body = body_out(&rich, 141, &text, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "1");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "Tom & Jerry");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_EstimatedDataSize), "11");
	/* Both asked: the stored type wins (no conversion). */
	struct pim_body_pref both[] = { { .type = 1 }, { .type = 2 } };
	body = body_out(&rich, 141, both, 2);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "2");
	/* No preference at all: plain text. */
	body = body_out(&rich, 121, NULL, 0);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "Tom & Jerry");
}
END_TEST

START_TEST(truncation)
{
	/* "héllo wörld": é and ö are two bytes. Cutting at 2 must not split é. */
	struct store_item item = with_body("1", "h\xc3\xa9llo w\xc3\xb6rld");
	struct pim_body_pref cut = { .type = 1, .truncation_size = 2 };
	struct wbxml_node *body = body_out(&item, 141, &cut, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "h");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Truncated), "1");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_EstimatedDataSize), "13");
	cut.truncation_size = 3;
	body = body_out(&item, 141, &cut, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "h\xc3\xa9");
	/* Exactly the size: not truncated, and no Truncated element (Q-MS-5). */
	cut.truncation_size = 13;
	body = body_out(&item, 141, &cut, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "h\xc3\xa9llo w\xc3\xb6rld");
	ck_assert_ptr_null(wbxml_child(body, WBXML_AirSyncBase_Truncated));
}
END_TEST

START_TEST(all_or_none)
{
	struct store_item item = with_body("2", "<b>0123456789</b>");
	/* HTML with AllOrNone too small: the next preference (plain, 5) is used. */
	struct pim_body_pref prefs[] = {
		{ .type = 2, .truncation_size = 5, .all_or_none = true },
		{ .type = 1, .truncation_size = 5 },
	};
	struct wbxml_node *body = body_out(&item, 141, prefs, 2);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "1");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "01234");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Truncated), "1");
	/* Only AllOrNone preferences that do not fit: no Data, Truncated 1, the size. */
	body = body_out(&item, 141, prefs, 1);
	ck_assert_ptr_null(wbxml_child(body, WBXML_AirSyncBase_Data));
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Truncated), "1");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_EstimatedDataSize), "17");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "2");
	/* AllOrNone that fits: the whole body. */
	prefs[0].truncation_size = 100;
	body = body_out(&item, 141, prefs, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "<b>0123456789</b>");
}
END_TEST

START_TEST(preview)
{
	struct store_item item = with_body("2", "<p>Hello</p>\n<p>  big   w\xc3\xb6rld</p>");
	struct pim_body_pref pref = { .type = 2, .preview = 13 };
	struct wbxml_node *body = body_out(&item, 141, &pref, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Preview), "Hello big w\xc3\xb6r");
	/* Body children in MS-ASAIRS order. */
	ck_assert_uint_eq(body->children->tag, WBXML_AirSyncBase_Type);
	ck_assert_uint_eq(body->last_child->tag, WBXML_AirSyncBase_Preview);
	/* 12.1 has no Preview. */
	body = body_out(&item, 121, &pref, 1);
	ck_assert_ptr_null(wbxml_child(body, WBXML_AirSyncBase_Preview));
}
END_TEST

/* Q-MS-5: no body text, no Body element at all. */
START_TEST(no_body)
{
	static const struct tp in[] = {
		{ WBXML_Contacts_FirstName, "Jo", 0 },
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		{ WBXML_AirSyncBase_Type, "1", 1 },
		{ WBXML_AirSyncBase_Data, NULL, 1 },
	};
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in, 4), 161,
					  NULL, NULL);
	struct pim_body_pref pref = { .type = 1, .truncation_size = 100 };
	ck_assert_ptr_null(body_out(&item, 141, &pref, 1));
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 25);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Body));
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_BodyTruncated));
}
END_TEST

/* RTF (Windows Mobile contacts, Q-MS-6) is sent only to who asks for it. */
START_TEST(rtf)
{
	struct store_item item = with_body("3", "e1xydGYxIGhlbGxvfQ==");
	struct pim_body_pref plain = { .type = 1 };
	ck_assert_ptr_null(body_out(&item, 141, &plain, 1));
	struct pim_body_pref want_rtf = { .type = 3 };
	struct wbxml_node *body = body_out(&item, 141, &want_rtf, 1);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "3");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "e1xydGYxIGhlbGxvfQ==");
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 25);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Body));
}
END_TEST

START_TEST(truncation_25)
{
	struct store_item item = with_body("2", "<p>caf\xc3\xa9</p>");
	struct pim_out_options opt = { .version = 25 };
	ck_assert_int_eq(pim_truncation_25(9, &opt), 0);
	ck_assert_uint_eq(opt.truncation_25, 0);
	struct wbxml_node *out = tp_out(pl, STORE_CLASS_CONTACTS, &item, &opt);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_Body), "caf\xc3\xa9"); /* never raw HTML */
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_BodyTruncated));
	ck_assert_int_eq(pim_truncation_25(1, &opt), 0);
	ck_assert_uint_eq(opt.truncation_25, 512);
	opt.truncation_25 = 4; /* inside the é */
	out = tp_out(pl, STORE_CLASS_CONTACTS, &item, &opt);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_Body), "caf");
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_BodySize), "5");
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_BodyTruncated), "1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-body");
	TCase *tc = tcase_create("body");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, conversions);
	tcase_add_test(tc, plain_to_html_and_back);
	tcase_add_test(tc, truncation);
	tcase_add_test(tc, all_or_none);
	tcase_add_test(tc, preview);
	tcase_add_test(tc, no_body);
	tcase_add_test(tc, rtf);
	tcase_add_test(tc, truncation_25);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
