/* test-contact.c: unit tests of the Contacts class: round trip of every property on each
 * version, version filtering, ghosting, the Picture quirks, hostile input. */
#include "pim/test-pim.h"

#include "lib/log.h"

#define C(name, value) { WBXML_Contacts_##name, value, 0 }
#define C2(name, value) { WBXML_Contacts2_##name, value, 0 }
#define SUB(page, name, value) { WBXML_##page##_##name, value, 1 }

static const char photo[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/* Every property of both pages that every version has, plus Categories and Children. */
static const struct tp all_common[] = {
	C(Anniversary, "2010-06-12T00:00:00.000Z"),
	C(AssistantName, "Ann Assistant"),
	C(AssistantPhoneNumber, "+1 555 0100"),
	C(Birthday, "1980-02-29T00:00:00.000Z"),
	C(Business2PhoneNumber, "+1 555 0101"),
	C(BusinessAddressCity, "Redmond"),
	C(BusinessAddressCountry, "USA"),
	C(BusinessAddressPostalCode, "98052"),
	C(BusinessAddressState, "WA"),
	C(BusinessAddressStreet, "1 Way"),
	C(BusinessFaxNumber, "+1 555 0102"),
	C(BusinessPhoneNumber, "+1 555 0103"),
	C(CarPhoneNumber, "+1 555 0104"),
	{ WBXML_Contacts_Categories, NULL, 0 },
	SUB(Contacts, Category, "Friends"),
	SUB(Contacts, Category, "Work"),
	{ WBXML_Contacts_Children, NULL, 0 },
	SUB(Contacts, Child, "Tom"),
	SUB(Contacts, Child, "Zoë"),
	C(CompanyName, "Contoso"),
	C(Department, "R&D"),
	C(Email1Address, "\"Jo\" <jo@example.com>"),
	C(Email2Address, "jo2@example.com"),
	C(Email3Address, "jo3@example.com"),
	C(FileAs, "Doe, Jo"),
	C(FirstName, "Jo"),
	C(Home2PhoneNumber, "+1 555 0105"),
	C(HomeAddressCity, "Seattle"),
	C(HomeAddressCountry, "USA"),
	C(HomeAddressPostalCode, "98101"),
	C(HomeAddressState, "WA"),
	C(HomeAddressStreet, "2 Pine St\nApt 3"),
	C(HomeFaxNumber, "+1 555 0106"),
	C(HomePhoneNumber, "+1 555 0107"),
	C(JobTitle, "Engineer"),
	C(LastName, "Doe"),
	C(MiddleName, "Q"),
	C(MobilePhoneNumber, "+1 555 0108"),
	C(OfficeLocation, "B1"),
	C(OtherAddressCity, "Portland"),
	C(OtherAddressCountry, "USA"),
	C(OtherAddressPostalCode, "97201"),
	C(OtherAddressState, "OR"),
	C(OtherAddressStreet, "3 Oak"),
	C(PagerNumber, "+1 555 0109"),
	C(RadioPhoneNumber, "+1 555 0110"),
	C(Spouse, "Sam"),
	C(Suffix, "Jr."),
	C(Title, "Dr."),
	C(WebPage, "https://example.com/jo"),
	C(YomiCompanyName, "コントソ"),
	C(YomiFirstName, "ジョ"),
	C(YomiLastName, "ドウ"),
	C(Picture, photo),
	C2(CustomerId, "C-1"),
	C2(GovernmentId, "G-1"),
	C2(IMAddress, "jo@im.example"),
	C2(IMAddress2, "jo2@im.example"),
	C2(IMAddress3, "jo3@im.example"),
	C2(ManagerName, "Max"),
	C2(CompanyMainPhone, "+1 555 0111"),
	C2(AccountName, "jdoe"),
	C2(NickName, "JJ"),
	C2(MMS, "+1 555 0112"),
};
#define N_COMMON (sizeof(all_common) / sizeof(all_common[0]))

static pool *pl;

static void setup(void)
{
	pl = pool_new(0);
	log_set_level(LOG_LEVEL_ERROR);
}

static void teardown(void)
{
	pool_free(&pl);
}

/* all_common plus extra entries. */
static struct wbxml_node *common_plus(const struct tp *extra, size_t n)
{
	struct tp *all = pool_calloc(pl, N_COMMON + n, sizeof(*all));
	memcpy(all, all_common, sizeof(all_common));
	if (n > 0)
		memcpy(all + N_COMMON, extra, n * sizeof(*extra));
	return tp_appdata(pl, all, N_COMMON + n);
}

START_TEST(roundtrip_161)
{
	static const struct tp extra[] = {
		C(Alias, "jdoe-alias"),
		C(WeightedRank, "42"),
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		SUB(AirSyncBase, Type, "1"),
		SUB(AirSyncBase, Data, "Met at the conference.\nLikes tea."),
	};
	struct wbxml_node *in = common_plus(extra, 5);
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, in, 161, NULL, NULL);
	ck_assert_ptr_null(item.uid);
	ck_assert(item.filter_start == STORE_TIME_MIN && item.filter_end == STORE_TIME_MAX);
	ck_assert_uint_eq(item.flags, 0);

	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 161);
	/* The body comes back with its size (no BodyPreference: plain, whole). */
	struct wbxml_node *body = wbxml_child(out, WBXML_AirSyncBase_Body);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_EstimatedDataSize), "33");
	ck_assert_ptr_null(wbxml_child(body, WBXML_AirSyncBase_Truncated));
	/* Type, EstimatedDataSize, Data: drop the size from the comparison below. */
	ck_assert_uint_eq(body->children->next->tag, WBXML_AirSyncBase_EstimatedDataSize);
	body->children->next = body->children->next->next;
	tp_assert_same(tp_flatten(pl, out), tp_flatten(pl, in));
}
END_TEST

/* The same every version: 2.5 with its own body tags, 12.1 and 14.1 with airsyncbase. */
START_TEST(roundtrip_each_version)
{
	static const int versions[] = { 25, 120, 121, 140, 141, 160, 161 };
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		struct wbxml_node *in = common_plus(NULL, 0);
		struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, in, versions[v], NULL,
						  NULL);
		struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item,
							versions[v]);
		tp_assert_same(tp_flatten(pl, out), tp_flatten(pl, in));
	}
}
END_TEST

START_TEST(body_25)
{
	static const struct tp in25[] = {
		C(FirstName, "Jo"),
		C(Body, "Plain note"),
		C(BodySize, "10"),
		C(BodyTruncated, "0"),
	};
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in25, 4), 25,
					  NULL, NULL);
	/* Stored canonically: a 14.1 device gets airsyncbase:Body type 1. */
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 141);
	struct wbxml_node *body = wbxml_child(out, WBXML_AirSyncBase_Body);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "1");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "Plain note");
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Body));
	/* And a 2.5 device its contacts:Body, untruncated without BodySize. */
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 25);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_Body), "Plain note");
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_BodySize));
	ck_assert_ptr_null(wbxml_child(out, WBXML_AirSyncBase_Body));
	/* 2.5 Truncation 1 (512) does not cut 10 bytes; Truncation 0 sends no text. */
	struct pim_out_options opt = { .version = 25 };
	ck_assert_int_eq(pim_truncation_25(0, &opt), 0);
	out = tp_out(pl, STORE_CLASS_CONTACTS, &item, &opt);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Body));
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_BodySize), "10");
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_BodyTruncated), "1");
	ck_assert_int_eq(pim_truncation_25(10, &opt), -1);
}
END_TEST

/* A 14.0+ property is not sent to 2.5 or 12.1, and survives their changes. */
START_TEST(version_filter_and_keep)
{
	static const struct tp in161[] = {
		C(FirstName, "Jo"), C(LastName, "Doe"), C(Alias, "jd"), C(WeightedRank, "-3"),
	};
	static const struct tp change25[] = { C(FirstName, "Joe"), C(LastName, "Doe") };
	static const uint16_t sup_tags[] = { WBXML_Contacts_FirstName, WBXML_Contacts_LastName,
					     WBXML_Contacts_Alias };
	struct pim_supported sup = { .declared = true, .tags = sup_tags, .count = 3 };

	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in161, 4),
					  161, NULL, NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 25);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Alias));
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_WeightedRank));
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_FirstName), "Jo");
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 121);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Alias));

	/* A 2.5 change, with and without Supported (Alias listed but 2.5 lacks it). */
	for (int i = 0; i < 2; i++) {
		struct store_item changed = tp_store(pl, STORE_CLASS_CONTACTS,
						     tp_appdata(pl, change25, 2), 25, &item,
						     i == 0 ? NULL : &sup);
		out = tp_out_version(pl, STORE_CLASS_CONTACTS, &changed, 161);
		ck_assert_str_eq(tp_get(out, WBXML_Contacts_FirstName), "Joe");
		ck_assert_str_eq(tp_get(out, WBXML_Contacts_Alias), "jd");
		ck_assert_str_eq(tp_get(out, WBXML_Contacts_WeightedRank), "-3");
	}
}
END_TEST

START_TEST(ghosting)
{
	static const struct tp stored[] = {
		C(FirstName, "Jo"), C(LastName, "Doe"), C(CompanyName, "Contoso"),
		{ WBXML_Contacts_Categories, NULL, 0 }, SUB(Contacts, Category, "A"),
		SUB(Contacts, Category, "B"),
		C(Picture, photo),
		{ WBXML_AirSyncBase_Body, NULL, 0 }, SUB(AirSyncBase, Type, "1"),
		SUB(AirSyncBase, Data, "note"),
	};
	static const struct tp change[] = {
		C(FirstName, "Joe"),
		{ WBXML_Contacts_Categories, NULL, 0 }, SUB(Contacts, Category, "C"),
	};
	static const uint16_t sup_tags[] = { WBXML_Contacts_FirstName, WBXML_Contacts_LastName,
					     WBXML_Contacts_Categories, WBXML_Contacts_Body };
	struct pim_supported sup = { .declared = true, .tags = sup_tags, .count = 4 };
	struct pim_supported empty_sup = { .declared = true, .tags = sup_tags, .count = 0 };
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, stored, 10),
					  141, NULL, NULL);

	/* Supported declared: LastName and Body (listed, absent) go; CompanyName and Picture
	 * (not listed) are ghosted; Categories are replaced whole. */
	struct store_item c1 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, change, 3), 141,
					&item, &sup);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c1, 141);
	ck_assert_str_eq(tp_flatten(pl, out),
			 "Contacts:Categories/Contacts:Category=C\n"
			 "Contacts:CompanyName=Contoso\n"
			 "Contacts:FirstName=Joe\n"
			 "Contacts:Picture=" "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==" "\n");

	/* No Supported (Q-PARSE-3), or an empty one (LG): everything absent is kept. */
	struct pim_supported *sups[] = { NULL, &empty_sup };
	for (int i = 0; i < 2; i++) {
		struct store_item c2 = tp_store(pl, STORE_CLASS_CONTACTS,
						tp_appdata(pl, change, 3), 141, &item, sups[i]);
		out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c2, 141);
		ck_assert_str_eq(tp_get(out, WBXML_Contacts_LastName), "Doe");
		ck_assert_ptr_nonnull(wbxml_child(out, WBXML_AirSyncBase_Body));
		ck_assert_str_eq(tp_get(wbxml_child(out, WBXML_Contacts_Categories),
					WBXML_Contacts_Category), "C");
	}

	/* Empty elements clear: <LastName/>, <Categories/>. */
	static const struct tp clear[] = {
		C(LastName, NULL), { WBXML_Contacts_Categories, NULL, 0 },
	};
	struct store_item c3 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, clear, 2), 141,
					&item, NULL);
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c3, 141);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_LastName));
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Categories));
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_FirstName), "Jo");

	/* A body the device got truncated and sends back does not cut the stored one. */
	static const struct tp trunc[] = {
		{ WBXML_AirSyncBase_Body, NULL, 0 }, SUB(AirSyncBase, Type, "1"),
		SUB(AirSyncBase, Truncated, "1"), SUB(AirSyncBase, Data, "no"),
	};
	struct store_item c4 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, trunc, 4), 141,
					&item, &sup);
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c4, 141);
	ck_assert_str_eq(tp_get(wbxml_child(out, WBXML_AirSyncBase_Body),
				WBXML_AirSyncBase_Data), "note");
}
END_TEST

/* Unknown tags (Q-PARSE-2) are stored and kept across changes but never sent. */
START_TEST(unknown_kept)
{
	static const struct tp in[] = {
		C(FirstName, "Jo"),
		{ WBXML_TAG(WBXML_PAGE_Contacts, 0x3B), "{\\rtf1 x}", 0 }, /* 2.5 Rtf */
	};
	static const struct tp change[] = { C(FirstName, "Joe") };
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in, 2), 25,
					  NULL, NULL);
	struct store_item changed = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, change, 1),
					     141, &item, NULL);
	struct wbxml_node *stored;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &changed, &stored, &error), 0);
	ck_assert_str_eq(tp_get(stored, WBXML_TAG(WBXML_PAGE_Contacts, 0x3B)), "{\\rtf1 x}");
	struct pim_out_options opt = { .version = 25 };
	/* A writer without version filter: to_eas itself leaves the unknown tag out. */
	struct wbxml_writer w;
	buf b = BUF_INIT;
	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	ck_assert_int_eq(pim_class(STORE_CLASS_CONTACTS)->to_eas(pl, &changed, &opt, &w, &error), 0);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct wbxml_node *out = tp_decode(pl, &b);
	buf_free(&b);
	ck_assert_str_eq(tp_flatten(pl, out), "Contacts:FirstName=Joe\n");
}
END_TEST

/* Q-CNT-1: an empty Picture keeps the stored photo. Q-CNT-3: too large is dropped, the
 * contact kept. */
START_TEST(picture_quirks)
{
	static const struct tp in[] = { C(FirstName, "Jo"), C(Picture, photo) };
	static const struct tp empty_pic[] = { C(FirstName, "Joe"), C(Picture, NULL) };
	static const uint16_t sup_tags[] = { WBXML_Contacts_FirstName, WBXML_Contacts_Picture };
	struct pim_supported sup = { .declared = true, .tags = sup_tags, .count = 2 };
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in, 2), 141,
					  NULL, NULL);
	struct store_item c1 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, empty_pic, 2),
					141, &item, &sup);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c1, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_Picture), photo);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_FirstName), "Joe");

	/* Above the limit: dropped, contact stored, old photo kept on a change. */
	pim_set_picture_limit(64);
	ck_assert_uint_eq(pim_picture_limit(), 64);
	char *big = pool_alloc(pl, 101);
	memset(big, 'A', 100);
	big[100] = '\0';
	struct tp big_pic[] = { C(FirstName, "Big"), { WBXML_Contacts_Picture, big, 0 } };
	struct store_item c2 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, big_pic, 2), 141,
					NULL, NULL);
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c2, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_FirstName), "Big");
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Picture));
	pim_set_picture_limit(PIM_PICTURE_LIMIT_DEFAULT);
	memset(big, 'B', 100);
	struct store_item c3 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, big_pic, 2), 141,
					NULL, NULL);
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c3, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_Picture), big);

	/* Not base64: dropped on a change, the stored one stays. */
	struct tp bad_pic[] = { C(Picture, "<html>not a photo</html>") };
	struct store_item c4 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, bad_pic, 1), 141,
					&item, &sup);
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c4, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Contacts_Picture), photo);
	/* Absent while listed in Supported: the user removed it on the phone. */
	struct tp no_pic[] = { C(FirstName, "Jo") };
	struct store_item c5 = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, no_pic, 1), 141,
					&item, &sup);
	out = tp_out_version(pl, STORE_CLASS_CONTACTS, &c5, 141);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Contacts_Picture));
}
END_TEST

/* Wrong shapes and values: -1 with a message naming the property. */
START_TEST(hostile)
{
	struct tp leaf_with_child[] = { { WBXML_Contacts_FirstName, NULL, 0 },
					SUB(Contacts, Category, "x") };
	const char *e = tp_store_fails(pl, STORE_CLASS_CONTACTS,
				       tp_appdata(pl, leaf_with_child, 2), 141);
	ck_assert_ptr_nonnull(strstr(e, "FirstName"));
	struct tp list_with_text[] = { C(Categories, "Friends") };
	tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, list_with_text, 1), 141);
	struct tp list_wrong_child[] = { { WBXML_Contacts_Categories, NULL, 0 },
					 SUB(Contacts, FirstName, "x") };
	tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, list_wrong_child, 2), 141);
	struct tp bad_date[] = { C(Birthday, "next tuesday") };
	e = tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, bad_date, 1), 141);
	ck_assert_ptr_nonnull(strstr(e, "Birthday"));
	struct tp bad_month[] = { C(Anniversary, "2020-13-01T00:00:00.000Z") };
	tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, bad_month, 1), 141);
	struct tp bad_rank[] = { C(WeightedRank, "12abc") };
	tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, bad_rank, 1), 141);
	struct tp bad_body_type[] = { { WBXML_AirSyncBase_Body, NULL, 0 },
				      SUB(AirSyncBase, Type, "7"), SUB(AirSyncBase, Data, "x") };
	tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, bad_body_type, 3), 141);
	struct tp body_text[] = { { WBXML_AirSyncBase_Body, "text", 0 } };
	tp_store_fails(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, body_text, 1), 141);

	/* Accepted date forms (Q-CNT-2 keeps them as sent). */
	static const char *const dates[] = { "1980-02-29T08:00:00.000Z", "1980-02-29T08:00:00Z",
					     "1980-02-29", "19800229T080000Z" };
	for (size_t i = 0; i < 4; i++) {
		struct tp ok[] = { { WBXML_Contacts_Birthday, dates[i], 0 } };
		struct store_item it = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, ok, 1),
						141, NULL, NULL);
		struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &it, 141);
		ck_assert_str_eq(tp_get(out, WBXML_Contacts_Birthday), dates[i]);
	}

	/* Opaque text: UTF-8 is taken as text, binary is refused. */
	struct wbxml_node *ad = pim_node_new(pl, WBXML_AirSync_ApplicationData, NULL);
	struct wbxml_node *fn = pim_node_new(pl, WBXML_Contacts_FirstName, NULL);
	fn->value_kind = WBXML_VALUE_OPAQUE;
	fn->value = (const unsigned char *)"J\0o";
	fn->value_len = 3;
	pim_node_append(ad, fn);
	tp_store_fails(pl, STORE_CLASS_CONTACTS, ad, 141);
	fn->value = (const unsigned char *)"Jo";
	fn->value_len = 2;
	struct store_item it = tp_store(pl, STORE_CLASS_CONTACTS, ad, 141, NULL, NULL);
	ck_assert_str_eq(tp_get(tp_out_version(pl, STORE_CLASS_CONTACTS, &it, 141),
				WBXML_Contacts_FirstName), "Jo");

	/* An unknown version, and a stored form that is not ours. */
	struct store_item item;
	const char *error;
	ck_assert_int_eq(pim_class(STORE_CLASS_CONTACTS)->from_eas(pl, ad, 99, NULL, NULL, &item,
								   &error), -1);
	struct store_item junk = { .data = (const unsigned char *)"junk", .data_len = 4 };
	struct pim_out_options opt = { .version = 141 };
	struct wbxml_writer w;
	buf b = BUF_INIT;
	wbxml_writer_init(&w, &b, 141);
	ck_assert_int_eq(pim_class(STORE_CLASS_CONTACTS)->to_eas(pl, &junk, &opt, &w, &error), -1);
	buf_free(&b);
	ck_assert_ptr_null(pim_class(STORE_CLASS_EMAIL));
}
END_TEST

/* Unknown elements nested as deep as the decoder allows are kept and re-encoded. */
START_TEST(deep_nesting)
{
	struct wbxml_writer w;
	buf b = BUF_INIT;
	const char *error;
	uint16_t unknown = WBXML_TAG(WBXML_PAGE_Contacts, 0x3F);

	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	for (int i = 0; i < 30; i++)
		wbxml_start(&w, unknown);
	wbxml_str(&w, "deep");
	for (int i = 0; i < 30; i++)
		wbxml_end(&w);
	wbxml_elem_str(&w, WBXML_Contacts_FirstName, "Jo");
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct wbxml_node *in = tp_decode(pl, &b);
	buf_free(&b);
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, in, 161, NULL, NULL);
	struct wbxml_node *stored;
	ck_assert_int_eq(pim_item_decode(pl, &item, &stored, &error), 0);
	tp_assert_same(tp_flatten(pl, stored), tp_flatten(pl, in));
}
END_TEST

/* Empty ApplicationData (Q-PARSE-1: Nexus 5) is an empty contact. */
START_TEST(empty_appdata)
{
	struct wbxml_node *ad = pim_node_new(pl, WBXML_AirSync_ApplicationData, NULL);
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, ad, 141, NULL, NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CONTACTS, &item, 141);
	ck_assert_ptr_null(out->children);
	item = tp_store(pl, STORE_CLASS_CONTACTS, NULL, 141, NULL, NULL);
	ck_assert_ptr_nonnull(item.data);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-contact");
	TCase *tc = tcase_create("contact");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, roundtrip_161);
	tcase_add_test(tc, roundtrip_each_version);
	tcase_add_test(tc, body_25);
	tcase_add_test(tc, version_filter_and_keep);
	tcase_add_test(tc, ghosting);
	tcase_add_test(tc, unknown_kept);
	tcase_add_test(tc, picture_quirks);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, empty_appdata);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
