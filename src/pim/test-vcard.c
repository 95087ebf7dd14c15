/* test-vcard.c: unit tests of the vCard parser and writer: 2.1/3.0/4.0 input (folding,
 * escaping, quoted-printable, Latin-1, groups, TYPE forms, photos), the slot mapping
 * (Q-CNT-4), export + import round trips, limits and hostile input. */
#include "pim/test-pim.h"
#include "pim/vcard.h"

#include "lib/log.h"

#include <dirent.h>
#include <stdio.h>

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

static struct pim_vcard *parse_ok(const char *text, size_t *count_r)
{
	struct pim_vcard *cards = NULL;
	const char *error = NULL;

	if (pim_vcard_parse(pl, text, strlen(text), NULL, &cards, count_r, &error) < 0)
		ck_abort_msg("parse: %s", error);
	return cards;
}

static const char *parse_fails(const char *text, size_t len,
			       const struct pim_vcard_limits *limits)
{
	struct pim_vcard *cards = NULL;
	size_t count;
	const char *error = NULL;

	ck_assert_int_eq(pim_vcard_parse(pl, text, len, limits, &cards, &count, &error), -1);
	ck_assert_ptr_nonnull(error);
	return error;
}

START_TEST(parse_30)
{
	static const char text[] =
		"BEGIN:VCARD\r\n"
		"VERSION:3.0\r\n"
		"N:Doe;Jo;Q;Dr.;Jr.\r\n"
		"FN:Dr. Jo Q. Doe\r\n"
		"ORG:Contoso\\, Ltd.;R&D\r\n"
		"TITLE:Engineer\r\n"
		"item1.TEL;TYPE=CELL:+1 555 0108\r\n"
		"TEL;TYPE=WORK,VOICE:+1 555 0103\r\n"
		"TEL;TYPE=work;TYPE=fax:+1 555 0102\r\n"
		"TEL;TYPE=HOME:+1 555 0107\r\n"
		"TEL:+1 555 0199\r\n"
		"EMAIL;TYPE=INTERNET:a@example.com\r\n"
		"EMAIL:b@example.com\r\n"
		"EMAIL:c@example.com\r\n"
		"EMAIL:d@example.com\r\n"
		"ADR;TYPE=HOME:;Apt 3;2 Pine St;Seattle;WA;98101;USA\r\n"
		"ADR;TYPE=WORK:;;1 Way;Redmond;WA;98052;USA\r\n"
		"BDAY:1980-02-29\r\n"
		"NOTE:Line one\\nLine two\\; with a long tail that is folded over sev\r\n"
		" eral physical lines\r\n"
		"URL:https://example.com/jo\r\n"
		"NICKNAME:JJ,Joey\r\n"
		"CATEGORIES:Friends,Work\r\n"
		"PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo\r\n"
		"  AAAA\r\n"
		"X-UNKNOWN-THING:ignored\r\n"
		"X-EAS-YomiFirstName:ジョ\r\n"
		"END:VCARD\r\n";
	size_t count;
	struct pim_vcard *cards = parse_ok(text, &count);
	ck_assert_uint_eq(count, 1);
	ck_assert_ptr_null(cards[0].error);
	ck_assert_uint_eq(cards[0].line, 1);
	ck_assert_uint_eq(cards[0].dropped, 1); /* the 4th e-mail */
	const struct wbxml_node *ad = cards[0].appdata;
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_LastName), "Doe");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_FirstName), "Jo");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_MiddleName), "Q");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Title), "Dr.");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Suffix), "Jr.");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_FileAs), "Dr. Jo Q. Doe");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_CompanyName), "Contoso, Ltd.");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Department), "R&D");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_JobTitle), "Engineer");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_MobilePhoneNumber), "+1 555 0108");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_BusinessPhoneNumber), "+1 555 0103");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_BusinessFaxNumber), "+1 555 0102");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_HomePhoneNumber), "+1 555 0107");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Home2PhoneNumber), "+1 555 0199");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Email1Address), "a@example.com");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Email3Address), "c@example.com");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_HomeAddressStreet), "Apt 3\n2 Pine St");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_HomeAddressCity), "Seattle");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_BusinessAddressPostalCode), "98052");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Birthday), "1980-02-29T00:00:00.000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_WebPage), "https://example.com/jo");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts2_NickName), "JJ");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Picture), "iVBORw0KGgoAAAA");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_YomiFirstName), "ジョ");
	const struct wbxml_node *cats = wbxml_child(ad, WBXML_Contacts_Categories);
	ck_assert_str_eq(wbxml_node_str(cats->children), "Friends");
	ck_assert_str_eq(wbxml_node_str(cats->last_child), "Work");
	const struct wbxml_node *body = wbxml_child(ad, WBXML_AirSyncBase_Body);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data),
			 "Line one\nLine two; with a long tail that is folded over several "
			 "physical lines");
	/* And it stores as a contact. */
	tp_store(pl, STORE_CLASS_CONTACTS, ad, 161, NULL, NULL);
}
END_TEST

START_TEST(parse_21_qp_latin1)
{
	static const char text[] =
		"BEGIN:VCARD\n"
		"VERSION:2.1\n"
		"N;CHARSET=ISO-8859-1:M\xfcller;J\xfcrgen\n"
		"TEL;WORK;VOICE:+49 30 1234\n"
		"TEL;CELL:+49 170 1234\n"
		"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Gr=C3=BC=C3=9Fe aus =\n"
		"Berlin=0D=0Aund mehr\n"
		"ADR;HOME;QUOTED-PRINTABLE:;;Stra=C3=9Fe 1;Berlin;;10115;DE\n"
		"END:VCARD\n";
	size_t count;
	struct pim_vcard *cards = parse_ok(text, &count);
	ck_assert_uint_eq(count, 1);
	ck_assert_ptr_null(cards[0].error);
	const struct wbxml_node *ad = cards[0].appdata;
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_LastName), "M\xc3\xbcller");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_FirstName), "J\xc3\xbcrgen");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_BusinessPhoneNumber), "+49 30 1234");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_MobilePhoneNumber), "+49 170 1234");
	ck_assert_str_eq(tp_get(wbxml_child(ad, WBXML_AirSyncBase_Body), WBXML_AirSyncBase_Data),
			 "Gr\xc3\xbc\xc3\x9f" "e aus Berlin\r\nund mehr");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_HomeAddressStreet), "Stra\xc3\x9f" "e 1");
}
END_TEST

START_TEST(parse_40)
{
	static const char text[] =
		"BEGIN:VCARD\r\nVERSION:4.0\r\n"
		"FN:Jo Doe\r\nN:Doe;Jo;;;\r\n"
		"TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+1-555-0108\r\n"
		"ANNIVERSARY:20100612\r\n"
		"BDAY:--0229\r\n"
		"PHOTO:data:image/jpeg;base64,/9j/4AAQ\r\n"
		"IMPP:xmpp:jo@example.com\r\n"
		"END:VCARD\r\n"
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Second\r\nBDAY:not a date\r\nEND:VCARD\r\n";
	size_t count;
	struct pim_vcard *cards = parse_ok(text, &count);
	ck_assert_uint_eq(count, 2);
	const struct wbxml_node *ad = cards[0].appdata;
	ck_assert_ptr_null(cards[0].error);
	ck_assert_ptr_null(wbxml_child(ad, WBXML_Contacts_FileAs)); /* FN = the name */
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_MobilePhoneNumber), "+1-555-0108");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Anniversary), "2010-06-12T00:00:00.000Z");
	ck_assert_ptr_null(wbxml_child(ad, WBXML_Contacts_Birthday)); /* no year */
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Picture), "/9j/4AAQ");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts2_IMAddress), "xmpp:jo@example.com");
	/* The second card is bad on its own: its error names the line. */
	ck_assert_ptr_null(cards[1].appdata);
	ck_assert_str_eq(cards[1].error, "line 14: BDAY: 'not a date' is not a date");
	ck_assert_uint_eq(cards[1].line, 11);
}
END_TEST

/* Q-CNT-4: three mobile numbers fill the free slots instead of overwriting one. */
START_TEST(phone_overflow)
{
	static const char text[] =
		"BEGIN:VCARD\nVERSION:3.0\nFN:X\n"
		"TEL;TYPE=CELL:1\nTEL;TYPE=CELL:2\nTEL;TYPE=CELL:3\nTEL;TYPE=CELL:4\n"
		"TEL;TYPE=CELL:5\nTEL;TYPE=CELL:6\nEND:VCARD\n";
	size_t count;
	struct pim_vcard *cards = parse_ok(text, &count);
	const struct wbxml_node *ad = cards[0].appdata;
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_MobilePhoneNumber), "1");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Home2PhoneNumber), "2");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_Business2PhoneNumber), "3");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_RadioPhoneNumber), "4");
	ck_assert_str_eq(tp_get(ad, WBXML_Contacts_CarPhoneNumber), "5");
	ck_assert_uint_eq(cards[0].dropped, 1);
}
END_TEST

/* A full contact exported as 3.0 and 4.0 and imported again is the same contact. */
START_TEST(export_import_roundtrip)
{
	static const struct tp in[] = {
		{ WBXML_Contacts_Anniversary, "2010-06-12T00:00:00.000Z", 0 },
		{ WBXML_Contacts_AssistantName, "Ann", 0 },
		{ WBXML_Contacts_AssistantPhoneNumber, "+1 555 0100", 0 },
		{ WBXML_Contacts_Birthday, "1980-02-29T00:00:00.000Z", 0 },
		{ WBXML_Contacts_Business2PhoneNumber, "+1 555 0101", 0 },
		{ WBXML_Contacts_BusinessAddressCity, "Redmond", 0 },
		{ WBXML_Contacts_BusinessAddressStreet, "1 Way", 0 },
		{ WBXML_Contacts_BusinessFaxNumber, "+1 555 0102", 0 },
		{ WBXML_Contacts_BusinessPhoneNumber, "+1 555 0103", 0 },
		{ WBXML_Contacts_CarPhoneNumber, "+1 555 0104", 0 },
		{ WBXML_Contacts_Categories, NULL, 0 },
		{ WBXML_Contacts_Category, "Friends, old", 1 },
		{ WBXML_Contacts_Category, "Work;x", 1 },
		{ WBXML_Contacts_Children, NULL, 0 },
		{ WBXML_Contacts_Child, "Tom", 1 },
		{ WBXML_Contacts_CompanyName, "Contoso", 0 },
		{ WBXML_Contacts_Department, "R&D", 0 },
		{ WBXML_Contacts_Email1Address, "jo@example.com", 0 },
		{ WBXML_Contacts_Email2Address, "jo2@example.com", 0 },
		{ WBXML_Contacts_FileAs, "Doe, Jo", 0 },
		{ WBXML_Contacts_FirstName, "Jo", 0 },
		{ WBXML_Contacts_Home2PhoneNumber, "+1 555 0105", 0 },
		{ WBXML_Contacts_HomeAddressStreet, "2 Pine St\nApt 3", 0 },
		{ WBXML_Contacts_HomeAddressCountry, "USA", 0 },
		{ WBXML_Contacts_HomeFaxNumber, "+1 555 0106", 0 },
		{ WBXML_Contacts_HomePhoneNumber, "+1 555 0107", 0 },
		{ WBXML_Contacts_JobTitle, "Engineer", 0 },
		{ WBXML_Contacts_LastName, "Doe", 0 },
		{ WBXML_Contacts_MiddleName, "Q", 0 },
		{ WBXML_Contacts_MobilePhoneNumber, "+1 555 0108", 0 },
		{ WBXML_Contacts_OfficeLocation, "B1", 0 },
		{ WBXML_Contacts_OtherAddressCity, "Portland", 0 },
		{ WBXML_Contacts_PagerNumber, "+1 555 0109", 0 },
		{ WBXML_Contacts_RadioPhoneNumber, "+1 555 0110", 0 },
		{ WBXML_Contacts_Spouse, "Sam", 0 },
		{ WBXML_Contacts_Suffix, "Jr.", 0 },
		{ WBXML_Contacts_Title, "Dr.", 0 },
		{ WBXML_Contacts_WebPage, "https://example.com/jo", 0 },
		{ WBXML_Contacts_YomiCompanyName, "コントソ株式会社の長い名前がここで折り返されるかどうかを試すための文字列", 0 },
		{ WBXML_Contacts_Picture, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", 0 },
		{ WBXML_Contacts_Alias, "jd", 0 },
		{ WBXML_Contacts_WeightedRank, "7", 0 },
		{ WBXML_Contacts2_CustomerId, "C-1", 0 },
		{ WBXML_Contacts2_GovernmentId, "G-1", 0 },
		{ WBXML_Contacts2_IMAddress, "jo@im.example", 0 },
		{ WBXML_Contacts2_IMAddress2, "jo2@im.example", 0 },
		{ WBXML_Contacts2_ManagerName, "Max", 0 },
		{ WBXML_Contacts2_CompanyMainPhone, "+1 555 0111", 0 },
		{ WBXML_Contacts2_AccountName, "jdoe", 0 },
		{ WBXML_Contacts2_NickName, "JJ", 0 },
		{ WBXML_Contacts2_MMS, "+1 555 0112", 0 },
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		{ WBXML_AirSyncBase_Type, "1", 1 },
		{ WBXML_AirSyncBase_Data, "Met at the conference.\nLikes tea, not coffee; really.", 1 },
	};
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS,
					  tp_appdata(pl, in, sizeof(in) / sizeof(in[0])), 161,
					  NULL, NULL);
	struct wbxml_node *stored;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &item, &stored, &error), 0);
	for (int version = 3; version <= 4; version++) {
		buf out = BUF_INIT;
		pim_vcard_write(&out, pl, stored, version);
		/* Lines are at most 75 bytes plus CRLF. */
		const char *s = buf_cstr(&out);
		for (const char *nl; (nl = strstr(s, "\r\n")) != NULL; s = nl + 2)
			ck_assert_int_le(nl - s, 75);
		size_t count;
		struct pim_vcard *cards = parse_ok(buf_cstr(&out), &count);
		ck_assert_uint_eq(count, 1);
		ck_assert_ptr_null(cards[0].error);
		struct store_item again = tp_store(pl, STORE_CLASS_CONTACTS, cards[0].appdata, 161,
						   NULL, NULL);
		struct wbxml_node *back;
		ck_assert_int_eq(pim_item_decode(pl, &again, &back, &error), 0);
		tp_assert_same(tp_flatten(pl, back), tp_flatten(pl, stored));
		buf_free(&out);
	}
}
END_TEST

/* A card's UID is read (unescaped), written back by pim_vcard_write_uid, and bounded. */
START_TEST(uid_roundtrip)
{
	size_t count;
	struct pim_vcard *cards = parse_ok("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\\,b@x\r\n"
					   "FN:Jo\r\nEND:VCARD\r\n"
					   "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid\r\n"
					   "END:VCARD\r\n", &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_str_eq(cards[0].uid, "a,b@x");
	ck_assert_ptr_null(cards[1].uid);
	ck_assert_ptr_null(cards[0].error);

	for (int version = 3; version <= 4; version++) {
		buf out = BUF_INIT;
		pim_vcard_write_uid(&out, pl, cards[0].appdata, version, cards[0].uid);
		ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nUID:a\\,b@x\r\n"));
		size_t n;
		struct pim_vcard *again = parse_ok(buf_cstr(&out), &n);
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(again[0].uid, "a,b@x");
		buf_truncate(&out, 0);
		pim_vcard_write(&out, pl, cards[0].appdata, version);
		ck_assert_ptr_null(strstr(buf_cstr(&out), "UID"));
		buf_free(&out);
	}

	/* Longer than the store takes: that card is bad, the others are not. */
	buf big = BUF_INIT;
	buf_puts(&big, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:");
	for (size_t i = 0; i <= STORE_ITEM_UID_MAX; i++)
		buf_putc(&big, 'u');
	buf_puts(&big, "\r\nFN:Jo\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Ok\r\nEND:VCARD\r\n");
	cards = parse_ok(buf_cstr(&big), &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_ptr_nonnull(cards[0].error);
	ck_assert_ptr_nonnull(strstr(cards[0].error, "UID"));
	ck_assert_ptr_null(cards[1].error);
	buf_free(&big);
}
END_TEST

/* The uid an import stored survives a device's Change, which carries no uid (EAS contacts
 * have none): a later re-import of the card must still find the contact. */
START_TEST(uid_survives_change)
{
	static const struct tp first[] = { { WBXML_Contacts_FirstName, "Jo", 0 } };
	static const struct tp change[] = { { WBXML_Contacts_FirstName, "Joe", 0 } };
	struct store_item old = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, first, 1), 161,
					 NULL, NULL);
	ck_assert_ptr_null(old.uid);
	old.uid = "card-1@example.com";
	struct store_item changed = tp_store(pl, STORE_CLASS_CONTACTS,
					     tp_appdata(pl, change, 1), 25, &old, NULL);
	ck_assert_ptr_nonnull(changed.uid);
	ck_assert_str_eq(changed.uid, "card-1@example.com");
	struct wbxml_node *ad;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &changed, &ad, &error), 0);
	ck_assert_str_eq(wbxml_child_str(ad, WBXML_Contacts_FirstName), "Joe");
}
END_TEST

/* Q-CNT-2: a birthday sent at 23:00 UTC the day before is exported as the right day. */
START_TEST(export_birthday_rounding)
{
	static const struct tp in[] = {
		{ WBXML_Contacts_FirstName, "Jo", 0 },
		{ WBXML_Contacts_Birthday, "1980-02-28T23:00:00.000Z", 0 },
	};
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, tp_appdata(pl, in, 2), 161,
					  NULL, NULL);
	struct wbxml_node *stored;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &item, &stored, &error), 0);
	buf out = BUF_INIT;
	pim_vcard_write(&out, pl, stored, 3);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nBDAY:1980-02-29\r\n"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nFN:Jo\r\n"));
	buf_free(&out);
}
END_TEST

START_TEST(hostile)
{
	struct pim_vcard_limits lim;
	pim_vcard_limits_default(&lim);

	lim.max_line = 100;
	char *long_line = pool_alloc(pl, 400);
	int n = snprintf(long_line, 400, "BEGIN:VCARD\nFN:x\nNOTE:%0200d\nEND:VCARD\n", 0);
	ck_assert_str_eq(parse_fails(long_line, (size_t)n, &lim),
			 "line 3: longer than 100 bytes");
	/* Folding cannot get around it. */
	static const char folded[] = "BEGIN:VCARD\nNOTE:" "0123456789012345678901234567890123456789"
		"\n 0123456789012345678901234567890123456789\n 0123456789012345678901234567890123456789"
		"\nEND:VCARD\n";
	ck_assert_ptr_nonnull(strstr(parse_fails(folded, strlen(folded), &lim), "line 2"));
	pim_vcard_limits_default(&lim);

	static const char nul[] = "BEGIN:VCARD\nFN:a\0b\nEND:VCARD\n";
	ck_assert_str_eq(parse_fails(nul, sizeof(nul) - 1, NULL), "line 2: NUL byte");
	static const char open_card[] = "BEGIN:VCARD\nFN:a\n";
	ck_assert_str_eq(parse_fails(open_card, strlen(open_card), NULL),
			 "line 1: card not closed by END:VCARD");
	static const char nested[] = "BEGIN:VCARD\nAGENT:\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n";
	ck_assert_ptr_nonnull(strstr(parse_fails(nested, strlen(nested), NULL), "line 3"));
	static const char outside[] = "FN:a\n";
	ck_assert_ptr_nonnull(strstr(parse_fails(outside, strlen(outside), NULL), "outside"));
	static const char stray_end[] = "BEGIN:VCARD\nEND:VCARD\nEND:VCARD\n";
	parse_fails(stray_end, strlen(stray_end), NULL);

	lim.max_cards = 2;
	static const char three[] = "BEGIN:VCARD\nEND:VCARD\nBEGIN:VCARD\nEND:VCARD\n"
				    "BEGIN:VCARD\nEND:VCARD\n";
	ck_assert_str_eq(parse_fails(three, strlen(three), &lim), "line 5: more than 2 cards");
	lim.max_cards = 100;
	lim.max_props = 2;
	static const char props[] = "BEGIN:VCARD\nFN:a\nN:b\nNOTE:c\nEND:VCARD\n";
	ck_assert_str_eq(parse_fails(props, strlen(props), &lim),
			 "line 4: more than 2 properties in one card");
	lim.max_input = 10;
	parse_fails(props, strlen(props), &lim);

	/* Bad content fails only its card, with the line. */
	static const char bad[] =
		"BEGIN:VCARD\nFN:ok\nEND:VCARD\n"
		"BEGIN:VCARD\nFN:\xff\xfe\nEND:VCARD\n"
		"BEGIN:VCARD\nnot a property\nEND:VCARD\n"
		"BEGIN:VCARD\nN;CHARSET=KOI8-R:x\nEND:VCARD\n"
		"BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:=00\nEND:VCARD\n"
		"BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:a=G1b\nEND:VCARD\n";
	size_t count;
	struct pim_vcard *cards = parse_ok(bad, &count);
	ck_assert_uint_eq(count, 6);
	ck_assert_ptr_null(cards[0].error);
	ck_assert_str_eq(cards[1].error, "line 5: FN: not UTF-8 text (give CHARSET= for other "
			 "charsets)");
	ck_assert_ptr_nonnull(strstr(cards[2].error, "line 8"));
	ck_assert_ptr_nonnull(strstr(cards[3].error, "KOI8-R"));
	ck_assert_ptr_nonnull(cards[4].error);      /* a NUL by quoted-printable */
	ck_assert_str_eq(tp_get(wbxml_child(cards[5].appdata, WBXML_AirSyncBase_Body),
				WBXML_AirSyncBase_Data), "a=G1b"); /* not an escape: kept */
	/* Empty input: no cards. */
	cards = parse_ok("", &count);
	ck_assert_uint_eq(count, 0);
	cards = parse_ok("\xef\xbb\xbf" "BEGIN:VCARD\r\nEND:VCARD\r\n", &count);
	ck_assert_uint_eq(count, 1);
}
END_TEST

/* A photo above the limit is dropped by the Contacts class, the contact imported. */
START_TEST(huge_photo)
{
	size_t size = 2000;
	char *text = pool_alloc(pl, size + 200);
	int n = snprintf(text, 200, "BEGIN:VCARD\nFN:Big\nPHOTO;ENCODING=b;TYPE=JPEG:");
	memset(text + n, 'Q', size);
	memcpy(text + n + size, "\nEND:VCARD\n", 12);
	size_t count;
	struct pim_vcard *cards = parse_ok(text, &count);
	ck_assert_uint_eq(count, 1);
	pim_set_picture_limit(1000);
	struct store_item item = tp_store(pl, STORE_CLASS_CONTACTS, cards[0].appdata, 161, NULL,
					  NULL);
	pim_set_picture_limit(PIM_PICTURE_LIMIT_DEFAULT);
	struct wbxml_node *stored;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &item, &stored, &error), 0);
	ck_assert_ptr_null(wbxml_child(stored, WBXML_Contacts_Picture));
	ck_assert_str_eq(tp_get(stored, WBXML_Contacts_FileAs), "Big");
}
END_TEST

/* Inputs the fuzzer once crashed on (tests/regress/pim/, copied there by
 * scripts/run-fuzz.sh) must parse or fail cleanly. Run from the repository root. */
START_TEST(replay_regressions)
{
	DIR *d = opendir("tests/regress/pim");
	struct dirent *de;


	while (d != NULL && (de = readdir(d)) != NULL) {
		char path[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "tests/regress/pim/%s", de->d_name);
		FILE *f = fopen(path, "rb");
		ck_assert_ptr_nonnull(f);
		buf b = BUF_INIT;
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, n);
		fclose(f);
		struct pim_vcard *cards;
		size_t count;
		const char *error;
		if (pim_vcard_parse(pl, (const char *)b.data, b.len, NULL, &cards, &count,
				    &error) == 0) {
			for (size_t i = 0; i < count; i++)
				ck_assert((cards[i].appdata == NULL) != (cards[i].error == NULL));
		}
		buf_free(&b);
	}
	if (d != NULL)
		closedir(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-vcard");
	TCase *tc = tcase_create("vcard");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_30);
	tcase_add_test(tc, parse_21_qp_latin1);
	tcase_add_test(tc, parse_40);
	tcase_add_test(tc, phone_overflow);
	tcase_add_test(tc, export_import_roundtrip);
	tcase_add_test(tc, export_birthday_rounding);
	tcase_add_test(tc, uid_roundtrip);
	tcase_add_test(tc, uid_survives_change);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, huge_photo);
	tcase_add_test(tc, replay_regressions);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
