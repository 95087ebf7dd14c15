/* policy.c: the policy keys of a context and the two policy documents of MS-ASPROV.
 *
 * Defaults follow Exchange's "Default" mobile device mailbox policy: nothing is required
 * (no password, no encryption) and every feature is allowed, so that a fresh installation
 * works with every client (Q-PROV-3: a minimal policy without roaming or feature
 * restrictions; Nokia Mail for Exchange fails on settings it cannot enforce); the
 * administrator tightens it per context. */
#include "eas/policy.h"

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "store/store-device.h"

#include <string.h>
#include <sys/random.h>

#define P(name) WBXML_Provision_##name

static const uint32_t calendar_ages[] = { 0, 4, 5, 6, 7, UINT32_MAX };

/* In enum policy_id order; the sent keys in EASProvisionDoc token order. */
static const struct policy_def defs[POLICY_COUNT] = {
	[POLICY_PROVISIONING] = { "provisioning", POLICY_BOOL, 1, 0, 1, NULL, 0,
		"enforce provisioning: commands need the policy key of a completed Provision "
		"(0: Provision still answers, with a policy that requires nothing)" },
	[POLICY_ALLOW_NON_PROVISIONABLE] = { "allow_non_provisionable", POLICY_BOOL, 0, 0, 1,
		NULL, 0, "serve devices that send no policy key at all (clients known never "
		"to provision, e.g. Outlook desktop, are always served)" },
	[POLICY_PASSWORD_REQUIRED] = { "password_required", POLICY_BOOL, 0, 0, 1, NULL,
		P(DevicePasswordEnabled), "a device password (PIN) is required" },
	[POLICY_PASSWORD_COMPLEX] = { "password_complex", POLICY_BOOL, 0, 0, 1, NULL,
		P(AlphanumericDevicePasswordRequired), "the password must be alphanumeric" },
	[POLICY_PASSWORD_MIN_LENGTH] = { "password_min_length", POLICY_NUMBER, 4, 1, 16, NULL,
		P(MinDevicePasswordLength), "minimum password length (1-16)" },
	[POLICY_PASSWORD_MIN_COMPLEX_CHARS] = { "password_min_complex_chars", POLICY_NUMBER, 1,
		1, 4, NULL, P(MinDevicePasswordComplexCharacters),
		"character classes a complex password must mix (1-4; 12.1+)" },
	[POLICY_PASSWORD_SIMPLE_ALLOWED] = { "password_simple_allowed", POLICY_BOOL, 1, 0, 1,
		NULL, P(AllowSimpleDevicePassword), "simple passwords such as 1111 are allowed" },
	[POLICY_PASSWORD_EXPIRATION_DAYS] = { "password_expiration_days", POLICY_LIMIT, 0, 1,
		730, NULL, P(DevicePasswordExpiration), "days until the password expires "
		"(0: never)" },
	[POLICY_PASSWORD_HISTORY] = { "password_history", POLICY_NUMBER, 0, 0, 50, NULL,
		P(DevicePasswordHistory), "earlier passwords that cannot be reused (0-50)" },
	[POLICY_PASSWORD_RECOVERY] = { "password_recovery", POLICY_BOOL, 0, 0, 1, NULL,
		P(PasswordRecoveryEnabled), "the device may send a recovery password to the "
		"server" },
	[POLICY_MAX_INACTIVITY] = { "max_inactivity", POLICY_LIMIT, 0, 1, 9998, NULL,
		P(MaxInactivityTimeDeviceLock), "seconds of inactivity before the device locks "
		"(0: no limit)" },
	[POLICY_WIPE_AFTER_FAILED_ATTEMPTS] = { "wipe_after_failed_attempts", POLICY_LIMIT, 0,
		4, 16, NULL, P(MaxDevicePasswordFailedAttempts), "failed password attempts "
		"before the device wipes itself (4-16; 0: never)" },
	[POLICY_ALLOW_ATTACHMENTS] = { "allow_attachments", POLICY_BOOL, 1, 0, 1, NULL,
		P(AttachmentsEnabled), "attachments may be downloaded" },
	[POLICY_MAX_ATTACHMENT_SIZE] = { "max_attachment_size", POLICY_LIMIT, 0, 1,
		2000000000, NULL, P(MaxAttachmentSize), "largest attachment downloaded "
		"automatically, bytes (0: no limit)" },
	[POLICY_REQUIRE_ENCRYPTION] = { "require_encryption", POLICY_BOOL, 0, 0, 1, NULL,
		P(RequireDeviceEncryption), "the device must be encrypted (12.1+)" },
	[POLICY_REQUIRE_STORAGE_CARD_ENCRYPTION] = { "require_storage_card_encryption",
		POLICY_BOOL, 0, 0, 1, NULL, P(RequireStorageCardEncryption),
		"storage cards must be encrypted" },
	[POLICY_ALLOW_STORAGE_CARD] = { "allow_storage_card", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowStorageCard), "storage cards may be used (12.1+)" },
	[POLICY_ALLOW_CAMERA] = { "allow_camera", POLICY_BOOL, 1, 0, 1, NULL, P(AllowCamera),
		"the camera may be used (12.1+)" },
	[POLICY_ALLOW_WIFI] = { "allow_wifi", POLICY_BOOL, 1, 0, 1, NULL, P(AllowWiFi),
		"Wi-Fi may be used (12.1+)" },
	[POLICY_ALLOW_TEXT_MESSAGING] = { "allow_text_messaging", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowTextMessaging), "SMS/MMS may be used (12.1+)" },
	[POLICY_ALLOW_POP_IMAP_EMAIL] = { "allow_pop_imap_email", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowPOPIMAPEmail), "POP/IMAP accounts may be used (12.1+)" },
	[POLICY_ALLOW_BLUETOOTH] = { "allow_bluetooth", POLICY_NUMBER, 2, 0, 2, NULL,
		P(AllowBluetooth), "Bluetooth: 0 off, 1 hands-free only, 2 allowed (12.1+)" },
	[POLICY_ALLOW_IRDA] = { "allow_irda", POLICY_BOOL, 1, 0, 1, NULL, P(AllowIrDA),
		"infrared may be used (12.1+)" },
	[POLICY_ALLOW_DESKTOP_SYNC] = { "allow_desktop_sync", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowDesktopSync), "desktop synchronisation is allowed (12.1+)" },
	[POLICY_ALLOW_BROWSER] = { "allow_browser", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowBrowser), "the web browser may be used (12.1+)" },
	[POLICY_ALLOW_CONSUMER_EMAIL] = { "allow_consumer_email", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowConsumerEmail), "personal e-mail accounts may be used (12.1+)" },
	[POLICY_ALLOW_REMOTE_DESKTOP] = { "allow_remote_desktop", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowRemoteDesktop), "remote desktop may be used (12.1+)" },
	[POLICY_ALLOW_INTERNET_SHARING] = { "allow_internet_sharing", POLICY_BOOL, 1, 0, 1,
		NULL, P(AllowInternetSharing), "internet sharing (tethering) is allowed (12.1+)" },
	[POLICY_ALLOW_UNSIGNED_APPS] = { "allow_unsigned_apps", POLICY_BOOL, 1, 0, 1, NULL,
		P(AllowUnsignedApplications), "unsigned applications may run (12.1+)" },
	[POLICY_ALLOW_UNSIGNED_INSTALLERS] = { "allow_unsigned_installers", POLICY_BOOL, 1, 0,
		1, NULL, P(AllowUnsignedInstallationPackages),
		"unsigned installation packages may run (12.1+)" },
	[POLICY_MANUAL_SYNC_WHEN_ROAMING] = { "manual_sync_when_roaming", POLICY_BOOL, 0, 0, 1,
		NULL, P(RequireManualSyncWhenRoaming), "synchronise only manually while "
		"roaming (12.1+)" },
	[POLICY_MAX_CALENDAR_AGE] = { "max_calendar_age", POLICY_CHOICE, 0, 0, 7,
		calendar_ages, P(MaxCalendarAgeFilter), "oldest calendar items synchronised: "
		"0 all, 4 two weeks, 5 a month, 6 three months, 7 six months (12.1+)" },
	[POLICY_MAX_EMAIL_AGE] = { "max_email_age", POLICY_NUMBER, 0, 0, 5, NULL,
		P(MaxEmailAgeFilter), "oldest mail synchronised: 0 all, 1 a day, 2 three days, "
		"3 a week, 4 two weeks, 5 a month (12.1+)" },
};

const struct policy_def *policy_defs(void)
{
	return defs;
}

int policy_lookup(const char *name)
{
	for (int i = 0; i < POLICY_COUNT; i++) {
		if (strcmp(defs[i].name, name) == 0)
			return i;
	}
	return -1;
}

void policy_defaults(struct eas_policy *policy_r)
{
	for (int i = 0; i < POLICY_COUNT; i++)
		policy_r->v[i] = defs[i].def;
}

void policy_permissive(struct eas_policy *policy_r)
{
	policy_defaults(policy_r);
	for (int i = 0; i < POLICY_COUNT; i++) {
		if (strncmp(defs[i].name, "allow_", 6) == 0)
			policy_r->v[i] = defs[i].max;    /* allowed (Bluetooth: 2) */
		else if (defs[i].kind == POLICY_LIMIT || defs[i].kind == POLICY_CHOICE)
			policy_r->v[i] = 0;              /* no limit */
		else if (defs[i].kind == POLICY_BOOL && i != POLICY_PASSWORD_SIMPLE_ALLOWED)
			policy_r->v[i] = 0;              /* nothing required */
	}
	policy_r->v[POLICY_PROVISIONING] = 0;
	policy_r->v[POLICY_PASSWORD_SIMPLE_ALLOWED] = 1;
}

int policy_parse_value(int id, const char *text, pool *p, uint32_t *value_r,
		       const char **error_r)
{
	const struct policy_def *def = &defs[id];
	uint64_t v;

	if (def->kind == POLICY_BOOL) {
		if (strcmp(text, "1") == 0 || str_eq_nocase(text, "on") ||
		    str_eq_nocase(text, "true") || str_eq_nocase(text, "yes")) {
			*value_r = 1;
			return 0;
		}
		if (strcmp(text, "0") == 0 || str_eq_nocase(text, "off") ||
		    str_eq_nocase(text, "false") || str_eq_nocase(text, "no")) {
			*value_r = 0;
			return 0;
		}
		*error_r = pool_printf(p, "%s takes 0 or 1 (on/off), not '%.64s'", def->name, text);
		return -1;
	}
	if (def->kind == POLICY_LIMIT &&
	    (str_eq_nocase(text, "none") || str_eq_nocase(text, "unlimited"))) {
		*value_r = 0;
		return 0;
	}
	if (str_to_uint64(text, UINT32_MAX, &v) < 0) {
		*error_r = pool_printf(p, "%s takes a number, not '%.64s'", def->name, text);
		return -1;
	}
	if (def->kind == POLICY_CHOICE) {
		for (const uint32_t *c = def->choices; *c != UINT32_MAX; c++) {
			if (*c == v) {
				*value_r = (uint32_t)v;
				return 0;
			}
		}
		*error_r = pool_printf(p, "%s takes one of the listed values (see `easctl policy "
				       "show`), not %llu", def->name, (unsigned long long)v);
		return -1;
	}
	if ((def->kind == POLICY_LIMIT && v == 0) || (v >= def->min && v <= def->max)) {
		*value_r = (uint32_t)v;
		return 0;
	}
	*error_r = pool_printf(p, "%s takes %s%u-%u, not %llu", def->name,
			       def->kind == POLICY_LIMIT ? "0 (no limit) or " : "", def->min,
			       def->max, (unsigned long long)v);
	return -1;
}

const char *policy_format_value(int id, uint32_t value, pool *p)
{
	if (defs[id].kind == POLICY_LIMIT && value == 0)
		return "unlimited";
	return pool_printf(p, "%u", value);
}

int policy_parse_assignment(const char *text, pool *p, int *id_r, uint32_t *value_r,
			    const char **error_r)
{
	const char *eq = strchr(text, '=');
	if (eq == NULL || eq == text) {
		*error_r = pool_printf(p, "'%.64s' is not key=value", text);
		return -1;
	}
	const char *name = pool_strndup(p, text, (size_t)(eq - text));
	int id = policy_lookup(name);
	if (id < 0) {
		*error_r = pool_printf(p, "unknown policy key '%.64s' (see `easctl policy show`)",
				       name);
		return -1;
	}
	if (policy_parse_value(id, eq + 1, p, value_r, error_r) < 0)
		return -1;
	*id_r = id;
	return 0;
}

int policy_load(struct store *store, pool *p, int64_t context_id, struct eas_policy *policy_r,
		const char **error_r)
{
	struct store_policy_value *values;
	size_t count;

	policy_defaults(policy_r);
	if (store_policy_get(store, p, context_id, &values, &count, error_r) != STORE_OK)
		return -1;
	for (size_t i = 0; i < count; i++) {
		int id = policy_lookup(values[i].name);
		uint32_t v;
		const char *why;
		if (id < 0) {
			log_warn("context %lld: unknown policy key '%s' ignored",
				 (long long)context_id, values[i].name);
			continue;
		}
		if (policy_parse_value(id, values[i].value, p, &v, &why) < 0) {
			log_warn("context %lld: %s; the default is used", (long long)context_id, why);
			continue;
		}
		policy_r->v[id] = v;
	}
	return 0;
}

uint64_t policy_hash(const struct eas_policy *policy)
{
	/* FNV-1a over (key, value) of the sent keys. */
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < POLICY_COUNT; i++) {
		if (defs[i].tag == 0)
			continue;
		uint32_t words[2] = { (uint32_t)i, policy->v[i] };
		const unsigned char *b = (const unsigned char *)words;
		for (size_t j = 0; j < sizeof(words); j++) {
			h ^= b[j];
			h *= 0x100000001b3ull;
		}
	}
	return h != 0 ? h : 1; /* 0 means "never acknowledged" in the device record */
}

/* One sent key as its element: limits of 0 are empty elements ("not set", MS-ASPROV
 * unsignedIntOrEmpty). */
static void write_key(struct wbxml_writer *w, const struct eas_policy *policy, int id)
{
	if (defs[id].kind == POLICY_LIMIT && policy->v[id] == 0)
		wbxml_elem_empty(w, defs[id].tag);
	else
		wbxml_elem_uint(w, defs[id].tag, policy->v[id]);
}

void policy_write_provisiondoc(struct wbxml_writer *w, const struct eas_policy *policy)
{
	/* EASProvisionDoc children in the order of the MS-ASPROV schema (token order). */
	static const uint16_t order[] = {
		P(DevicePasswordEnabled), P(AlphanumericDevicePasswordRequired),
		P(PasswordRecoveryEnabled), P(RequireStorageCardEncryption),
		P(AttachmentsEnabled), P(MinDevicePasswordLength),
		P(MaxInactivityTimeDeviceLock), P(MaxDevicePasswordFailedAttempts),
		P(MaxAttachmentSize), P(AllowSimpleDevicePassword), P(DevicePasswordExpiration),
		P(DevicePasswordHistory), P(AllowStorageCard), P(AllowCamera),
		P(RequireDeviceEncryption), P(AllowUnsignedApplications),
		P(AllowUnsignedInstallationPackages), P(MinDevicePasswordComplexCharacters),
		P(AllowWiFi), P(AllowTextMessaging), P(AllowPOPIMAPEmail), P(AllowBluetooth),
		P(AllowIrDA), P(RequireManualSyncWhenRoaming), P(AllowDesktopSync),
		P(MaxCalendarAgeFilter), P(AllowHTMLEmail), P(MaxEmailAgeFilter),
		P(AllowBrowser), P(AllowConsumerEmail), P(AllowRemoteDesktop),
		P(AllowInternetSharing),
	};

	wbxml_start(w, P(EASProvisionDoc));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] == P(AllowHTMLEmail)) {
			/* Q-PROV-3: Windows Phone and BlackBerry show plain text otherwise. */
			wbxml_elem_uint(w, order[i], 1);
			continue;
		}
		for (int id = 0; id < POLICY_COUNT; id++) {
			if (defs[id].tag == order[i]) {
				write_key(w, policy, id);
				break;
			}
		}
	}
	wbxml_end(w);
}

static void wap_parm(buf *out, const char *name, uint32_t value)
{
	buf_printf(out, "<parm name=\"%s\" value=\"%u\"/>", name, value);
}

void policy_wap_xml(const struct eas_policy *policy, buf *out)
{
	const uint32_t *v = policy->v;

	/* MS-ASPROV 2.2.2.24.2: SecurityPolicy 4131 is 0 when a password is enforced, 4133 1
	 * lets a desktop unlock the device; the Registry branches exist only with a password. */
	buf_puts(out, "<wap-provisioningdoc><characteristic type=\"SecurityPolicy\">");
	wap_parm(out, "4131", v[POLICY_PASSWORD_REQUIRED] ? 0 : 1);
	wap_parm(out, "4133", 1);
	buf_puts(out, "</characteristic>");
	if (v[POLICY_PASSWORD_REQUIRED]) {
		buf_puts(out, "<characteristic type=\"Registry\">"
			      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\"
			      "{50C13377-C66D-400C-889E-C316FC4AB374}\">");
		uint32_t seconds = v[POLICY_MAX_INACTIVITY];
		wap_parm(out, "AEFrequencyType", seconds > 0 ? 1 : 0);
		if (seconds > 0)
			wap_parm(out, "AEFrequencyValue", (seconds + 59) / 60); /* minutes */
		buf_puts(out, "</characteristic>");
		uint32_t attempts = v[POLICY_WIPE_AFTER_FAILED_ATTEMPTS];
		if (attempts > 0) {
			buf_puts(out, "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">");
			wap_parm(out, "DeviceWipeThreshold", attempts);
			buf_puts(out, "</characteristic>"
				      "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">");
			/* The device asks for a code word after half the allowed failures. */
			wap_parm(out, "CodewordFrequency", attempts / 2);
			buf_puts(out, "</characteristic>");
		}
		buf_puts(out, "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\"
			      "lap_pw\">");
		wap_parm(out, "MinimumPasswordLength", v[POLICY_PASSWORD_MIN_LENGTH]);
		/* 0: alphanumeric required; 2: numeric or alphanumeric. */
		wap_parm(out, "PasswordComplexity", v[POLICY_PASSWORD_COMPLEX] ? 0 : 2);
		buf_puts(out, "</characteristic></characteristic>");
	}
	buf_puts(out, "</wap-provisioningdoc>");
}

bool policy_client_never_provisions(const char *device_type, const char *user_agent)
{
	if (device_type != NULL &&
	    (strncmp(device_type, "WindowsOutlook", 14) == 0 ||
	     strcmp(device_type, "TestActiveSyncConnectivity") == 0))
		return true;
	if (user_agent == NULL)
		return false;
	if ((strncmp(user_agent, "Outlook/1", 9) == 0 && user_agent[9] >= '0' &&
	     user_agent[9] <= '9') || strncmp(user_agent, "Microsoft.Outlook", 17) == 0)
		return true;
	/* "Android/2.2-EAS-1.2": the client before 1.3 never provisioned. */
	const char *eas = strstr(user_agent, "EAS-1.");
	return eas != NULL && eas[6] >= '0' && eas[6] <= '2' &&
	       !(eas[7] >= '0' && eas[7] <= '9');
}

uint32_t policy_new_key(uint32_t avoid)
{
	uint32_t key = 0;

	while (key == 0 || key == avoid) {
		if (getrandom(&key, sizeof(key), 0) != (ssize_t)sizeof(key))
			i_panic("getrandom failed");
	}
	return key;
}
