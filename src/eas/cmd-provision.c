/* cmd-provision.c: Provision (MS-ASPROV), every protocol version.
 *
 * Phase 1 (a Policy without PolicyKey): the context's policy (eas/policy.h) with a fresh
 * temporary key; 2.5 gets the MS-WAP-Provisioning-XML document as the text of Data, 12.0+
 * the EASProvisionDoc of MS-EAS-Provisioning-WBXML. With provisioning off for the context
 * the handshake still runs, with a policy that requires nothing, so that clients that always
 * provision get through. Phase 2 (PolicyKey = the temporary key, Status): Status 1, or 2
 * "partially applied" (Q-PROV-3: counted as success), gives the final key; a repeated
 * acknowledgement of the same temporary key gets the same final key (its answer may have
 * been lost). Keys are random and never 0 (Q-PROV-2).
 *
 * Remote wipe: while a wipe is requested (or was acknowledged: the device stays wiped until
 * `easctl device remove`, as Exchange does), every Provision answers RemoteWipe, or
 * AccountOnlyRemoteWipe for an account-only wipe to a 16.1 device; any well-formed
 * acknowledgement counts (Q-PROV-2). An account-only wipe is never widened to a full wipe:
 * a device below 16.1 gets no policy and no key instead (Status 141 from 14.0, else 2), so
 * it stays locked out.
 *
 * Children of Provision are read in any order and unknown ones (an iOS 5.0.1 Status before
 * RemoteWipe, Q-PROV-2) are skipped. settings:DeviceInformation is recorded (MS-ASPROV:
 * 14.1+; recorded whatever the version says) and answered with its Status on 14.1+.
 * DeviceId "validate" (Q-FOLD-1) gets the handshake with nothing recorded. */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/policy.h"

#include "lib/log.h"
#include "lib/str.h"
#include "store/store-device.h"
#include "store/store-folder.h"

#include <string.h>

#define PV(name) WBXML_Provision_##name
#define ST(name) WBXML_Settings_##name

#define TYPE_WAP "MS-WAP-Provisioning-XML"
#define TYPE_WBXML "MS-EAS-Provisioning-WBXML"

/* Provision Status (MS-ASPROV 2.2.2.54.2, 3.1.5.2). */
enum {
	PROV_OK = 1,
	PROV_PROTOCOL_ERROR = 2,
	PROV_SERVER_ERROR = 3,
	PROV_NOT_PROVISIONABLE = 141,
};
/* Policy Status in responses (MS-ASPROV 2.2.2.54.1). */
enum {
	POLICY_OK = 1,
	POLICY_UNKNOWN_TYPE = 3,
	POLICY_WRONG_KEY = 5,
};

/* The request, read in any order. */
struct provision_request {
	const struct wbxml_node *device_info;  /* settings:DeviceInformation */
	bool has_policy;
	const char *policy_type;   /* NULL when absent */
	const char *policy_key;    /* NULL when absent */
	const char *policy_status; /* NULL when absent */
	bool wipe_ack;             /* RemoteWipe or AccountOnlyRemoteWipe present */
	int wipe_status;           /* its Status, 1 when missing or unreadable */
};

static void parse_request(const struct wbxml_node *root, struct provision_request *pr)
{
	memset(pr, 0, sizeof(*pr));
	wbxml_foreach_child(root, child) {
		if (child->tag == ST(DeviceInformation)) {
			pr->device_info = child;
		} else if (child->tag == PV(Policies)) {
			const struct wbxml_node *policy = wbxml_child(child, PV(Policy));
			if (policy == NULL)
				continue;
			pr->has_policy = true;
			pr->policy_type = wbxml_child_str(policy, PV(PolicyType));
			pr->policy_key = wbxml_child_str(policy, PV(PolicyKey));
			pr->policy_status = wbxml_child_str(policy, PV(Status));
		} else if (child->tag == PV(RemoteWipe) || child->tag == PV(AccountOnlyRemoteWipe)) {
			uint64_t status = 1;
			const char *error;
			pr->wipe_ack = true;
			if (wbxml_child_uint(child, PV(Status), 255, &status, &error) < 0)
				status = 1;
			pr->wipe_status = (int)status;
		}
		/* Anything else (a stray Status, unknown tokens) is skipped (Q-PROV-2). */
	}
}

/* Reads settings:DeviceInformation/Set into info (absent fields stay NULL). */
static void read_device_info(const struct wbxml_node *node, struct store_device_info *info)
{
	const struct wbxml_node *set = wbxml_child(node, ST(Set));

	memset(info, 0, sizeof(*info));
	if (set == NULL)
		return;
	info->model = wbxml_child_str(set, ST(Model));
	info->imei = wbxml_child_str(set, ST(IMEI));
	info->friendly_name = wbxml_child_str(set, ST(FriendlyName));
	info->os = wbxml_child_str(set, ST(OS));
	info->os_language = wbxml_child_str(set, ST(OSLanguage));
	info->phone_number = wbxml_child_str(set, ST(PhoneNumber));
	info->mobile_operator = wbxml_child_str(set, ST(MobileOperator));
	info->user_agent = wbxml_child_str(set, ST(UserAgent));
}

/* Everything an answer may carry. */
struct provision_answer {
	int status;
	bool device_info;      /* answer settings:DeviceInformation with Status 1 */
	bool remote_wipe, account_only_wipe;
	bool has_policy;
	const char *policy_type;
	int policy_status;
	uint32_t policy_key;   /* 0: none */
	const struct eas_policy *policy;  /* the document (phase 1), NULL: none */
};

static void write_answer(struct eas_request *req, struct eas_response *resp,
			 const struct provision_answer *a)
{
	struct wbxml_writer w;

	resp->eas_status = a->status;
	eas_writer_start(req, resp, &w);
	wbxml_start(&w, PV(Provision));
	if (a->device_info && req->version >= EAS_VERSION_141) {
		wbxml_start(&w, ST(DeviceInformation));
		wbxml_elem_uint(&w, ST(Status), 1);
		wbxml_end(&w);
	}
	wbxml_elem_uint(&w, PV(Status), (uint64_t)a->status);
	if (a->has_policy) {
		wbxml_start(&w, PV(Policies));
		wbxml_start(&w, PV(Policy));
		wbxml_elem_str(&w, PV(PolicyType), a->policy_type);
		wbxml_elem_uint(&w, PV(Status), (uint64_t)a->policy_status);
		if (a->policy_key != 0)
			wbxml_elem_uint(&w, PV(PolicyKey), a->policy_key);
		if (a->policy != NULL) {
			wbxml_start(&w, PV(Data));
			if (strcmp(a->policy_type, TYPE_WAP) == 0) {
				buf xml = BUF_INIT;
				policy_wap_xml(a->policy, &xml);
				wbxml_str(&w, buf_cstr(&xml));
				buf_free(&xml);
			} else {
				policy_write_provisiondoc(&w, a->policy);
			}
			wbxml_end(&w);
		}
		wbxml_end(&w);
		wbxml_end(&w);
	}
	if (a->remote_wipe)
		wbxml_elem_empty(&w, PV(RemoteWipe));
	if (a->account_only_wipe)
		wbxml_elem_empty(&w, PV(AccountOnlyRemoteWipe));
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
}

/* The request's device, or NULL for "validate" (Q-FOLD-1); -1 on a store failure. */
static int load_device(struct eas_request *req, struct store_device_record *rec,
			bool *has_device_r)
{
	const char *error;

	*has_device_r = false;
	memset(rec, 0, sizeof(*rec));
	if (req->device_row_id == 0)
		return 0;
	if (store_device_get(req->store, req->pool, req->user->id, req->device_id, rec, &error) !=
	    STORE_OK) {
		log_error("Provision of device %s: %s", req->device_id, error);
		return -1;
	}
	*has_device_r = true;
	return 0;
}

/* The policy the context sends, and whether it enforces provisioning. */
static int load_policy(struct eas_request *req, struct eas_policy *policy)
{
	const char *error;

	if (policy_load(req->store, req->pool, req->user->context_id, policy, &error) < 0) {
		log_error("Provision: the policy of %s: %s", req->user->domain, error);
		return -1;
	}
	if (policy->v[POLICY_PROVISIONING] == 0)
		policy_permissive(policy);
	return 0;
}

/* Phase 2: the device acknowledges the policy sent with the temporary key. */
static int acknowledge(struct eas_request *req, const struct provision_request *pr,
		       const struct store_device_record *rec, bool has_device,
		       struct provision_answer *a)
{
	struct eas_policy policy, permissive;
	uint64_t key, client_status;
	const char *error;

	if (str_to_uint64(pr->policy_key, UINT32_MAX, &key) < 0 ||
	    (has_device && (key != rec->policy_key_temp || key == 0))) {
		a->policy_status = POLICY_WRONG_KEY;
		return 0;
	}
	if (str_to_uint64(pr->policy_status, 255, &client_status) < 0)
		client_status = 0;
	if (load_policy(req, &policy) < 0)
		return -1;
	policy_permissive(&permissive);
	/* 1 applied, 2 partially (Q-PROV-3: success); 3 not applied, 4 provisioned by a third
	 * party: only good enough when the policy asks for nothing or the context serves
	 * non-provisionable devices anyway. */
	if (client_status != 1 && client_status != 2 &&
	    policy_hash(&policy) != policy_hash(&permissive) &&
	    policy.v[POLICY_ALLOW_NON_PROVISIONABLE] == 0) {
		a->status = req->version >= EAS_VERSION_140 ? PROV_NOT_PROVISIONABLE :
							      PROV_PROTOCOL_ERROR;
		a->has_policy = false;
		return 0;
	}
	if (!has_device) {
		a->policy_key = policy_new_key((uint32_t)key);
		a->policy_status = POLICY_OK;
		return 0;
	}
	/* The temporary key is kept after the acknowledgement and the final key is reset by the
	 * next phase 1: a final key present now was given for this very acknowledgement. */
	a->policy_key = rec->policy_key != 0 ? rec->policy_key : policy_new_key((uint32_t)key);
	if (store_device_policy_acknowledged(req->store, rec->dev.id, a->policy_key,
					     policy_hash(&policy), (int)client_status, req->now,
					     &error) != STORE_OK) {
		log_error("Provision of device %s: %s", req->device_id, error);
		return -1;
	}
	a->policy_status = POLICY_OK;
	return 0;
}

/* Phase 1: the policy with a fresh temporary key. */
static int offer_policy(struct eas_request *req, const struct store_device_record *rec,
			bool has_device, struct eas_policy *policy, struct provision_answer *a)
{
	const char *error;

	if (load_policy(req, policy) < 0)
		return -1;
	a->policy_key = policy_new_key(has_device ? rec->policy_key : 0);
	if (has_device && store_device_policy_offered(req->store, rec->dev.id, a->policy_key,
						      &error) != STORE_OK) {
		log_error("Provision of device %s: %s", req->device_id, error);
		return -1;
	}
	a->policy_status = POLICY_OK;
	a->policy = policy;
	return 0;
}

/* The answer while a wipe is requested or done: the directive, nothing else. */
static void answer_wipe(struct eas_request *req, const struct store_device_record *rec,
			struct provision_answer *a)
{
	bool account_only = rec->wipe_state == STORE_WIPE_ACCOUNT_REQUESTED ||
			    rec->wipe_state == STORE_WIPE_ACCOUNT_DONE;

	a->has_policy = false;
	if (!account_only)
		a->remote_wipe = true;
	else if (req->version >= EAS_VERSION_161)
		a->account_only_wipe = true;
	else
		a->status = req->version >= EAS_VERSION_140 ? PROV_NOT_PROVISIONABLE :
							      PROV_PROTOCOL_ERROR;
}

/* Decides and records the answer; -1 on a store failure. */
static int provision(struct eas_request *req, const struct provision_request *pr,
		     struct eas_policy *policy, struct provision_answer *a)
{
	struct store_device_record rec;
	bool has_device;
	const char *error;

	if (load_device(req, &rec, &has_device) < 0)
		return -1;
	if (pr->device_info != NULL) {
		struct store_device_info info;
		read_device_info(pr->device_info, &info);
		a->device_info = true;
		if (has_device &&
		    store_device_set_info(req->store, rec.dev.id, &info, &error) != STORE_OK) {
			log_error("Provision of device %s: %s", req->device_id, error);
			return -1;
		}
	}
	if (pr->wipe_ack) {
		/* Q-PROV-2: any well-formed acknowledgement counts as "wipe done". */
		if (has_device && (rec.wipe_state == STORE_WIPE_REQUESTED ||
				   rec.wipe_state == STORE_WIPE_ACCOUNT_REQUESTED)) {
			enum store_result r = store_device_wipe_acknowledged(
				req->store, rec.dev.id, pr->wipe_status, req->now, &error);
			if (r != STORE_OK && r != STORE_NOT_FOUND) {
				log_error("Provision of device %s: %s", req->device_id, error);
				return -1;
			}
			log_info("device %s of %s@%s acknowledged the %swipe (status %d)",
				 req->device_id, req->user->name, req->user->domain,
				 rec.wipe_state == STORE_WIPE_ACCOUNT_REQUESTED ? "account-only " :
										 "",
				 pr->wipe_status);
		}
		return 0;
	}
	if (has_device && rec.wipe_state != STORE_WIPE_NONE) {
		answer_wipe(req, &rec, a);
		return 0;
	}
	if (!pr->has_policy || pr->policy_type == NULL) {
		/* MS-ASCMD 3.1.5.1: no PolicyType is a protocol error. */
		a->status = PROV_PROTOCOL_ERROR;
		return 0;
	}
	a->has_policy = true;
	a->policy_type = pr->policy_type;
	bool wap = strcmp(pr->policy_type, TYPE_WAP) == 0;
	bool wbxml = strcmp(pr->policy_type, TYPE_WBXML) == 0;
	/* 2.5 has no EASProvisionDoc; a 12.0+ client that asks for the WAP document gets it. */
	if (!wap && !(wbxml && req->version >= EAS_VERSION_120)) {
		a->policy_status = POLICY_UNKNOWN_TYPE;
		return 0;
	}
	bool phase2 = pr->policy_key != NULL && pr->policy_status != NULL &&
		      strcmp(pr->policy_key, "0") != 0;
	if (phase2)
		return acknowledge(req, pr, &rec, has_device, a);
	return offer_policy(req, &rec, has_device, policy, a);
}

enum eas_result eas_cmd_provision(struct eas_request *req, struct eas_response *resp)
{
	struct provision_request pr;
	struct provision_answer a = { .status = PROV_OK };
	struct eas_policy policy;
	struct wbxml_node *root;
	const char *error = NULL;

	if (eas_decode_request(req, PV(Provision), &root, &error) < 0) {
		log_debug("Provision of %s: %s", req->device_id, error);
		a.status = PROV_PROTOCOL_ERROR;
		write_answer(req, resp, &a);
		return EAS_DONE;
	}
	parse_request(root, &pr);
	/* One transaction: DeviceInformation, keys and wipe state are written together or not
	 * at all. */
	int ret = store_begin(req->store, &error) == STORE_OK ? 0 : -1;
	if (ret == 0)
		ret = provision(req, &pr, &policy, &a);
	if (ret == 0 && store_commit(req->store, &error) != STORE_OK)
		ret = -1;
	else if (ret < 0)
		store_rollback(req->store);
	if (ret < 0) {
		if (error != NULL)
			log_error("Provision of device %s: %s", req->device_id, error);
		struct provision_answer failed = { .status = PROV_SERVER_ERROR };
		write_answer(req, resp, &failed);
		return EAS_DONE;
	}
	write_answer(req, resp, &a);
	return EAS_DONE;
}
