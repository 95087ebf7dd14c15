/* Name rules of the store (store.h), shared by every backend. */
#include "store/store.h"
#include "store/store-folder.h"
#include "lib/utf8.h"

#include <string.h>

static bool is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

bool store_domain_valid(const char *domain, const char **error_r)
{
	size_t len = strlen(domain), label = 0;

	if (len == 0) {
		*error_r = "domain is empty";
		return false;
	}
	if (len > 253) {
		*error_r = "domain is longer than 253 characters";
		return false;
	}
	if (domain[0] == '.' || domain[0] == '-' || domain[len - 1] == '.' ||
	    domain[len - 1] == '-') {
		*error_r = "domain starts or ends with '.' or '-'";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)domain[i];
		if (c == '.') {
			if (label == 0) {
				*error_r = "domain has an empty label ('..')";
				return false;
			}
			label = 0;
		} else if (is_ldh(c)) {
			if (++label > 63) {
				*error_r = "domain has a label longer than 63 characters";
				return false;
			}
		} else {
			*error_r = "domain may hold only letters, digits, '-' and '.' "
				   "(write international names in their xn-- form)";
			return false;
		}
	}
	return true;
}

bool store_user_name_valid(const char *name, const char **error_r)
{
	size_t len = strlen(name);

	if (len == 0) {
		*error_r = "user name is empty";
		return false;
	}
	if (len > 64) {
		*error_r = "user name is longer than 64 bytes";
		return false;
	}
	if (!utf8_valid(name, len, NULL)) {
		*error_r = "user name is not valid UTF-8";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= ' ' || c == 0x7f) {
			*error_r = "user name may not hold spaces or control characters";
			return false;
		}
		if (c == '@' || c == '\\' || c == '/' || c == ':') {
			*error_r = "user name may not hold '@', '\\', '/' or ':'";
			return false;
		}
	}
	return true;
}

/* ---- Folder types and names (store-folder.h) ---- */

enum store_class store_folder_type_class(int type)
{
	switch (type) {
	case STORE_FOLDER_INBOX:
	case STORE_FOLDER_DRAFTS:
	case STORE_FOLDER_DELETED:
	case STORE_FOLDER_SENT:
	case STORE_FOLDER_OUTBOX:
	case STORE_FOLDER_USER_MAIL:
		return STORE_CLASS_EMAIL;
	case STORE_FOLDER_TASKS:
	case STORE_FOLDER_USER_TASKS:
		return STORE_CLASS_TASKS;
	case STORE_FOLDER_CALENDAR:
	case STORE_FOLDER_USER_CALENDAR:
		return STORE_CLASS_CALENDAR;
	case STORE_FOLDER_CONTACTS:
	case STORE_FOLDER_USER_CONTACTS:
		return STORE_CLASS_CONTACTS;
	case STORE_FOLDER_NOTES:
	case STORE_FOLDER_USER_NOTES:
		return STORE_CLASS_NOTES;
	default:
		/* Generic (1), journals (11, 16: no EAS class), unknown (18), recipient cache. */
		return STORE_CLASS_NONE;
	}
}

bool store_folder_type_is_default(int type)
{
	return type >= STORE_FOLDER_INBOX && type <= STORE_FOLDER_JOURNAL;
}

const char *store_class_name(enum store_class cls)
{
	switch (cls) {
	case STORE_CLASS_EMAIL:
		return "Email";
	case STORE_CLASS_CONTACTS:
		return "Contacts";
	case STORE_CLASS_CALENDAR:
		return "Calendar";
	case STORE_CLASS_TASKS:
		return "Tasks";
	case STORE_CLASS_NOTES:
		return "Notes";
	case STORE_CLASS_NONE:
		break;
	}
	return NULL;
}

bool store_folder_name_valid(const char *name, const char **error_r)
{
	size_t len = strlen(name);

	if (len == 0) {
		*error_r = "folder name is empty";
		return false;
	}
	if (len > STORE_FOLDER_NAME_MAX) {
		*error_r = "folder name is longer than 256 bytes";
		return false;
	}
	if (!utf8_valid(name, len, NULL)) {
		*error_r = "folder name is not valid UTF-8";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f) {
			*error_r = "folder name may not hold control characters";
			return false;
		}
	}
	return true;
}
