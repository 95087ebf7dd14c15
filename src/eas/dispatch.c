/* dispatch.c: the table of EAS commands. Adding a command is adding its file
 * src/eas/cmd-NAME.c and filling in the handler of its row. */
#include "eas/eas.h"

#include "lib/str.h"

#include <string.h>

#define POLICY EAS_CMD_NEEDS_POLICY_KEY
#define RAW_MIME EAS_CMD_RAW_MIME
#define PARK EAS_CMD_MAY_PARK
#define EMPTY_OK EAS_CMD_EMPTY_BODY_OK

/* Handlers (src/eas/cmd-*.c). */
eas_command_fn eas_cmd_foldersync, eas_cmd_foldercreate, eas_cmd_folderdelete,
	eas_cmd_folderupdate, eas_cmd_provision;
eas_command_fn eas_cmd_sync, eas_cmd_getitemestimate;

/* MS-ASHTTP 2.2.1.1.1.1.2 (command codes); codes 5-8 are unused. Settings and Provision may
 * come before a device is provisioned; Ping needs no policy key (Q-PROV-1). */
static const struct eas_command commands[] = {
	{ "Sync", 0, eas_cmd_sync, POLICY | PARK | EMPTY_OK },
	{ "SendMail", 1, NULL, POLICY | RAW_MIME },
	{ "SmartForward", 2, NULL, POLICY | RAW_MIME },
	{ "SmartReply", 3, NULL, POLICY | RAW_MIME },
	{ "GetAttachment", 4, NULL, POLICY | EMPTY_OK },
	{ "FolderSync", 9, eas_cmd_foldersync, POLICY },
	{ "FolderCreate", 10, eas_cmd_foldercreate, POLICY },
	{ "FolderDelete", 11, eas_cmd_folderdelete, POLICY },
	{ "FolderUpdate", 12, eas_cmd_folderupdate, POLICY },
	{ "MoveItems", 13, NULL, POLICY },
	{ "GetItemEstimate", 14, eas_cmd_getitemestimate, POLICY },
	{ "MeetingResponse", 15, NULL, POLICY },
	{ "Search", 16, NULL, POLICY },
	{ "Settings", 17, NULL, 0 },
	{ "Ping", 18, NULL, PARK | EMPTY_OK },
	{ "ItemOperations", 19, NULL, POLICY },
	{ "Provision", 20, eas_cmd_provision, 0 },
	{ "ResolveRecipients", 21, NULL, POLICY },
	{ "ValidateCert", 22, NULL, POLICY },
	{ "Find", 23, NULL, POLICY },
};

const struct eas_command *eas_commands(size_t *count_r)
{
	*count_r = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct eas_command *eas_command_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (str_eq_nocase(commands[i].name, name))
			return &commands[i];
	}
	return NULL;
}

const struct eas_command *eas_command_by_code(int code)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].code == code)
			return &commands[i];
	}
	return NULL;
}

void eas_commands_implemented(const struct eas_command *table, size_t count, buf *out)
{
	bool first = true;

	for (size_t i = 0; i < count; i++) {
		if (table[i].handler == NULL)
			continue;
		if (!first)
			buf_putc(out, ',');
		buf_puts(out, table[i].name);
		first = false;
	}
}

static const struct {
	const char *name;
	int version;
} versions[] = {
	{ "2.5", EAS_VERSION_25 },   { "12.0", EAS_VERSION_120 }, { "12.1", EAS_VERSION_121 },
	{ "14.0", EAS_VERSION_140 }, { "14.1", EAS_VERSION_141 }, { "16.0", EAS_VERSION_160 },
	{ "16.1", EAS_VERSION_161 },
};

int eas_version_parse(const char *text, int *version_r)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (strcmp(versions[i].name, text) == 0) {
			*version_r = versions[i].version;
			return 0;
		}
	}
	return -1;
}

bool eas_version_supported(int version)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (versions[i].version == version)
			return true;
	}
	return false;
}

const char *eas_version_name(int version)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (versions[i].version == version)
			return versions[i].name;
	}
	return "?";
}

void eas_response_init(struct eas_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->http_status = 200;
	resp->eas_status = -1;
	buf_init(&resp->body);
}

void eas_response_free(struct eas_response *resp)
{
	buf_free(&resp->body);
}

int eas_response_add_header(struct eas_response *resp, const char *name, const char *value)
{
	if (resp->header_count >= EAS_MAX_RESPONSE_HEADERS)
		return -1;
	resp->headers[resp->header_count].name = name;
	resp->headers[resp->header_count].value = value;
	resp->header_count++;
	return 0;
}
