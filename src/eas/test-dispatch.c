/* Unit tests of the EAS command table (eas/eas.h). */
#include <check.h>
#include <string.h>

#include "eas/eas.h"

static enum eas_result fake_handler(struct eas_request *req, struct eas_response *resp)
{
	(void)req;
	resp->http_status = 200;
	return EAS_DONE;
}

START_TEST(test_table_codes_and_names)
{
	/* MS-ASHTTP 2.2.1.1.1.1.2 */
	static const struct { const char *name; int code; } expected[] = {
		{ "Sync", 0 }, { "SendMail", 1 }, { "SmartForward", 2 }, { "SmartReply", 3 },
		{ "GetAttachment", 4 }, { "FolderSync", 9 }, { "FolderCreate", 10 },
		{ "FolderDelete", 11 }, { "FolderUpdate", 12 }, { "MoveItems", 13 },
		{ "GetItemEstimate", 14 }, { "MeetingResponse", 15 }, { "Search", 16 },
		{ "Settings", 17 }, { "Ping", 18 }, { "ItemOperations", 19 }, { "Provision", 20 },
		{ "ResolveRecipients", 21 }, { "ValidateCert", 22 }, { "Find", 23 },
	};
	size_t count;
	const struct eas_command *table = eas_commands(&count);

	ck_assert_uint_eq(count, sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < count; i++) {
		ck_assert_str_eq(table[i].name, expected[i].name);
		ck_assert_int_eq(table[i].code, expected[i].code);
		ck_assert_ptr_eq(eas_command_by_name(expected[i].name), &table[i]);
		ck_assert_ptr_eq(eas_command_by_code(expected[i].code), &table[i]);
		for (size_t j = 0; j < i; j++) {
			ck_assert_int_ne(table[i].code, table[j].code);
			ck_assert_str_ne(table[i].name, table[j].name);
		}
	}
	for (int code = 5; code <= 8; code++)
		ck_assert_ptr_null(eas_command_by_code(code));
	ck_assert_ptr_null(eas_command_by_code(24));
	ck_assert_ptr_null(eas_command_by_code(-1));
	ck_assert_ptr_eq(eas_command_by_name("foldersync"), eas_command_by_code(9));
	ck_assert_ptr_null(eas_command_by_name("Autodiscover"));
	ck_assert_ptr_null(eas_command_by_name(""));
}
END_TEST

START_TEST(test_flags)
{
	/* Q-PROV-1: Ping needs no policy key; Provision and Settings come before one. */
	ck_assert_uint_eq(eas_command_by_name("Ping")->flags & EAS_CMD_NEEDS_POLICY_KEY, 0);
	ck_assert_uint_eq(eas_command_by_name("Provision")->flags & EAS_CMD_NEEDS_POLICY_KEY, 0);
	ck_assert_uint_eq(eas_command_by_name("Settings")->flags & EAS_CMD_NEEDS_POLICY_KEY, 0);
	ck_assert_uint_ne(eas_command_by_name("Sync")->flags & EAS_CMD_NEEDS_POLICY_KEY, 0);
	/* Q-HTTP-3: raw MIME below 14.0 for the three mail-sending commands only. */
	size_t count;
	const struct eas_command *table = eas_commands(&count);
	for (size_t i = 0; i < count; i++) {
		bool raw = strcmp(table[i].name, "SendMail") == 0 ||
			   strcmp(table[i].name, "SmartReply") == 0 ||
			   strcmp(table[i].name, "SmartForward") == 0;
		ck_assert_int_eq((table[i].flags & EAS_CMD_RAW_MIME) != 0, raw);
	}
	ck_assert_uint_ne(eas_command_by_name("Ping")->flags & EAS_CMD_MAY_PARK, 0);
	ck_assert_uint_ne(eas_command_by_name("Sync")->flags & EAS_CMD_MAY_PARK, 0);
}
END_TEST

START_TEST(test_implemented_list)
{
	size_t count;
	const struct eas_command *table = eas_commands(&count);
	buf out = BUF_INIT;

	/* Exactly the rows with a handler, in table order. */
	eas_commands_implemented(table, count, &out);
	size_t listed = 0;
	for (size_t i = 0; i < count; i++) {
		if (table[i].handler != NULL) {
			ck_assert_ptr_nonnull(strstr(buf_cstr(&out), table[i].name));
			listed++;
		}
	}
	if (listed == 0)
		ck_assert_str_eq(buf_cstr(&out), "");
	buf_free(&out);

	const struct eas_command fake[] = {
		{ "Sync", 0, fake_handler, 0 }, { "SendMail", 1, NULL, 0 },
		{ "FolderSync", 9, fake_handler, 0 }, { "Ping", 18, fake_handler, 0 },
	};
	eas_commands_implemented(fake, 4, &out);
	ck_assert_str_eq(buf_cstr(&out), "Sync,FolderSync,Ping");
	buf_free(&out);
}
END_TEST

START_TEST(test_versions)
{
	int v;

	ck_assert_int_eq(eas_version_parse("2.5", &v), 0);
	ck_assert_int_eq(v, 25);
	ck_assert_int_eq(eas_version_parse("16.1", &v), 0);
	ck_assert_int_eq(v, 161);
	ck_assert_int_eq(eas_version_parse("14", &v), -1);
	ck_assert_int_eq(eas_version_parse("14.2", &v), -1);
	ck_assert_int_eq(eas_version_parse("", &v), -1);
	ck_assert(eas_version_supported(121));
	ck_assert(!eas_version_supported(130));
	ck_assert(!eas_version_supported(0));
	ck_assert_str_eq(eas_version_name(140), "14.0");
	ck_assert_str_eq(EAS_PROTOCOL_VERSIONS, "2.5,12.0,12.1,14.0,14.1,16.0,16.1");

	struct eas_response resp;
	eas_response_init(&resp);
	ck_assert_uint_eq(resp.http_status, 200);
	ck_assert_int_eq(resp.eas_status, -1);
	for (int i = 0; i < EAS_MAX_RESPONSE_HEADERS; i++)
		ck_assert_int_eq(eas_response_add_header(&resp, "X-A", "b"), 0);
	ck_assert_int_eq(eas_response_add_header(&resp, "X-A", "b"), -1);
	eas_response_free(&resp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eas-dispatch");
	TCase *tc = tcase_create("dispatch");

	tcase_add_test(tc, test_table_codes_and_names);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_implemented_list);
	tcase_add_test(tc, test_versions);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
