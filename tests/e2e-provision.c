/* End-to-end tests of Provision (issue 5, point 2), each on 2.5, 12.1, 14.1 and 16.1: the
 * two-phase handshake with the context's policy and DeviceInformation, "provision first"
 * (HTTP 449, plus Status 142/143/144 in the body from 14.0: Q-PROV-1), provisioning switched
 * off, clients that never provision (Q-PROV-3), remote wipe and account-only wipe delivered
 * and acknowledged (`easctl device wipe`, `easctl device list`), and bad Provision requests
 * answered with the right Status and nothing written. */
#include "harness.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static void start_server(const char *const *policy)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	if (policy != NULL) {
		const char *argv[16] = { "--data", h_env_data_dir(h_env), "policy", "set", "ox.io" };
		size_t n = 5;
		struct h_result r;
		for (size_t i = 0; policy[i] != NULL; i++)
			argv[n++] = policy[i];
		h_easctl_argv(h_env, NULL, &r, argv);
		ck_assert_msg(r.status == 0, "policy set: %s", r.err);
		h_result_free(&r);
	}
	h_easd_start(h_env, NULL);
}

/* A phone that does not provision by itself. */
static void phone(struct h_device *dev, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = "PROVPHONE01";
	dev->version = version;
	dev->auto_provision = false;
	dev->info.model = "E2E Model 7";
	dev->info.os = "E2EOS 1.0";
	dev->info.friendly_name = "Mike's phone";
}

static bool from_14(const struct h_device *dev)
{
	return h_version_number(dev->version) >= 140;
}

/* The answer to FolderSync that tells the phone to provision: HTTP 449, with Status
 * `status` in the body from 14.0 (Q-PROV-1). */
static void expect_provision_first(struct h_device *dev, int status, const char *what)
{
	struct h_folder_result fr;

	int st = h_dev_folder_sync(h_env, dev, &fr);
	ck_assert_msg(fr.http == 449, "%s (%s): FolderSync HTTP %ld, want 449", what, dev->version,
		      fr.http);
	if (from_14(dev))
		ck_assert_msg(st == status, "%s (%s): FolderSync Status %d, want %d", what,
			      dev->version, st, status);
}

static char *easctl_out(const char *a1, const char *a2, const char *a3, const char *a4)
{
	struct h_result r;

	h_easctl(h_env, NULL, &r, a1, a2, a3, a4, NULL);
	ck_assert_msg(r.status == 0, "easctl %s %s: exit %d (%s)", a1, a2, r.status, r.err);
	char *out = r.out;
	r.out = NULL;
	h_result_free(&r);
	return out;
}

/* The value of a policy element of the first answer, or NULL. */
static const char *policy_value(const struct h_provision_result *res, uint16_t tag)
{
	for (size_t i = 0; i < res->policy_count; i++) {
		if (res->policy[i].tag == tag)
			return res->policy[i].value;
	}
	return NULL;
}

/* The phone's policy says password required, minimum length len. */
static void assert_policy(const struct h_provision_result *res, const struct h_device *dev,
			  const char *len)
{
	if (h_version_number(dev->version) == 25) {
		const char *xml = policy_value(res, WBXML_Provision_Data);
		char want[96];
		snprintf(want, sizeof(want), "<parm name=\"MinimumPasswordLength\" value=\"%s\"/>", len);
		ck_assert_msg(xml != NULL && strstr(xml, want) != NULL &&
			      strstr(xml, "<parm name=\"4131\" value=\"0\"/>") != NULL,
			      "2.5 policy document: %s", xml != NULL ? xml : res->xml);
	} else {
		const char *on = policy_value(res, WBXML_Provision_DevicePasswordEnabled);
		const char *min = policy_value(res, WBXML_Provision_MinDevicePasswordLength);
		ck_assert_msg(on != NULL && strcmp(on, "1") == 0 && min != NULL && strcmp(min, len) == 0,
			      "EASProvisionDoc:\n%s", res->xml);
	}
}

/* The handshake: 449/142 before, the policy with a temporary key, the temporary key refused
 * (144), a wrong acknowledgement refused (Policy Status 5), the final key, the same final
 * key for a repeated acknowledgement, any other key refused (144), a changed policy asks for
 * a refresh (143), DeviceInformation recorded (14.1+). */
START_TEST(test_handshake)
{
	static const char *const policy[] = { "password_required=1", "password_min_length=6", NULL };
	struct h_device dev;
	struct h_provision_result pr, ack;
	struct h_folder_result fr;
	unsigned v = h_version_number(versions[_i]);

	start_server(policy);
	phone(&dev, versions[_i]);
	expect_provision_first(&dev, 142, "no policy key");

	int st = h_dev_provision_request(h_env, &dev, v == 25 ? "MS-WAP-Provisioning-XML" :
					 "MS-EAS-Provisioning-WBXML", &pr);
	ck_assert_msg(pr.http == 200 && st == 1 && pr.policy_status == 1 && pr.temp_key != 0,
		      "phase 1: HTTP %ld Status %d Policy Status %d key %u\n%s", pr.http, st,
		      pr.policy_status, (unsigned)pr.temp_key, pr.xml);
	ck_assert_int_eq(pr.device_info_status, v >= 141 ? 1 : -1);
	ck_assert(!pr.remote_wipe && !pr.account_only_wipe);
	assert_policy(&pr, &dev, "6");
	const char *type = v == 25 ? "MS-WAP-Provisioning-XML" : "MS-EAS-Provisioning-WBXML";

	/* The temporary key is no policy key. */
	dev.has_policy_key = true;
	dev.policy_key = pr.temp_key;
	expect_provision_first(&dev, 144, "temporary key");

	/* An acknowledgement with another key gets nothing. */
	memset(&ack, 0, sizeof(ack));
	h_dev_provision_ack(h_env, &dev, type, pr.temp_key ^ 0x5a5a, 1, &ack);
	ck_assert_msg(ack.ack_policy_status == 5 && ack.final_key == 0 && !dev.has_policy_key,
		      "wrong key acknowledged: Policy Status %d, key %u", ack.ack_policy_status,
		      (unsigned)ack.final_key);
	h_provision_result_free(&ack);

	memset(&ack, 0, sizeof(ack));
	st = h_dev_provision_ack(h_env, &dev, type, pr.temp_key, 1, &ack);
	ck_assert_msg(ack.ack_http == 200 && st == 1 && ack.ack_policy_status == 1 &&
		      ack.final_key != 0 && ack.final_key != pr.temp_key,
		      "phase 2: HTTP %ld Status %d Policy Status %d key %u", ack.ack_http, st,
		      ack.ack_policy_status, (unsigned)ack.final_key);
	ck_assert(dev.has_policy_key && dev.policy_key == ack.final_key);
	uint32_t final_key = ack.final_key;
	h_provision_result_free(&ack);
	st = h_dev_folder_sync(h_env, &dev, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "FolderSync with the final key: HTTP %ld Status %d",
		      fr.http, st);

	/* The acknowledgement repeated (its answer lost) gets the same final key. */
	memset(&ack, 0, sizeof(ack));
	h_dev_provision_ack(h_env, &dev, type, pr.temp_key, 1, &ack);
	ck_assert_int_eq(ack.final_key, final_key);
	h_provision_result_free(&ack);
	h_provision_result_free(&pr);

	/* Another key is invalid. */
	dev.policy_key = final_key ^ 0x00ff00ff;
	expect_provision_first(&dev, 144, "made-up key");
	dev.policy_key = final_key;

	char *show = easctl_out("device", "show", LOGIN, dev.device_id);
	ck_assert_msg(strstr(show, "provisioned (") != NULL, "%s", show);
	if (v >= 141)
		ck_assert_msg(strstr(show, "E2E Model 7") != NULL && strstr(show, "E2EOS 1.0") != NULL,
			      "DeviceInformation not recorded:\n%s", show);
	free(show);

	/* A new policy: the old key asks for a refresh (143); provisioning again heals. */
	h_easctl_ok(h_env, NULL, "policy", "set", "ox.io", "password_min_length=8", NULL);
	expect_provision_first(&dev, 143, "policy changed");
	st = h_dev_provision(h_env, &dev, &pr);
	ck_assert_int_eq(st, 1);
	assert_policy(&pr, &dev, "8");
	ck_assert(dev.has_policy_key && dev.policy_key != final_key);
	h_provision_result_free(&pr);
	st = h_dev_folder_sync(h_env, &dev, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "after refresh: HTTP %ld Status %d", fr.http, st);

	/* Sync and GetItemEstimate are guarded too. */
	dev.has_policy_key = false;
	struct h_sync_result sr;
	h_dev_sync(h_env, &dev, h_dev_folder_of_type(&dev, 9), 0, &sr);
	ck_assert_int_eq(sr.http, 449);
	if (from_14(&dev))
		ck_assert_int_eq(sr.status, 142);
	h_sync_result_free(&sr);
	long http;
	h_dev_estimate(h_env, &dev, h_dev_folder_of_type(&dev, 9), NULL, &http);
	ck_assert_int_eq(http, 449);
	h_device_free(&dev);
}
END_TEST

/* Provisioning off for the context: commands need no key, and Provision still answers
 * (with a policy that requires nothing). */
START_TEST(test_provisioning_off)
{
	static const char *const policy[] = { "provisioning=0", NULL };
	struct h_device dev;
	struct h_folder_result fr;
	struct h_provision_result pr;

	start_server(policy);
	phone(&dev, versions[_i]);
	int st = h_dev_folder_sync(h_env, &dev, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "FolderSync without key: HTTP %ld Status %d",
		      fr.http, st);
	st = h_dev_provision(h_env, &dev, &pr);
	ck_assert_msg(pr.http == 200 && st == 1 && pr.policy_status == 1 && pr.final_key != 0,
		      "Provision: HTTP %ld Status %d\n%s", pr.http, st, pr.xml);
	const char *pw = policy_value(&pr, WBXML_Provision_DevicePasswordEnabled);
	ck_assert_msg(pw == NULL || strcmp(pw, "0") == 0, "a password is required:\n%s", pr.xml);
	h_provision_result_free(&pr);
	st = h_dev_folder_sync(h_env, &dev, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "FolderSync with key: HTTP %ld Status %d", fr.http, st);
	h_device_free(&dev);
}
END_TEST

/* Clients that never provision (Q-PROV-3) are served without a key; so is everyone when the
 * context allows non-provisionable devices. */
START_TEST(test_non_provisionable)
{
	struct h_device outlook, other;
	struct h_folder_result fr;

	start_server(NULL);
	phone(&outlook, versions[_i]);
	outlook.device_id = "OUTLOOK0001";
	outlook.device_type = "WindowsOutlook15";
	int st = h_dev_folder_sync(h_env, &outlook, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "Outlook desktop: HTTP %ld Status %d", fr.http, st);
	phone(&other, versions[_i]);
	expect_provision_first(&other, 142, "ordinary phone");
	h_easctl_ok(h_env, NULL, "policy", "set", "ox.io", "allow_non_provisionable=1", NULL);
	st = h_dev_folder_sync(h_env, &other, &fr);
	ck_assert_msg(fr.http == 200 && st == 1, "allowed: HTTP %ld Status %d", fr.http, st);
	h_device_free(&outlook);
	h_device_free(&other);
}
END_TEST

/* The line of `easctl device list` that names the device (malloc'd), or NULL. */
static char *device_line(const char *device_id)
{
	char *list = easctl_out("device", "list", LOGIN, NULL);
	char *line = NULL;

	for (char *l = list; l != NULL && *l != '\0';) {
		char *nl = strchr(l, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (strncmp(l, device_id, strlen(device_id)) == 0)
			line = strdup(l);
		l = nl != NULL ? nl + 1 : NULL;
	}
	free(list);
	return line;
}

/* Remote wipe: requested with easctl, delivered at the phone's next request (449, Status 140
 * from 14.0), acknowledged, shown by `easctl device list`; the phone stays wiped until the
 * device is removed. */
START_TEST(test_remote_wipe)
{
	struct h_device dev;
	struct h_provision_result pr;
	struct h_sync_result sr;

	start_server(NULL);
	h_easctl_ok(h_env, NULL, "contacts", "import", LOGIN, h_write_vcards(h_env, "c.vcf", "W", 3), NULL);
	phone(&dev, versions[_i]);
	dev.auto_provision = true;
	h_dev_start(h_env, &dev);
	const char *c = h_dev_folder_of_type(&dev, 9);
	h_dev_sync_all(h_env, &dev, c, NULL);
	ck_assert_int_eq(h_dev_count(&dev, c), 3);

	h_easctl_ok(h_env, NULL, "device", "wipe", LOGIN, dev.device_id, NULL);
	char *line = device_line(dev.device_id);
	ck_assert_msg(line != NULL && strstr(line, "wipe requested") != NULL, "device list: %s", line);
	free(line);
	dev.auto_provision = false;
	expect_provision_first(&dev, 140, "wipe requested");
	h_dev_sync(h_env, &dev, c, 0, &sr);
	ck_assert_int_eq(sr.http, 449);
	h_sync_result_free(&sr);

	int st = h_dev_provision(h_env, &dev, &pr);
	ck_assert_msg(pr.http == 200 && st == 1 && pr.remote_wipe && !pr.account_only_wipe,
		      "Provision during a wipe:\n%s", pr.xml);
	ck_assert_msg(pr.ack_http == 200 && pr.ack_status == 1, "wipe acknowledgement: HTTP %ld Status %d",
		      pr.ack_http, pr.ack_status);
	ck_assert(dev.wiped && dev.folder_count == 0 && !dev.has_policy_key);
	h_provision_result_free(&pr);
	line = device_line(dev.device_id);
	ck_assert_msg(line != NULL && strstr(line, "wiped") != NULL &&
		      strstr(line, "acknowledged, status 1") != NULL, "device list: %s", line);
	free(line);

	/* Still wiped: a new Provision gets the directive again, commands are refused. */
	dev.wiped = false;
	st = h_dev_provision(h_env, &dev, &pr);
	ck_assert_msg(pr.remote_wipe && dev.wiped, "Provision after the wipe:\n%s", pr.xml);
	h_provision_result_free(&pr);
	expect_provision_first(&dev, 140, "wiped device");

	/* Removed, the device is new again. */
	h_easctl_ok(h_env, NULL, "device", "remove", LOGIN, dev.device_id, NULL);
	dev.wiped = false;
	dev.auto_provision = true;
	h_dev_start(h_env, &dev);
	c = h_dev_folder_of_type(&dev, 9);
	h_dev_sync_all(h_env, &dev, c, NULL);
	ck_assert_int_eq(h_dev_count(&dev, c), 3);
	h_device_free(&dev);
}
END_TEST

/* Account-only wipe: delivered to a 16.1 phone as AccountOnlyRemoteWipe and acknowledged;
 * refused by easctl for a phone of an older version (never widened to a full wipe). */
START_TEST(test_account_only_wipe)
{
	struct h_device dev;
	struct h_provision_result pr;
	struct h_result r;

	start_server(NULL);
	phone(&dev, versions[_i]);
	dev.auto_provision = true;
	h_dev_start(h_env, &dev);
	h_easctl(h_env, NULL, &r, "device", "wipe", LOGIN, dev.device_id, "--account-only", NULL);
	if (strcmp(dev.version, "16.1") != 0) {
		ck_assert_msg(r.status == 1 && r.err[0] != '\0', "account-only wipe of a %s phone: "
			      "exit %d (%s%s)", dev.version, r.status, r.out, r.err);
		h_result_free(&r);
		char *line = device_line(dev.device_id);
		ck_assert_msg(line != NULL && strstr(line, "wipe") == NULL, "device list: %s", line);
		free(line);
		struct h_folder_result fr;
		ck_assert_int_eq(h_dev_folder_sync(h_env, &dev, &fr), 1);
		h_device_free(&dev);
		return;
	}
	ck_assert_msg(r.status == 0, "easctl device wipe --account-only: %s", r.err);
	h_result_free(&r);
	dev.auto_provision = false;
	expect_provision_first(&dev, 140, "account-only wipe requested");
	int st = h_dev_provision(h_env, &dev, &pr);
	ck_assert_msg(pr.http == 200 && st == 1 && pr.account_only_wipe && !pr.remote_wipe,
		      "Provision during an account-only wipe:\n%s", pr.xml);
	ck_assert_msg(pr.ack_http == 200 && pr.ack_status == 1, "acknowledgement: HTTP %ld Status %d",
		      pr.ack_http, pr.ack_status);
	ck_assert(dev.account_wiped && !dev.wiped);
	h_provision_result_free(&pr);
	char *line = device_line(dev.device_id);
	ck_assert_msg(line != NULL && strstr(line, "account wiped") != NULL &&
		      strstr(line, "acknowledged, status 1") != NULL, "device list: %s", line);
	free(line);
	h_device_free(&dev);
}
END_TEST

/* What the store holds about the phone's provisioning, to compare before and after. */
static char *device_state(void)
{
	return h_db_text(h_env_data_dir(h_env),
			 "SELECT device_id, policy_key, policy_key_temp, policy_hash, policy_status, "
			 "provisioned, wipe_state FROM devices ORDER BY device_id");
}

/* Sends a Provision body and expects the answer's Status and Policy Status (-1: absent). */
static void bad_provision(struct h_device *dev, const void *body, size_t len, int status,
			  int policy_status, const char *what)
{
	static const char *const skip[] = { "devices", NULL };
	pool *p = pool_new(1024);
	struct wbxml_node *root;
	char *before = h_db_snapshot(h_env_data_dir(h_env), skip), *dev_before = device_state();

	long http = h_dev_post_wbxml(h_env, dev, "Provision", body, len, p, &root);
	ck_assert_msg(http == 200 && root != NULL, "%s (%s): HTTP %ld", what, dev->version, http);
	int st = h_wbxml_status(root);
	struct wbxml_node *pol = h_wbxml_path(root, WBXML_Provision_Policies, WBXML_Provision_Policy, 0);
	int pst = h_wbxml_status(pol);
	ck_assert_msg(st == status && pst == policy_status,
		      "%s (%s): Status %d Policy Status %d, want %d and %d\n%s", what, dev->version, st,
		      pst, status, policy_status, h_wbxml_xml(p, root));
	ck_assert_msg(pol == NULL || wbxml_child(pol, WBXML_Provision_PolicyKey) == NULL,
		      "%s: a key was handed out", what);
	char *after = h_db_snapshot(h_env_data_dir(h_env), skip), *dev_after = device_state();
	ck_assert_msg(strcmp(before, after) == 0 && strcmp(dev_before, dev_after) == 0,
		      "%s wrote something:\n%s\n%s\n%s\n%s", what, before, after, dev_before, dev_after);
	free(before);
	free(after);
	free(dev_before);
	free(dev_after);
	pool_free(&p);
}

/* One Provision request with the given Policy children (NULL: leave out). */
static void provision_body(buf *out, const char *type, const char *key, const char *status,
			   bool policies)
{
	struct wbxml_writer w;
	const char *error;

	buf_truncate(out, 0);
	wbxml_writer_init(&w, out, 0);
	wbxml_start(&w, WBXML_Provision_Provision);
	if (policies) {
		wbxml_start(&w, WBXML_Provision_Policies);
		wbxml_start(&w, WBXML_Provision_Policy);
		if (type != NULL)
			wbxml_elem_str(&w, WBXML_Provision_PolicyType, type);
		if (key != NULL)
			wbxml_elem_str(&w, WBXML_Provision_PolicyKey, key);
		if (status != NULL)
			wbxml_elem_str(&w, WBXML_Provision_Status, status);
		wbxml_end(&w);
		wbxml_end(&w);
	}
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
}

/* Bad Provision requests: Status 2 for what is not a Provision or names no PolicyType,
 * Policy Status 3 for an unknown type, 5 for an acknowledgement of a key never given;
 * nothing is written. */
START_TEST(test_provision_bad_input)
{
	static const char *const policy[] = { "password_required=1", NULL };
	static const unsigned char foldersync[] = { 0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52,
						    0x03, 0x30, 0x00, 0x01, 0x01 };
	struct h_device dev;
	struct h_folder_result fr;
	buf b = BUF_INIT;

	start_server(policy);
	phone(&dev, versions[_i]);
	h_dev_folder_sync(h_env, &dev, &fr);  /* the device row exists from here on */
	bool v25 = strcmp(dev.version, "2.5") == 0;
	const char *type = v25 ? "MS-WAP-Provisioning-XML" : "MS-EAS-Provisioning-WBXML";

	bad_provision(&dev, "hello", 5, 2, -1, "not WBXML");
	bad_provision(&dev, foldersync, sizeof(foldersync), 2, -1, "a FolderSync body");
	provision_body(&b, NULL, NULL, NULL, false);
	bad_provision(&dev, b.data, b.len, 2, -1, "an empty Provision");
	provision_body(&b, NULL, NULL, NULL, true);
	bad_provision(&dev, b.data, b.len, 2, -1, "a Policy without PolicyType");
	provision_body(&b, "MS-Bogus-Policy", NULL, NULL, true);
	bad_provision(&dev, b.data, b.len, 1, 3, "an unknown PolicyType");
	if (v25) {
		provision_body(&b, "MS-EAS-Provisioning-WBXML", NULL, NULL, true);
		bad_provision(&dev, b.data, b.len, 1, 3, "the 12.0 PolicyType on 2.5");
	}
	provision_body(&b, type, "123456", "1", true);
	bad_provision(&dev, b.data, b.len, 1, 5, "an acknowledgement of a key never given");
	provision_body(&b, type, "not a number", "1", true);
	bad_provision(&dev, b.data, b.len, 1, 5, "an acknowledgement of a key that is no number");
	buf_free(&b);
	h_device_free(&dev);
}
END_TEST

static Suite *provision_suite(void)
{
	Suite *s = suite_create("e2e-provision");
	TCase *tc = h_tcase_new("provision");

	tcase_add_loop_test(tc, test_handshake, 0, 4);
	tcase_add_loop_test(tc, test_provisioning_off, 0, 4);
	tcase_add_loop_test(tc, test_non_provisionable, 0, 4);
	tcase_add_loop_test(tc, test_remote_wipe, 0, 4);
	tcase_add_loop_test(tc, test_account_only_wipe, 0, 4);
	tcase_add_loop_test(tc, test_provision_bad_input, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(provision_suite());
}
