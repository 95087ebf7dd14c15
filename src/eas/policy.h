/* policy.h: the security policies of a context, as `easctl policy set DOMAIN key=value` sets
 * them and Provision sends them: the key names, their defaults and limits, and the two
 * policy documents (MS-ASPROV): MS-WAP-Provisioning-XML for 2.5 and the EASProvisionDoc of
 * MS-EAS-Provisioning-WBXML for 12.0 and later. */
#ifndef EASD_POLICY_H
#define EASD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "store/store.h"
#include "wbxml/wbxml.h"

enum policy_id {
	/* Not sent: how the server treats devices. */
	POLICY_PROVISIONING,             /* enforce the Provision handshake */
	POLICY_ALLOW_NON_PROVISIONABLE,  /* serve any device that sends no policy key */
	/* Sent in the policy document. */
	POLICY_PASSWORD_REQUIRED,
	POLICY_PASSWORD_COMPLEX,
	POLICY_PASSWORD_MIN_LENGTH,
	POLICY_PASSWORD_MIN_COMPLEX_CHARS,
	POLICY_PASSWORD_SIMPLE_ALLOWED,
	POLICY_PASSWORD_EXPIRATION_DAYS,
	POLICY_PASSWORD_HISTORY,
	POLICY_PASSWORD_RECOVERY,
	POLICY_MAX_INACTIVITY,
	POLICY_WIPE_AFTER_FAILED_ATTEMPTS,
	POLICY_ALLOW_ATTACHMENTS,
	POLICY_MAX_ATTACHMENT_SIZE,
	POLICY_REQUIRE_ENCRYPTION,
	POLICY_REQUIRE_STORAGE_CARD_ENCRYPTION,
	POLICY_ALLOW_STORAGE_CARD,
	POLICY_ALLOW_CAMERA,
	POLICY_ALLOW_WIFI,
	POLICY_ALLOW_TEXT_MESSAGING,
	POLICY_ALLOW_POP_IMAP_EMAIL,
	POLICY_ALLOW_BLUETOOTH,
	POLICY_ALLOW_IRDA,
	POLICY_ALLOW_DESKTOP_SYNC,
	POLICY_ALLOW_BROWSER,
	POLICY_ALLOW_CONSUMER_EMAIL,
	POLICY_ALLOW_REMOTE_DESKTOP,
	POLICY_ALLOW_INTERNET_SHARING,
	POLICY_ALLOW_UNSIGNED_APPS,
	POLICY_ALLOW_UNSIGNED_INSTALLERS,
	POLICY_MANUAL_SYNC_WHEN_ROAMING,
	POLICY_MAX_CALENDAR_AGE,
	POLICY_MAX_EMAIL_AGE,
	POLICY_COUNT
};

enum policy_kind {
	POLICY_BOOL,       /* 0 or 1 (also on/off, true/false, yes/no) */
	POLICY_NUMBER,     /* min..max */
	POLICY_LIMIT,      /* 0 (also "none", "unlimited": no limit, sent as an empty element)
			    * or min..max */
	POLICY_CHOICE,     /* one of the listed values */
};

struct policy_def {
	const char *name;         /* "password_required" */
	enum policy_kind kind;
	uint32_t def;             /* default */
	uint32_t min, max;        /* POLICY_NUMBER, POLICY_LIMIT */
	const uint32_t *choices;  /* POLICY_CHOICE, ended by UINT32_MAX */
	uint16_t tag;             /* the EASProvisionDoc element, 0 when not sent */
	const char *help;         /* one line: meaning and unit */
};

/* The values of every key. */
struct eas_policy {
	uint32_t v[POLICY_COUNT];
};

/* The table of keys, in enum policy_id order. */
const struct policy_def *policy_defs(void);
/* The key of a name, or -1. */
int policy_lookup(const char *name);
/* Every key at its default. */
void policy_defaults(struct eas_policy *policy_r);
/* A policy that requires nothing and allows everything (what Provision sends when
 * provisioning is off for the context): password off, no limits, every feature allowed. */
void policy_permissive(struct eas_policy *policy_r);
/* Parses a value for key id; 0, or -1 with *error_r (static text or from p). */
int policy_parse_value(int id, const char *text, pool *p, uint32_t *value_r,
		       const char **error_r);
/* The value as `easctl policy show` prints it ("0", "unlimited"...), from p. */
const char *policy_format_value(int id, uint32_t value, pool *p);
/* Parses "key=value"; 0, or -1 with *error_r. */
int policy_parse_assignment(const char *text, pool *p, int *id_r, uint32_t *value_r,
			    const char **error_r);

/* The context's policy: defaults overlaid with what the store holds. A stored name that is
 * unknown or a value that no longer parses is skipped with a warning in the log. */
int policy_load(struct store *store, pool *p, int64_t context_id, struct eas_policy *policy_r,
		const char **error_r);

/* A fingerprint of what the policy document says (the keys that are sent): a device whose
 * acknowledged hash differs from the current one must provision again (Status 143). */
uint64_t policy_hash(const struct eas_policy *policy);

/* True for clients known never to provision (Q-PROV-3): Outlook desktop (DeviceType
 * WindowsOutlook*, User-Agent Outlook/1x.x or Microsoft.Outlook...), the Remote Connectivity
 * Analyzer (TestActiveSyncConnectivity) and the old Android Exchange client (EAS-1.0 to 1.2).
 * Either argument may be NULL. */
bool policy_client_never_provisions(const char *device_type, const char *user_agent);
/* A fresh random policy key: never 0 (Q-PROV-2: iPhone OS 4 rejects it) and never avoid. */
uint32_t policy_new_key(uint32_t avoid);

/* Writes the EASProvisionDoc element (12.0+) of the policy; elements that the writer's
 * version lacks are dropped by the writer. AllowHTMLEmail is always 1 (Q-PROV-3). */
void policy_write_provisiondoc(struct wbxml_writer *w, const struct eas_policy *policy);
/* Appends the MS-WAP-Provisioning-XML document (2.5) of the policy to out. */
void policy_wap_xml(const struct eas_policy *policy, buf *out);

#endif
