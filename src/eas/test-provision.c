/* Unit tests of Provision (cmd-provision.c), the policy-key check of eas_dispatch
 * (eas-dispatch.c) and the policy documents (policy.c). */
#include "eas/test-eas-env.h"
#include "eas/policy.h"

#define PV(name) WBXML_Provision_##name
#define ST(name) WBXML_Settings_##name
#define FH(name) WBXML_FolderHierarchy_##name

#define TYPE_WBXML "MS-EAS-Provisioning-WBXML"
#define TYPE_WAP "MS-WAP-Provisioning-XML"

/* ---- Requests ---- */

/* Provision with a Policy (type, and key/status when not NULL), DeviceInformation when
 * with_info, written for the phone's version. */
static void provision_body(buf *out, int version, const char *type, const char *key,
			   const char *status, bool with_info)
{
	struct wbxml_writer w;

	tenv_body(&w, out, version);
	wbxml_start(&w, PV(Provision));
	if (with_info) {
		wbxml_start(&w, ST(DeviceInformation));
		wbxml_start(&w, ST(Set));
		wbxml_elem_str(&w, ST(Model), "iPhone15,2");
		wbxml_elem_str(&w, ST(OS), "iOS 17.1 21B74");
		wbxml_elem_str(&w, ST(OSLanguage), "Deutsch");
		wbxml_elem_str(&w, ST(FriendlyName), "Mike's iPhone");
		wbxml_end(&w);
		wbxml_end(&w);
	}
	wbxml_start(&w, PV(Policies));
	wbxml_start(&w, PV(Policy));
	wbxml_elem_str(&w, PV(PolicyType), type);
	if (key != NULL)
		wbxml_elem_str(&w, PV(PolicyKey), key);
	if (status != NULL)
		wbxml_elem_str(&w, PV(Status), status);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	tenv_body_end(&w);
}

static void foldersync_body(buf *out, int version, const char *key)
{
	struct wbxml_writer w;

	tenv_body(&w, out, version);
	wbxml_start(&w, FH(FolderSync));
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_end(&w);
	tenv_body_end(&w);
}

static const char *policy_type_of(int version)
{
	return version == EAS_VERSION_25 ? TYPE_WAP : TYPE_WBXML;
}

/* The Policy element of a Provision answer (asserts Provision Status 1). */
static struct wbxml_node *answer_policy(struct tenv *t)
{
	struct wbxml_node *root = tenv_answer(t, PV(Provision));
	ck_assert_uint_eq(tenv_uint(root, PV(Status)), 1);
	struct wbxml_node *policies = wbxml_child(root, PV(Policies));
	ck_assert_ptr_nonnull(policies);
	struct wbxml_node *policy = wbxml_child(policies, PV(Policy));
	ck_assert_ptr_nonnull(policy);
	return policy;
}

/* The two-phase handshake for the phone; sets its policy key to the final one. */
static void provision_phone(struct tenv *t, struct tphone *ph)
{
	buf body = BUF_INIT;

	ph->has_policy_key = false;
	provision_body(&body, ph->version, policy_type_of(ph->version), NULL, NULL, false);
	tenv_run(t, ph, "Provision", &body);
	ck_assert_uint_eq(t->resp.http_status, 200);
	const char *temp = tenv_str(t, answer_policy(t), PV(PolicyKey));
	provision_body(&body, ph->version, policy_type_of(ph->version), temp, "1", false);
	tenv_run(t, ph, "Provision", &body);
	struct wbxml_node *policy = answer_policy(t);
	ck_assert_uint_eq(tenv_uint(policy, PV(Status)), 1);
	ph->policy_key = (uint32_t)tenv_uint(policy, PV(PolicyKey));
	ph->has_policy_key = true;
	buf_free(&body);
}

/* Runs FolderSync 0 and returns the HTTP status; *eas_status_r the body's Status (or -1). */
static unsigned foldersync(struct tenv *t, const struct tphone *ph, int *eas_status_r)
{
	buf body = BUF_INIT;

	foldersync_body(&body, ph->version, "0");
	tenv_run(t, ph, "FolderSync", &body);
	buf_free(&body);
	*eas_status_r = -1;
	if (t->resp.body.len > 0)
		*eas_status_r = (int)tenv_uint(tenv_answer(t, FH(FolderSync)), FH(Status));
	return t->resp.http_status;
}

static void set_policy(struct tenv *t, const char *domain, const char *name, const char *value)
{
	struct store_context ctx;
	const char *error = NULL;
	struct store_policy_value v = { name, value };

	ck_assert_int_eq(store_context_get(t->store, t->pool, domain, &ctx, &error), STORE_OK);
	ck_assert_int_eq(store_policy_set(t->store, ctx.id, &v, 1, &error), STORE_OK);
}

static struct store_device_record record(struct tenv *t, const struct tphone *ph)
{
	struct store_device_record rec;
	const char *error = NULL;
	ck_assert_msg(store_device_get(t->store, t->pool, ph->user->id, ph->device_id, &rec,
				       &error) == STORE_OK, "%s", error);
	return rec;
}

/* ---- The handshake ---- */

static const int all_versions[] = { EAS_VERSION_25, EAS_VERSION_120, EAS_VERSION_121,
				    EAS_VERSION_140, EAS_VERSION_141, EAS_VERSION_160,
				    EAS_VERSION_161 };

START_TEST(test_handshake_every_version)
{
	int version = all_versions[_i];
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	int status;

	char name[32];
	snprintf(name, sizeof(name), "hs%d", version);
	tenv_open(&t, name);
	tphone_init(&ph, &t, "PHONE1", version);

	/* Before provisioning: "provision first" (Q-PROV-1: 449, with the status from 14.0). */
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, version >= EAS_VERSION_140 ? 142 : -1);

	/* Phase 1: the policy and a temporary key. */
	provision_body(&body, version, policy_type_of(version), NULL, NULL, true);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(t.resp.http_status, 200);
	struct wbxml_node *root = tenv_answer(&t, PV(Provision));
	struct wbxml_node *info = wbxml_child(root, ST(DeviceInformation));
	if (version >= EAS_VERSION_141) {
		ck_assert_ptr_nonnull(info);
		ck_assert_uint_eq(tenv_uint(info, ST(Status)), 1);
	} else {
		ck_assert_ptr_null(info);
	}
	struct wbxml_node *policy = answer_policy(&t);
	ck_assert_str_eq(tenv_str(&t, policy, PV(PolicyType)), policy_type_of(version));
	ck_assert_uint_eq(tenv_uint(policy, PV(Status)), 1);
	uint64_t temp = tenv_uint(policy, PV(PolicyKey));
	ck_assert_uint_ne(temp, 0); /* Q-PROV-2 */
	struct wbxml_node *data = wbxml_child(policy, PV(Data));
	ck_assert_ptr_nonnull(data);
	if (version == EAS_VERSION_25) {
		ck_assert_ptr_nonnull(strstr(wbxml_node_str(data), "<wap-provisioningdoc>"));
	} else {
		struct wbxml_node *doc = wbxml_child(data, PV(EASProvisionDoc));
		ck_assert_ptr_nonnull(doc);
		ck_assert_uint_eq(tenv_uint(doc, PV(DevicePasswordEnabled)), 0);
		ck_assert_uint_eq(tenv_uint(doc, PV(AttachmentsEnabled)), 1);
		/* 12.1+ elements only from 12.1; AllowHTMLEmail always 1 (Q-PROV-3). */
		if (version >= EAS_VERSION_121)
			ck_assert_uint_eq(tenv_uint(doc, PV(AllowHTMLEmail)), 1);
		else
			ck_assert_ptr_null(wbxml_child(doc, PV(AllowHTMLEmail)));
	}
	struct store_device_record rec = record(&t, &ph);
	ck_assert_uint_eq(rec.policy_key_temp, temp);
	/* 2.5 has no settings page: the writer dropped DeviceInformation. */
	ck_assert_str_eq(rec.info.model, version == EAS_VERSION_25 ? "" : "iPhone15,2");
	ck_assert_int_eq(rec.protocol_version, version);

	/* The temporary key is no key for other commands. */
	ph.has_policy_key = true;
	ph.policy_key = (uint32_t)temp;
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, version >= EAS_VERSION_140 ? 144 : -1);

	/* Phase 2: the final key. */
	const char *temp_text = pool_printf(t.pool, "%llu", (unsigned long long)temp);
	provision_body(&body, version, policy_type_of(version), temp_text, "1", false);
	tenv_run(&t, &ph, "Provision", &body);
	policy = answer_policy(&t);
	ck_assert_uint_eq(tenv_uint(policy, PV(Status)), 1);
	ck_assert_ptr_null(wbxml_child(policy, PV(Data)));
	uint64_t final = tenv_uint(policy, PV(PolicyKey));
	ck_assert_uint_ne(final, 0);
	ck_assert_uint_ne(final, temp);
	rec = record(&t, &ph);
	ck_assert_uint_eq(rec.policy_key, final);
	ck_assert_int_eq(rec.policy_status, 1);
	ck_assert_int_eq(rec.provisioned, t.now);

	/* The acknowledgement again (its answer was lost): the same final key. */
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(answer_policy(&t), PV(PolicyKey)), final);

	/* With the final key the command runs. */
	ph.policy_key = (uint32_t)final;
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	ck_assert_int_eq(status, 1);
	/* Another key is invalid. */
	ph.policy_key = (uint32_t)final + 1;
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, version >= EAS_VERSION_140 ? 144 : -1);
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

START_TEST(test_wrong_ack_key_and_bad_requests)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;

	tenv_open(&t, "badreq");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	uint64_t temp = tenv_uint(answer_policy(&t), PV(PolicyKey));
	/* Acknowledging another key: Policy Status 5, no key. */
	provision_body(&body, ph.version, TYPE_WBXML,
		       pool_printf(t.pool, "%llu", (unsigned long long)(temp ^ 1)), "1", false);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *policy = answer_policy(&t);
	ck_assert_uint_eq(tenv_uint(policy, PV(Status)), 5);
	ck_assert_ptr_null(wbxml_child(policy, PV(PolicyKey)));
	ck_assert_uint_eq(record(&t, &ph).policy_key, 0);
	provision_body(&body, ph.version, TYPE_WBXML, "banana", "1", false);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(answer_policy(&t), PV(Status)), 5);

	/* Unknown policy type: Policy Status 3. The WBXML document does not exist in 2.5. */
	provision_body(&body, ph.version, "MS-Something-Else", NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(answer_policy(&t), PV(Status)), 3);
	ph.version = EAS_VERSION_25;
	provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(answer_policy(&t), PV(Status)), 3);
	/* A 12.x client may ask for the WAP document and gets it. */
	ph.version = EAS_VERSION_121;
	provision_body(&body, ph.version, TYPE_WAP, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_ptr_nonnull(strstr(wbxml_child_str(answer_policy(&t), PV(Data)),
				     "wap-provisioningdoc"));

	/* Malformed: empty body, wrong root, no PolicyType → Provision Status 2. */
	ph.version = EAS_VERSION_141;
	buf_truncate(&body, 0);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(tenv_answer(&t, PV(Provision)), PV(Status)), 2);
	foldersync_body(&body, ph.version, "0");
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(tenv_answer(&t, PV(Provision)), PV(Status)), 2);
	struct wbxml_writer w;
	tenv_body(&w, &body, ph.version);
	wbxml_start(&w, PV(Provision));
	wbxml_start(&w, PV(Policies));
	wbxml_start(&w, PV(Policy));
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	tenv_body_end(&w);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *root = tenv_answer(&t, PV(Provision));
	ck_assert_uint_eq(tenv_uint(root, PV(Status)), 2);
	ck_assert_ptr_null(wbxml_child(root, PV(Policies)));
	static const unsigned char junk[] = { 0x03, 0x01, 0x6a, 0x00, 0x00, 0x0e, 0x45, 0x46 };
	buf_truncate(&body, 0);
	buf_append(&body, junk, sizeof(junk));
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(tenv_answer(&t, PV(Provision)), PV(Status)), 2);
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* Q-PROV-2: children in any order, an unexpected Status skipped; Q-PROV-3: 2 is success. */
START_TEST(test_tolerant_parsing_and_partial_success)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	struct wbxml_writer w;

	tenv_open(&t, "tolerant");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	tenv_body(&w, &body, ph.version);
	wbxml_start(&w, PV(Provision));
	wbxml_elem_str(&w, PV(Status), "1");            /* stray */
	wbxml_start(&w, PV(Policies));
	wbxml_start(&w, PV(Policy));
	wbxml_elem_str(&w, PV(PolicyType), TYPE_WBXML);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_start(&w, ST(DeviceInformation));          /* after Policies */
	wbxml_start(&w, ST(Set));
	wbxml_elem_str(&w, ST(Model), "SM-G991B");
	wbxml_elem_str(&w, ST(MobileOperator), "Telekom");
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	tenv_body_end(&w);
	tenv_run(&t, &ph, "Provision", &body);
	uint64_t temp = tenv_uint(answer_policy(&t), PV(PolicyKey));
	ck_assert_str_eq(record(&t, &ph).info.mobile_operator, "Telekom");
	provision_body(&body, ph.version, TYPE_WBXML,
		       pool_printf(t.pool, "%llu", (unsigned long long)temp), "2", false);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *policy = answer_policy(&t);
	ck_assert_uint_eq(tenv_uint(policy, PV(Status)), 1);
	ck_assert_uint_ne(tenv_uint(policy, PV(PolicyKey)), 0);
	ck_assert_int_eq(record(&t, &ph).policy_status, 2);
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* A device that did not apply the policy (3) gets no key when the policy asks for something. */
START_TEST(test_not_applied)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;

	tenv_open(&t, "notapplied");
	for (int strict = 0; strict <= 1; strict++) {
		for (int v = 0; v < 2; v++) {
			tphone_init(&ph, &t, "PHONE1", v == 0 ? EAS_VERSION_121 : EAS_VERSION_141);
			provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
			tenv_run(&t, &ph, "Provision", &body);
			uint64_t temp = tenv_uint(answer_policy(&t), PV(PolicyKey));
			provision_body(&body, ph.version, TYPE_WBXML,
				       pool_printf(t.pool, "%llu", (unsigned long long)temp), "3",
				       false);
			tenv_run(&t, &ph, "Provision", &body);
			struct wbxml_node *root = tenv_answer(&t, PV(Provision));
			if (!strict) {
				/* The default policy requires nothing: the key is given. */
				ck_assert_uint_eq(tenv_uint(root, PV(Status)), 1);
				ck_assert_uint_ne(record(&t, &ph).policy_key, 0);
			} else {
				ck_assert_uint_eq(tenv_uint(root, PV(Status)),
						  ph.version >= EAS_VERSION_140 ? 141 : 2);
				ck_assert_ptr_null(wbxml_child(root, PV(Policies)));
				ck_assert_uint_eq(record(&t, &ph).policy_key, 0);
			}
		}
		set_policy(&t, "ox.io", "password_required", "1");
	}
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* A changed policy asks provisioned devices to refresh (143), and only changes that are sent
 * count. */
START_TEST(test_policy_refresh)
{
	struct tenv t;
	struct tphone ph;
	int status;

	tenv_open(&t, "refresh");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	provision_phone(&t, &ph);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	set_policy(&t, "ox.io", "allow_non_provisionable", "1"); /* not in the document */
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	set_policy(&t, "ox.io", "password_required", "1");
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, 143);
	provision_phone(&t, &ph);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	/* 12.1: the same by 449 alone. */
	tphone_init(&ph, &t, "PHONE2", EAS_VERSION_121);
	provision_phone(&t, &ph);
	set_policy(&t, "ox.io", "password_min_length", "6");
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_uint_eq(t.resp.body.len, 0);
	tenv_close(&t);
}
END_TEST

/* The password policy reaches both documents. */
START_TEST(test_policy_documents_sent)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;

	tenv_open(&t, "docs");
	set_policy(&t, "ox.io", "password_required", "1");
	set_policy(&t, "ox.io", "password_min_length", "6");
	set_policy(&t, "ox.io", "max_inactivity", "300");
	set_policy(&t, "ox.io", "require_encryption", "1");
	set_policy(&t, "ox.io", "allow_camera", "0");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_161);
	provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *doc = wbxml_child(wbxml_child(answer_policy(&t), PV(Data)),
					     PV(EASProvisionDoc));
	ck_assert_uint_eq(tenv_uint(doc, PV(DevicePasswordEnabled)), 1);
	ck_assert_uint_eq(tenv_uint(doc, PV(MinDevicePasswordLength)), 6);
	ck_assert_uint_eq(tenv_uint(doc, PV(MaxInactivityTimeDeviceLock)), 300);
	ck_assert_uint_eq(tenv_uint(doc, PV(RequireDeviceEncryption)), 1);
	ck_assert_uint_eq(tenv_uint(doc, PV(AllowCamera)), 0);
	/* No limit: an empty element. */
	ck_assert_str_eq(wbxml_child_str(doc, PV(MaxDevicePasswordFailedAttempts)), "");
	tphone_init(&ph, &t, "OLDPHONE", EAS_VERSION_25);
	provision_body(&body, ph.version, TYPE_WAP, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	const char *xml = wbxml_child_str(answer_policy(&t), PV(Data));
	ck_assert_ptr_nonnull(strstr(xml, "<parm name=\"4131\" value=\"0\"/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<parm name=\"MinimumPasswordLength\" value=\"6\"/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<parm name=\"AEFrequencyValue\" value=\"5\"/>"));
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* Provisioning off: commands need no key; Provision still answers, requiring nothing. */
START_TEST(test_provisioning_off)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	int status;

	tenv_open(&t, "off");
	set_policy(&t, "ox.io", "provisioning", "off");
	set_policy(&t, "ox.io", "password_required", "1");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	ph.has_policy_key = true;
	ph.policy_key = 4711; /* any key */
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *doc = wbxml_child(wbxml_child(answer_policy(&t), PV(Data)),
					     PV(EASProvisionDoc));
	ck_assert_uint_eq(tenv_uint(doc, PV(DevicePasswordEnabled)), 0);
	provision_phone(&t, &ph);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	/* The other context still enforces. */
	struct tphone anna;
	tphone_init(&anna, &t, "PHONE9", EAS_VERSION_141);
	anna.user = &t.other;
	ck_assert_uint_eq(foldersync(&t, &anna, &status), 449);
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* Devices without a key: allowed by the context switch or when known never to provision. */
START_TEST(test_non_provisionable)
{
	struct tenv t;
	struct tphone ph;
	int status;

	tenv_open(&t, "nonprov");
	tphone_init(&ph, &t, "OUTLOOK1", EAS_VERSION_141);
	ph.device_type = "WindowsOutlook15";
	ph.user_agent = "Outlook/16.0 (16.0.5000; x64)";
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200); /* Q-PROV-3 */
	tphone_init(&ph, &t, "RCA", EAS_VERSION_141);
	ph.device_type = "TestActiveSyncConnectivity";
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	tphone_init(&ph, &t, "ANDROID1", EAS_VERSION_121);
	ph.device_type = "Android";
	ph.user_agent = "Android/2.2-EAS-1.2";
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	ph.user_agent = "Android/4.4-EAS-1.3";
	ph.device_id = "ANDROID2";
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);

	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	set_policy(&t, "ox.io", "allow_non_provisionable", "1");
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	/* A key that is sent is still checked. */
	ph.has_policy_key = true;
	ph.policy_key = 99;
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, 144); /* a key, but not one we gave */
	tenv_close(&t);
}
END_TEST

/* Ping needs no key (Q-PROV-1); Provision and Settings neither. */
START_TEST(test_exempt_commands)
{
	struct tenv t;
	struct tphone ph;

	tenv_open(&t, "exempt");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	tenv_run(&t, &ph, "Ping", NULL);
	ck_assert_uint_eq(t.resp.http_status, 200);
	tenv_run(&t, &ph, "Settings", NULL);
	ck_assert_uint_eq(t.resp.http_status, 200);
	tenv_run(&t, &ph, "Sync", NULL);
	ck_assert_uint_eq(t.resp.http_status, 449);
	ck_assert_uint_eq(tenv_uint(tenv_answer(&t, WBXML_AirSync_Sync), WBXML_AirSync_Status),
			  142);
	tenv_run(&t, &ph, "GetItemEstimate", NULL);
	struct wbxml_node *gie = tenv_answer(&t, WBXML_GetItemEstimate_GetItemEstimate);
	ck_assert_uint_eq(tenv_uint(wbxml_child(gie, WBXML_GetItemEstimate_Response),
				    WBXML_GetItemEstimate_Status), 142);
	/* Find exists from 16.1 only: 449 without a body below. */
	tenv_run(&t, &ph, "Find", NULL);
	ck_assert_uint_eq(t.resp.http_status, 449);
	ck_assert_uint_eq(t.resp.body.len, 0);
	tenv_close(&t);
}
END_TEST

/* ---- Remote wipe ---- */

static void wipe_ack_body(buf *out, int version, uint16_t tag, bool stray_status,
			  const char *status)
{
	struct wbxml_writer w;

	tenv_body(&w, out, version);
	wbxml_start(&w, PV(Provision));
	if (stray_status)
		wbxml_elem_str(&w, PV(Status), "1"); /* Q-PROV-2: iOS 5.0.1 */
	if (status != NULL) {
		wbxml_start(&w, tag);
		wbxml_elem_str(&w, PV(Status), status);
		wbxml_end(&w);
	} else {
		wbxml_elem_empty(&w, tag);
	}
	wbxml_end(&w);
	tenv_body_end(&w);
}

START_TEST(test_remote_wipe)
{
	int version = all_versions[_i];
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	const char *error = NULL;
	int status;

	char name[32];
	snprintf(name, sizeof(name), "wipe%d", version);
	tenv_open(&t, name);
	tphone_init(&ph, &t, "PHONE1", version);
	provision_phone(&t, &ph);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	struct store_device_record rec = record(&t, &ph);
	ck_assert_int_eq(store_device_wipe_request(t.store, rec.dev.id, false, t.now, &error),
			 STORE_OK);
	/* The next request is told to provision, even with the right key; Ping too. */
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, version >= EAS_VERSION_140 ? 140 : -1);
	tenv_run(&t, &ph, "Ping", NULL);
	ck_assert_uint_eq(t.resp.http_status, 449);
	/* Provision (an empty one, as MS-ASPROV suggests, or a policy request) carries it. */
	struct wbxml_writer w;
	tenv_body(&w, &body, version);
	wbxml_elem_empty(&w, PV(Provision));
	tenv_body_end(&w);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *root = tenv_answer(&t, PV(Provision));
	ck_assert_uint_eq(tenv_uint(root, PV(Status)), 1);
	ck_assert_ptr_nonnull(wbxml_child(root, PV(RemoteWipe)));
	ck_assert_ptr_null(wbxml_child(root, PV(Policies)));
	provision_body(&body, version, policy_type_of(version), NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	root = tenv_answer(&t, PV(Provision));
	ck_assert_ptr_nonnull(wbxml_child(root, PV(RemoteWipe)));
	ck_assert_ptr_null(wbxml_child(root, PV(Policies)));
	/* The acknowledgement (with a stray Status before it, Q-PROV-2). */
	wipe_ack_body(&body, version, PV(RemoteWipe), true, "1");
	tenv_run(&t, &ph, "Provision", &body);
	root = tenv_answer(&t, PV(Provision));
	ck_assert_uint_eq(tenv_uint(root, PV(Status)), 1);
	rec = record(&t, &ph);
	ck_assert_int_eq(rec.wipe_state, STORE_WIPE_DONE);
	ck_assert_int_eq(rec.wipe_acknowledged, t.now);
	ck_assert_int_eq(rec.wipe_ack_status, 1);
	/* Wiped stays wiped until the device is removed. */
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	provision_body(&body, version, policy_type_of(version), NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_ptr_nonnull(wbxml_child(tenv_answer(&t, PV(Provision)), PV(RemoteWipe)));
	ck_assert_int_eq(store_device_remove(t.store, rec.dev.id, &error), STORE_OK);
	ph.has_policy_key = false;
	provision_phone(&t, &ph);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

START_TEST(test_account_only_wipe)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	const char *error = NULL;
	int status;

	tenv_open(&t, "accountwipe");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_161);
	provision_phone(&t, &ph);
	ck_assert_int_eq(store_device_wipe_request(t.store, record(&t, &ph).dev.id, true, t.now,
						   &error), STORE_OK);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	ck_assert_int_eq(status, 140);
	provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	struct wbxml_node *root = tenv_answer(&t, PV(Provision));
	ck_assert_ptr_nonnull(wbxml_child(root, PV(AccountOnlyRemoteWipe)));
	ck_assert_ptr_null(wbxml_child(root, PV(RemoteWipe)));
	/* Any well-formed acknowledgement counts, even without its Status (Q-PROV-2). */
	wipe_ack_body(&body, ph.version, PV(AccountOnlyRemoteWipe), false, NULL);
	tenv_run(&t, &ph, "Provision", &body);
	ck_assert_uint_eq(tenv_uint(tenv_answer(&t, PV(Provision)), PV(Status)), 1);
	ck_assert_int_eq(record(&t, &ph).wipe_state, STORE_WIPE_ACCOUNT_DONE);

	/* Never widened to a full wipe for a device below 16.1: no key, no directive. */
	tphone_init(&ph, &t, "PHONE2", EAS_VERSION_141);
	provision_phone(&t, &ph);
	ck_assert_int_eq(store_device_wipe_request(t.store, record(&t, &ph).dev.id, true, t.now,
						   &error), STORE_OK);
	provision_body(&body, ph.version, TYPE_WBXML, NULL, NULL, false);
	tenv_run(&t, &ph, "Provision", &body);
	root = tenv_answer(&t, PV(Provision));
	ck_assert_uint_eq(tenv_uint(root, PV(Status)), 141);
	ck_assert_ptr_null(wbxml_child(root, PV(RemoteWipe)));
	ck_assert_ptr_null(wbxml_child(root, PV(AccountOnlyRemoteWipe)));
	ck_assert_ptr_null(wbxml_child(root, PV(Policies)));
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 449);
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* Q-FOLD-1: DeviceId "validate" provisions, and nothing is recorded. */
START_TEST(test_validate_device)
{
	struct tenv t;
	struct tphone ph;
	struct store_device_record *recs;
	size_t n;
	const char *error = NULL;
	int status;

	tenv_open(&t, "validate");
	tphone_init(&ph, &t, "validate", EAS_VERSION_141);
	provision_phone(&t, &ph);
	ck_assert_uint_ne(ph.policy_key, 0);
	ck_assert_uint_eq(foldersync(&t, &ph, &status), 200);
	ck_assert_int_eq(status, 1);
	ck_assert_int_eq(store_device_records(t.store, t.pool, t.user.id, &recs, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 0);
	tenv_close(&t);
}
END_TEST


/* A store failure in Provision answers Status 3 (or HTTP 500 in eas_dispatch's look-up) and
 * leaves the device's record as it was. */
START_TEST(test_store_failures)
{
	struct tenv t;
	struct tphone ph;
	buf body = BUF_INIT;
	const char *temp = NULL;

	tenv_open(&t, "faults");
	tphone_init(&ph, &t, "PHONE1", EAS_VERSION_141);
	for (int phase = 1; phase <= 2; phase++) {
		bool done = false;
		for (unsigned n = 1; !done && n < 100; n++) {
			tenv_run(&t, &ph, "Ping", NULL); /* the device exists */
			struct store_device_record before = record(&t, &ph);
			provision_body(&body, ph.version, TYPE_WBXML, phase == 1 ? NULL : temp,
				       phase == 1 ? NULL : "1", true);
			t.fail_after = n;
			tenv_run(&t, &ph, "Provision", &body);
			bool fired = !store_test_fault_pending(t.store);
			store_test_fail_after(t.store, 0);
			struct store_device_record after = record(&t, &ph);
			if (fired) {
				if (t.resp.http_status != 500)
					ck_assert_uint_eq(tenv_uint(tenv_answer(&t, PV(Provision)),
								    PV(Status)), 3);
				ck_assert_uint_eq(after.policy_key, before.policy_key);
				ck_assert_uint_eq(after.policy_key_temp, before.policy_key_temp);
				ck_assert_str_eq(after.info.model, before.info.model);
				continue;
			}
			struct wbxml_node *policy = answer_policy(&t);
			ck_assert_uint_eq(tenv_uint(policy, PV(Status)), 1);
			if (phase == 1)
				temp = tenv_str(&t, policy, PV(PolicyKey));
			else
				ck_assert_uint_ne(after.policy_key, 0);
			done = true;
		}
		ck_assert(done);
	}
	buf_free(&body);
	tenv_close(&t);
}
END_TEST

/* ---- The policy module ---- */

START_TEST(test_policy_values)
{
	pool *p = pool_new(0);
	struct eas_policy def, perm;
	uint32_t v;
	int id;
	const char *error;

	policy_defaults(&def);
	policy_permissive(&perm);
	/* The defaults require nothing (Q-PROV-3): same document as "provisioning off". */
	ck_assert(policy_hash(&def) == policy_hash(&perm));
	ck_assert_uint_eq(def.v[POLICY_PROVISIONING], 1);
	ck_assert_uint_eq(def.v[POLICY_ALLOW_ATTACHMENTS], 1);
	/* Only sent keys change the hash. */
	struct eas_policy q = def;
	q.v[POLICY_PROVISIONING] = 0;
	q.v[POLICY_ALLOW_NON_PROVISIONABLE] = 1;
	ck_assert(policy_hash(&q) == policy_hash(&def));
	q.v[POLICY_ALLOW_CAMERA] = 0;
	ck_assert(policy_hash(&q) != policy_hash(&def));

	ck_assert_int_eq(policy_parse_assignment("password_required=on", p, &id, &v, &error), 0);
	ck_assert_int_eq(id, POLICY_PASSWORD_REQUIRED);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(policy_parse_assignment("max_inactivity=unlimited", p, &id, &v, &error),
			 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_str_eq(policy_format_value(POLICY_MAX_INACTIVITY, 0, p), "unlimited");
	ck_assert_int_eq(policy_parse_assignment("max_calendar_age=5", p, &id, &v, &error), 0);
	static const char *const bad[] = {
		"password_required", "=1", "nosuchkey=1", "password_required=2",
		"password_min_length=0", "password_min_length=17", "password_min_length=-1",
		"wipe_after_failed_attempts=3", "max_calendar_age=3", "max_inactivity=1x",
		"allow_bluetooth=3", "password_history=",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(policy_parse_assignment(bad[i], p, &id, &v, &error) < 0, "%s", bad[i]);
	ck_assert_int_eq(policy_lookup("allow_html_email"), -1); /* always 1, not a key */
	for (int i = 0; i < POLICY_COUNT; i++) {
		ck_assert_int_eq(policy_lookup(policy_defs()[i].name), i);
		/* Every default parses back. */
		ck_assert_int_eq(policy_parse_value(i, policy_format_value(i, def.v[i], p), p, &v,
						    &error), 0);
		ck_assert_uint_eq(v, def.v[i]);
	}
	pool_free(&p);
}
END_TEST

START_TEST(test_wap_document)
{
	struct eas_policy policy;
	buf xml = BUF_INIT;

	policy_defaults(&policy);
	policy_wap_xml(&policy, &xml);
	ck_assert_str_eq(buf_cstr(&xml),
			 "<wap-provisioningdoc><characteristic type=\"SecurityPolicy\">"
			 "<parm name=\"4131\" value=\"1\"/><parm name=\"4133\" value=\"1\"/>"
			 "</characteristic></wap-provisioningdoc>");
	policy.v[POLICY_PASSWORD_REQUIRED] = 1;
	policy.v[POLICY_PASSWORD_COMPLEX] = 1;
	policy.v[POLICY_PASSWORD_MIN_LENGTH] = 8;
	policy.v[POLICY_MAX_INACTIVITY] = 61;
	policy.v[POLICY_WIPE_AFTER_FAILED_ATTEMPTS] = 8;
	buf_truncate(&xml, 0);
	policy_wap_xml(&policy, &xml);
	ck_assert_str_eq(buf_cstr(&xml),
			 "<wap-provisioningdoc><characteristic type=\"SecurityPolicy\">"
			 "<parm name=\"4131\" value=\"0\"/><parm name=\"4133\" value=\"1\"/>"
			 "</characteristic><characteristic type=\"Registry\">"
			 "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\"
			 "{50C13377-C66D-400C-889E-C316FC4AB374}\">"
			 "<parm name=\"AEFrequencyType\" value=\"1\"/>"
			 "<parm name=\"AEFrequencyValue\" value=\"2\"/></characteristic>"
			 "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">"
			 "<parm name=\"DeviceWipeThreshold\" value=\"8\"/></characteristic>"
			 "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">"
			 "<parm name=\"CodewordFrequency\" value=\"4\"/></characteristic>"
			 "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw\">"
			 "<parm name=\"MinimumPasswordLength\" value=\"8\"/>"
			 "<parm name=\"PasswordComplexity\" value=\"0\"/>"
			 "</characteristic></characteristic></wap-provisioningdoc>");
	buf_free(&xml);
}
END_TEST

START_TEST(test_keys_and_clients)
{
	for (int i = 0; i < 2000; i++) {
		uint32_t k = policy_new_key(1);
		ck_assert_uint_ne(k, 0);
		ck_assert_uint_ne(k, 1);
	}
	ck_assert(policy_client_never_provisions("WindowsOutlook", NULL));
	ck_assert(policy_client_never_provisions(NULL, "Microsoft.Outlook.15"));
	ck_assert(policy_client_never_provisions("", "Android/2.1-EAS-1.0"));
	ck_assert(!policy_client_never_provisions("Outlook", "Outlook-iOS/2.0"));
	ck_assert(!policy_client_never_provisions("Android", "Android/5.0.1-EAS-2.0"));
	ck_assert(!policy_client_never_provisions("Android", "Android/4.4-EAS-1.25"));
	ck_assert(!policy_client_never_provisions("iPhone", "Apple-iPhone9C1/1402.72"));
	ck_assert(!policy_client_never_provisions(NULL, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eas-provision");
	TCase *tc = tcase_create("core");
	size_t nversions = sizeof(all_versions) / sizeof(all_versions[0]);
	tcase_add_unchecked_fixture(tc, tenv_base_setup, tenv_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_handshake_every_version, 0, (int)nversions);
	tcase_add_test(tc, test_wrong_ack_key_and_bad_requests);
	tcase_add_test(tc, test_tolerant_parsing_and_partial_success);
	tcase_add_test(tc, test_not_applied);
	tcase_add_test(tc, test_policy_refresh);
	tcase_add_test(tc, test_policy_documents_sent);
	tcase_add_test(tc, test_provisioning_off);
	tcase_add_test(tc, test_non_provisionable);
	tcase_add_test(tc, test_exempt_commands);
	tcase_add_loop_test(tc, test_remote_wipe, 0, (int)nversions);
	tcase_add_test(tc, test_account_only_wipe);
	tcase_add_test(tc, test_validate_device);
	tcase_add_test(tc, test_store_failures);
	tcase_add_test(tc, test_policy_values);
	tcase_add_test(tc, test_wap_document);
	tcase_add_test(tc, test_keys_and_clients);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
