/* harness.h: the end-to-end test harness. A test runs the real daemon and the real admin tool
 * and talks to the daemon as a phone does:
 *
 *   env = h_env_new();                      fresh temporary directory with an empty DIR/data
 *   h_easctl_ok(env, NULL, "context", "add", "ox.io", NULL);
 *   h_easd_start(env, &(struct h_opts){ .config = "[auth]\nmax_failures_per_user = 3\n" });
 *   h_request(env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &resp);
 *   h_env_free(&env);                       stops easd (expects exit 0, no sanitizer report)
 *
 * Binaries come from $EASD_BUILD (scripts/run-tests.sh sets it; default build/asan).
 * easd is started with `--listen 127.0.0.1:0` and the harness learns the port from the line
 * "easd: listening on http://127.0.0.1:PORT/" that easd writes on stderr once it accepts
 * connections: no sleeps, no fixed ports. The rest of easd's stderr goes to DIR/easd.log.
 *
 * Each test owns its processes: Check's fork mode runs every test in a child, the fixture of
 * h_tcase_new() creates and frees the environment inside it, and easd dies with the test
 * process (PR_SET_PDEATHSIG) when an assertion ends the test early. A failed test leaves its
 * directory behind; h_main() prints its easd log and removes it after the suite.
 * EASD_TEST_TIMING=1 in the environment prints how long each test took.
 *
 * struct h_device is the phone emulator: device id, type, protocol version, policy key, user
 * agent, the plain or base64 (MS-ASHTTP) query form, its folders and per-collection SyncKeys
 * and item views; tests/phone.c speaks Provision, FolderSync, the folder commands, Sync and
 * GetItemEstimate for it (see "Phone emulator: EAS commands" below). tests/db.h looks into
 * the database (h_db_snapshot: did a refused request write anything?). */
#ifndef EASD_TESTS_HARNESS_H
#define EASD_TESTS_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

#define H_EAS_PATH "/Microsoft-Server-ActiveSync"
#define H_MAX_LISTEN 4
/* Safety net for waits on easd (startup line, log lines, exit): a hung daemon fails the test
 * instead of hanging it. Not a timing assertion: healthy runs never come near it. */
#define H_WAIT_SECONDS 30

/* All protocol versions of MS-ASHTTP, as easd must advertise them (Q-HTTP-5). */
#define H_ALL_VERSIONS "2.5,12.0,12.1,14.0,14.1,16.0,16.1"

struct h_env;

/* How easd is started. Zero-initialised means: no config file, one listener on
 * 127.0.0.1:0, the environment of the test plus sanitizer settings. */
struct h_opts {
	const char *config;           /* contents of DIR/easd.conf, passed with --config */
	const char *const *env;       /* extra "NAME=VALUE" entries, NULL-terminated */
	unsigned listen_count;        /* number of --listen 127.0.0.1:0 (0 means 1) */
	const char *const *args;      /* extra command-line arguments, NULL-terminated */
	bool expect_failure;          /* easd should exit without listening: don't fail */
};

/* ---- Suite plumbing ---- */

/* A test case whose tests each get a fresh environment in the global h_env (created in
 * setup, freed in teardown) and a timeout fit for argon2id under ASan. */
TCase *h_tcase_new(const char *name);
/* The environment of the running test (set up by h_tcase_new's fixture). */
extern struct h_env *h_env;
/* Runs the suite: curl and temp root set-up, Check runner, report of failed tests' easd
 * logs, clean-up. Returns the exit status for main (0 when every test passed). */
int h_main(Suite *suite);

/* ---- Environment and daemon ---- */

/* A new temporary directory DIR with an empty DIR/data; no daemon yet. */
struct h_env *h_env_new(void);
/* Stops easd when running (asserting a clean exit) and removes the directory. */
void h_env_free(struct h_env **env);
const char *h_env_dir(const struct h_env *env);       /* DIR */
const char *h_env_data_dir(const struct h_env *env);  /* DIR/data */
/* A path DIR/name (static buffer rotation: valid for a few calls; copy it to keep it). */
const char *h_env_path(const struct h_env *env, const char *name);
/* Writes a file DIR/name with the given text; returns its path (as h_env_path). */
const char *h_env_write_file(const struct h_env *env, const char *name, const char *text);

/* Starts easd and waits until every listener is accepting connections. Fails the test when
 * easd exits first (unless opts->expect_failure; then returns false). */
bool h_easd_start(struct h_env *env, const struct h_opts *opts);
/* SIGTERM, wait; asserts exit status 0 and no sanitizer report in its stderr. */
void h_easd_stop(struct h_env *env);
/* SIGTERM, wait; returns the raw wait status (for tests that judge it themselves). */
int h_easd_stop_status(struct h_env *env);
void h_easd_signal(struct h_env *env, int sig);
bool h_easd_running(const struct h_env *env);
pid_t h_easd_pid(const struct h_env *env);
/* Wait status of the easd that ended last (e.g. one started with expect_failure). */
int h_easd_last_status(const struct h_env *env);
/* Port of listener i (in the order of the listening lines), and "http(s)://127.0.0.1:PORT". */
int h_easd_port(const struct h_env *env, unsigned i);
const char *h_easd_base_url(const struct h_env *env);
/* Everything easd wrote on stderr so far (a copy: free() it). */
char *h_easd_log(struct h_env *env);
/* Length of the captured stderr so far, to wait for lines that come after an action. */
size_t h_easd_log_mark(struct h_env *env);
/* Waits until the stderr captured after mark contains needle. False on timeout or exit. */
bool h_easd_wait_log(struct h_env *env, size_t mark, const char *needle);
/* Prints the last lines of easd's stderr to the test's stderr (for failure messages). */
void h_easd_dump_log(struct h_env *env, unsigned lines);

/* ---- easctl ---- */

struct h_result {
	int status;   /* exit status, or 128+signal */
	char *out;    /* stdout, NUL-terminated */
	char *err;    /* stderr */
};

/* Runs `easctl --data DIR/data ARGS...` (NULL-terminated) with stdin_text as standard input
 * (NULL: empty). Asserts that easctl reported no sanitizer error. Free r with h_result_free. */
int h_easctl(struct h_env *env, const char *stdin_text, struct h_result *r, ...)
	__attribute__((sentinel));
/* The same with an explicit argument vector after the easctl path (no --data added). */
int h_easctl_argv(struct h_env *env, const char *stdin_text, struct h_result *r,
		  const char *const *argv);
/* Runs easctl and asserts exit 0 (printing its stderr otherwise). */
void h_easctl_ok(struct h_env *env, const char *stdin_text, ...) __attribute__((sentinel));
void h_result_free(struct h_result *r);
/* context add DOMAIN (and context default DOMAIN when is_default). */
void h_add_context(struct h_env *env, const char *domain, bool is_default);
/* user add LOGIN --password-stdin with password (a newline is appended). */
void h_add_user(struct h_env *env, const char *login, const char *password);

/* ---- HTTP ---- */

struct h_header {
	char *name;
	char *value;
};

struct h_response {
	long status;                /* 0 when the transfer failed (see curl_code, error) */
	int curl_code;
	char error[256];
	struct h_header *headers;   /* of the final response (not of 100 Continue) */
	size_t header_count;
	buf body;
};

/* Per-environment client settings (TLS trust); defaults are fine for plain HTTP. */
void h_http_set_ca(struct h_env *env, const char *ca_file);
/* Sends one request to easd (listener 0) and fills resp. headers: NULL-terminated
 * "Name: value" strings; no Content-Type, Expect or User-Agent is added unless given. body
 * may be NULL (no body for OPTIONS/GET; an empty body for POST). Returns resp->status. */
long h_request(struct h_env *env, const char *method, const char *path_and_query,
	       const char *const *headers, const void *body, size_t len, struct h_response *resp);
/* The same against an explicit base URL ("https://127.0.0.1:PORT"). */
long h_request_url(struct h_env *env, const char *base_url, const char *method,
		   const char *path_and_query, const char *const *headers, const void *body,
		   size_t len, struct h_response *resp);
/* Case-insensitive header lookup: the first value, or NULL. */
const char *h_response_header(const struct h_response *resp, const char *name);
void h_response_free(struct h_response *resp);
/* "Authorization: Basic base64(user:password)" (malloc'd). */
char *h_basic_auth(const char *user, const char *password);
/* The same over raw bytes (for credentials that are not UTF-8). */
char *h_basic_auth_bytes(const void *userpass, size_t len);
/* Authenticated OPTIONS on the EAS path; returns the status (and frees the response). */
long h_options_status(struct h_env *env, const char *user, const char *password);

/* Raw HTTP over a socket, for what libcurl would not send: a Content-Length without its body,
 * Expect: 100-continue without waiting, hand-made chunking. */
int h_raw_connect(struct h_env *env);
void h_raw_send(int fd, const void *data, size_t len);
/* Sends in small pieces and stops early, without failing, once the server has answered or
 * closed: for bodies a server may refuse before reading them. True when all was sent. */
bool h_raw_send_until_answer(int fd, const void *data, size_t len);
/* Reads one response (status line, headers, a Content-Length body) from fd. Returns the
 * status, 0 when the connection closed first. */
long h_raw_read_response(int fd, struct h_response *resp);

/* ---- Phone emulator ---- */

enum h_query_form { H_QUERY_PLAIN, H_QUERY_BASE64 };

/* Command parameters of the query (MS-ASHTTP 2.2.1.1.1.1.3 and 2.2.1.1.1.2.5). */
struct h_cmd_params {
	const char *attachment_name;
	const char *collection_id;
	const char *item_id;
	const char *long_id;
	const char *occurrence;
	bool save_in_sent;
	bool accept_multipart;     /* base64 form only (Options bit 0x02) */
};

/* ---- The phone's data (see "Phone emulator: EAS commands" below) ---- */

/* One property of an item as the phone holds it: the text of a top-level child of
 * ApplicationData. Containers are flattened: Categories and Children hold their values one
 * per line, the body (airsyncbase:Body, or contacts:Body / tasks:Body on 2.5) is kept under
 * WBXML_AirSyncBase_Body as its Data text, other containers (tasks:Recurrence) as
 * "Name=value" lines. The same forms are accepted when the phone writes an item. */
struct h_prop {
	uint16_t tag;
	char *value;               /* NUL-terminated */
	size_t len;
};

struct h_item {
	char *server_id;           /* NULL until the server answered the phone's Add */
	char *client_id;           /* ClientId of the phone's Add; NULL for the server's items */
	struct h_prop *props;
	size_t prop_count;
};

enum h_cmd_kind { H_CMD_ADD, H_CMD_CHANGE, H_CMD_DELETE, H_CMD_FETCH, H_CMD_SOFT_DELETE };

/* A command the phone will send with its next Sync of the collection (kept until a
 * response with Status 1 answers it: a lost response sends it again). */
struct h_outgoing {
	enum h_cmd_kind kind;
	char *id;                  /* ClientId (Add) or ServerId */
	struct h_prop *props;      /* ApplicationData of Add and Change */
	size_t prop_count;
	char *instance_id;         /* 16.x: InstanceId beside the ServerId, NULL: none */
};

struct h_folder {
	char *server_id;
	char *parent_id;
	char *name;
	int type;
};

/* A collection (folder) the phone syncs: its SyncKey, the options it sends, its view. */
struct h_collection {
	char *id;
	char *sync_key;            /* "0" until the first Sync */
	const char *class_name;    /* Class for 2.5/12.x requests; NULL: from the folder type */
	unsigned window_size;      /* WindowSize of the collection, 0: none sent */
	int conflict;              /* Options/Conflict: -1 not sent, 0 client wins, 1 server wins */
	int filter_type;           /* Options/FilterType, -1: not sent */
	unsigned body_type;        /* Options/BodyPreference/Type (12.0+), 0: none */
	uint32_t truncation_size;  /* its TruncationSize, 0: none */
	bool get_changes_off;      /* GetChanges 0 (12.1+; left out on 2.5 and 12.0) */
	/* Supported (ghosting), sent with SyncKey 0: the tags, or an empty element when
	 * send_supported and none; a phone's Change leaves out what is not listed. */
	const uint16_t *supported;
	size_t supported_count;
	bool send_supported;
	struct h_item *items;
	size_t item_count;
	struct h_outgoing *outbox;
	size_t outbox_count;
};

/* DeviceInformation the phone reports in Provision on 14.1+ (NULL fields are left out). */
struct h_device_info {
	const char *model;
	const char *imei;
	const char *friendly_name;
	const char *os;
	const char *os_language;
	const char *phone_number;
	const char *mobile_operator;
	const char *user_agent;
};

struct h_device {
	const char *login;         /* Basic user name as typed into the phone */
	const char *password;
	const char *url_user;      /* User= of the query (NULL: login; "" : leave out) */
	const char *device_id;
	const char *device_type;
	const char *version;       /* "14.1" */
	const char *user_agent;    /* NULL: no User-Agent header (Q-HTTP-1) */
	bool has_policy_key;
	uint32_t policy_key;
	uint16_t locale;           /* base64 form: 0x0409 */
	enum h_query_form form;
	struct h_device_info info;
	/* Provision when the server asks for it (HTTP 449, Status 140/142/143/144) and send the
	 * command again; default true. */
	bool auto_provision;
	/* An Add for a ServerId the view holds already fails the test unless this is set. */
	bool tolerate_duplicates;
	/* The hierarchy: FolderSync SyncKey (NULL: "0") and the folders the phone holds. */
	char *folder_sync_key;
	struct h_folder *folders;
	size_t folder_count;
	/* The collections the phone syncs (pointers stay valid until h_device_free). */
	struct h_collection **collections;
	size_t collection_count;
	unsigned window_size;      /* top-level Sync WindowSize (12.1+), 0: none */
	/* The answer to the next FolderSync/FolderCreate/FolderUpdate/FolderDelete is lost:
	 * sent, returned, not applied (the phone keeps its key); cleared by that command. */
	bool lose_folder_answer;
	char *lost_server_id;      /* the ServerId of a FolderCreate whose answer was lost */
	unsigned next_client_id;
	/* The server ordered a wipe and the phone acknowledged it (and forgot everything). */
	bool wiped;
	bool account_wiped;
};

/* Defaults: device id "E2ETEST0001", type "E2EPhone", version 14.1, User-Agent
 * "E2EPhone/1.0", plain query form, locale 0x0409, no policy key, auto_provision on. */
void h_device_init(struct h_device *dev, const char *login, const char *password);
/* Frees the folders, collections, views and keys (the borrowed strings stay). */
void h_device_free(struct h_device *dev);
void h_device_set_sync_key(struct h_device *dev, const char *collection_id, const char *key);
/* The SyncKey held for a collection ("0" when none). */
const char *h_device_sync_key(const struct h_device *dev, const char *collection_id);
/* The protocol version as a number: "2.5" -> 25, "14.1" -> 141 (wbxml_writer_init's form). */
unsigned h_version_number(const char *version);

/* Command code of MS-ASHTTP 2.2.1.1.1.1.2, or -1. */
int h_eas_command_code(const char *name);
/* NULL-terminated list of every EAS command name easd may list in MS-ASProtocolCommands. */
extern const char *const h_eas_commands[];
/* The packed query of the base64 form (before base64), appended to out. */
void h_device_query_bytes(const struct h_device *dev, uint8_t cmd_code,
			  const struct h_cmd_params *params, buf *out);
/* Path and query ("/Microsoft-Server-ActiveSync?...") for a command in the device's form,
 * or in the given form. malloc'd. */
char *h_device_query(const struct h_device *dev, const char *cmd, const struct h_cmd_params *params);
char *h_device_query_form(const struct h_device *dev, enum h_query_form form, const char *cmd,
			  const struct h_cmd_params *params);
/* Path for raw bytes of a base64 query; '+', '/', '=' are percent-encoded when escape. */
char *h_query_from_bytes(const void *bytes, size_t len, bool escape);
/* POSTs a command as the device: Authorization, User-Agent, and for the plain form
 * MS-ASProtocolVersion and X-MS-PolicyKey headers. content_type NULL: none. */
long h_device_post(struct h_env *env, const struct h_device *dev, const char *cmd,
		   const struct h_cmd_params *params, const char *content_type, const void *body,
		   size_t len, struct h_response *resp);
/* The same to a ready path (for hand-made queries), with extra headers (may be NULL). */
long h_device_post_path(struct h_env *env, const struct h_device *dev, const char *path,
			const char *const *extra_headers, const char *content_type,
			const void *body, size_t len, struct h_response *resp);
/* OPTIONS as the device (plain form; Q-HTTP-1). */
long h_device_options(struct h_env *env, const struct h_device *dev, struct h_response *resp);
/* The first command of h_eas_commands that easd's OPTIONS does not list (authenticating
 * as dev), or NULL when all are implemented: a command that must answer 501. */
const char *h_unimplemented_command(struct h_env *env, const struct h_device *dev);

/* ---- Small helpers ---- */

/* Runs a program (argv[0] is searched in PATH) and asserts exit 0. */
void h_run_ok(const char *const *argv);
/* Generates an ECDSA key and a self-signed certificate for localhost/127.0.0.1 with
 * certtool into DIR/key_name and DIR/cert_name (cn distinguishes certificates). */
void h_make_cert(struct h_env *env, const char *key_name, const char *cert_name, const char *cn);
/* Writes unix seconds into the file of EASD_FAKE_CLOCK. */
void h_set_clock(const char *path, int64_t now);


/* ---- Phone emulator: EAS commands (tests/phone.c) ----
 *
 * The phone builds its requests with the WBXML writer for its protocol version and applies
 * the answers to its own state as a phone does, so that tests read like
 *
 *   h_device_init(&a, "mike@ox.io", "pw");  a.version = "12.1";
 *   h_dev_start(h_env, &a);                          Provision + FolderSync 0
 *   const char *contacts = h_dev_folder_of_type(&a, 9);
 *   h_dev_add(&a, contacts, WBXML_Contacts_FileAs, "Doe, Jane", 0);
 *   h_dev_sync_all(h_env, &a, contacts, NULL);        SyncKey 0, then until no MoreAvailable
 *
 * Protocol rules every answer must follow are checked as it is applied and fail the test
 * with the answer printed: an Add for a ServerId the view holds (unless
 * tolerate_duplicates), MoreAvailable without a command, more commands than WindowSize, an
 * empty Collections or Responses element (Q-SYNC-6, Q-MS-5), a response to an Add the phone
 * did not send. */

struct h_cmd_response {
	enum h_cmd_kind kind;
	const char *id;            /* ClientId for Add, ServerId otherwise */
	const char *server_id;     /* Add: the ServerId given, NULL when none */
	int status;                /* -1 when absent */
};

struct h_coll_result {
	const char *collection_id;
	int status;                /* -1 when absent */
	const char *sync_key;      /* the new key, NULL when absent */
	bool more_available;
	unsigned adds, changes, deletes, soft_deletes;
	unsigned commands;         /* all server commands of the collection */
	unsigned unknown;          /* Change/Delete/SoftDelete of ServerIds the view lacks */
	struct h_cmd_response *responses;
	size_t response_count;
};

#define H_MAX_SYNC_COLLECTIONS 8

struct h_sync_result {
	pool *pool;                /* everything below */
	long http;
	int status;                /* Sync-level Status, -1 when absent */
	bool empty;                /* 200 with an empty body */
	struct h_coll_result coll[H_MAX_SYNC_COLLECTIONS];
	size_t coll_count;
	/* The answer without SyncKeys, sorted per collection: equal for equivalent answers. */
	const char *summary;
	const char *xml;           /* the answer as indented XML, for messages */
};

enum h_sync_flags {
	H_SYNC_LOSE = 1u << 0,        /* send, then ignore the answer (the phone lost it) */
	H_SYNC_EMPTY_BODY = 1u << 1,  /* an empty body: the server repeats the cached request */
	H_SYNC_PARTIAL = 1u << 2,     /* <Partial/> with the given collections only */
	H_SYNC_NO_COMMANDS = 1u << 3, /* keep the outbox for a later request */
};

/* Provision (both phases; see h_dev_provision). */
struct h_provision_result {
	pool *pool;
	long http;                 /* of the first request */
	int status;                /* Provision/Status of the first answer, -1 when absent */
	int policy_status;         /* Policy/Status of the first answer, -1 when absent */
	int device_info_status;    /* settings:DeviceInformation/Status (14.1+), -1 */
	uint32_t temp_key;         /* PolicyKey of the first answer, 0 when none */
	bool remote_wipe;          /* RemoteWipe in the first answer */
	bool account_only_wipe;    /* AccountOnlyRemoteWipe in the first answer (16.1) */
	long ack_http;             /* of the acknowledgement, 0 when none was sent */
	int ack_status;            /* Provision/Status of its answer */
	int ack_policy_status;     /* Policy/Status of its answer */
	uint32_t final_key;        /* PolicyKey of its answer, 0 when none */
	/* The policy of the first answer: children of EASProvisionDoc (12.0+), or on 2.5
	 * the Data text (MS-WAP-Provisioning-XML) as one property with tag Provision_Data. */
	struct h_prop *policy;
	size_t policy_count;
	const char *xml;           /* the first answer as XML */
};

struct h_folder_result {
	long http;
	int status;                /* -1 when absent */
	unsigned adds, updates, deletes;
	unsigned unknown;          /* Update/Delete of folders the phone does not hold */
};

/* -- state and view -- */

/* The collection with this id, created (SyncKey "0", no options) when new. */
struct h_collection *h_dev_collection(struct h_device *dev, const char *collection_id);
/* The ServerId of the phone's first folder of a type (9 Contacts, 7 Tasks...), or NULL. */
const char *h_dev_folder_of_type(const struct h_device *dev, int type);
/* The phone's folder with this ServerId, or with this name, or NULL. */
const struct h_folder *h_dev_folder(const struct h_device *dev, const char *server_id);
const struct h_folder *h_dev_folder_named(const struct h_device *dev, const char *name);
/* Items in the phone's view of the collection (its own unanswered Adds included). */
size_t h_dev_count(struct h_device *dev, const char *collection_id);
/* The item with this ServerId, or NULL. */
struct h_item *h_dev_item(struct h_device *dev, const char *collection_id, const char *server_id);
/* The first item whose property tag has the value, or NULL. */
struct h_item *h_dev_find(struct h_device *dev, const char *collection_id, uint16_t tag,
			  const char *value);
/* Number of items whose property tag has the value. */
size_t h_dev_count_with(struct h_device *dev, const char *collection_id, uint16_t tag,
			const char *value);
/* A property of an item, NULL when it has none. */
const char *h_item_prop(const struct h_item *item, uint16_t tag);
/* Asserts that no ServerId appears twice in the view. */
void h_dev_assert_unique(struct h_device *dev, const char *collection_id);

/* -- commands the phone queues for its next Sync of the collection -- */

/* A new item (props as pairs `int tag, const char *value`, ended by 0) added to the view and
 * queued as an Add. Returns its ClientId (owned by the phone). */
const char *h_dev_add(struct h_device *dev, const char *collection_id, ...);
/* The phone edits an item: the pairs are merged into its view ("" removes a property) and
 * the whole item is sent, less what the collection's Supported list leaves out. */
void h_dev_change(struct h_device *dev, const char *collection_id, const char *server_id, ...);
/* The same, but the Change carries exactly the given properties (a phone that sends only
 * what it edited); the view merges them. */
void h_dev_change_only(struct h_device *dev, const char *collection_id, const char *server_id,
		       ...);
/* The item leaves the view; a Delete is queued. */
void h_dev_delete(struct h_device *dev, const char *collection_id, const char *server_id);
/* 16.x: a Change carrying exactly the given properties, or a Delete, of one occurrence of a
 * series (airsyncbase:InstanceId beside the ServerId). The view keeps the series as it is:
 * the server's next answer brings it back with the exception. */
void h_dev_change_instance(struct h_device *dev, const char *collection_id,
			   const char *server_id, const char *instance_id, ...);
void h_dev_delete_instance(struct h_device *dev, const char *collection_id,
			   const char *server_id, const char *instance_id);
/* A Fetch is queued; its answer replaces the item's properties in the view. */
void h_dev_fetch(struct h_device *dev, const char *collection_id, const char *server_id);
/* What a phone does to start over: SyncKey "0", the view and the outbox dropped. */
void h_dev_reset_collection(struct h_device *dev, const char *collection_id);

/* -- requests -- */

/* POSTs a WBXML body as the device and decodes the answer into *root_r from p (NULL for an
 * empty body or a non-WBXML one). Fails the test on transport errors and on an answer that
 * does not decode. No automatic provisioning. Returns the HTTP status. */
long h_dev_post_wbxml(struct h_env *env, struct h_device *dev, const char *cmd,
		      const void *body, size_t len, pool *p, struct wbxml_node **root_r);
/* Provision: phase 1 (with DeviceInformation on 14.1+, PolicyType MS-WAP-Provisioning-XML
 * on 2.5 and MS-EAS-Provisioning-WBXML from 12.0), then the acknowledgement with Status 1
 * when a policy came, so that the phone holds the final key; a RemoteWipe or
 * AccountOnlyRemoteWipe is acknowledged with Status 1 and the phone forgets everything
 * (dev->wiped / account_wiped). res may be NULL. Returns the first answer's Status. */
int h_dev_provision(struct h_env *env, struct h_device *dev, struct h_provision_result *res);
void h_provision_result_free(struct h_provision_result *res);
/* Provision phase 1 only, with a PolicyType (NULL: none at all, an empty Provision). */
int h_dev_provision_request(struct h_env *env, struct h_device *dev, const char *policy_type,
			    struct h_provision_result *res);
/* The acknowledgement only: PolicyKey key with the phone's Status; fills the ack_ fields of
 * res and takes the final key on success. */
int h_dev_provision_ack(struct h_env *env, struct h_device *dev, const char *policy_type,
			uint32_t key, int status, struct h_provision_result *res);
/* Provision (unless the phone holds a key) and FolderSync. Asserts both succeed. */
void h_dev_start(struct h_env *env, struct h_device *dev);

/* FolderSync with the phone's key; applies the changes (a SyncKey 0 answer replaces the
 * folder list). res may be NULL. Returns the Status (-1 when none, e.g. HTTP 449). */
int h_dev_folder_sync(struct h_env *env, struct h_device *dev, struct h_folder_result *res);
/* Folder commands with the phone's hierarchy key; on Status 1 the phone applies the change
 * and takes the new key. FolderCreate gives the new ServerId in *server_id_r (owned by the
 * phone; may be NULL). Return the Status (-1 when none). http_r may be NULL. */
int h_dev_folder_create(struct h_env *env, struct h_device *dev, const char *parent_id,
			const char *name, int type, const char **server_id_r, long *http_r);
int h_dev_folder_update(struct h_env *env, struct h_device *dev, const char *server_id,
			const char *parent_id, const char *name, long *http_r);
int h_dev_folder_delete(struct h_env *env, struct h_device *dev, const char *server_id,
			long *http_r);

/* Sync of one or several collections with their outboxes; applies the answer unless
 * H_SYNC_LOSE. Returns the HTTP status. Free res with h_sync_result_free. */
long h_dev_sync(struct h_env *env, struct h_device *dev, const char *collection_id,
		unsigned flags, struct h_sync_result *res);
long h_dev_sync_multi(struct h_env *env, struct h_device *dev, const char *const *ids, size_t n,
		      unsigned flags, struct h_sync_result *res);
void h_sync_result_free(struct h_sync_result *res);
/* For the emulator's own tests: builds the request the phone would send into request and
 * applies answer[0..len) (WBXML; empty: an empty body) as if the server had sent it. */
void h_dev_sync_canned(struct h_device *dev, const char *const *ids, size_t n, unsigned flags,
		       const void *answer, size_t len, buf *request, struct h_sync_result *res);
/* The Sync-level Status when there is one, else the first collection's (-1: none). */
int h_sync_status(const struct h_sync_result *res);
/* The response to the phone's command with this ClientId (Add) or ServerId, or NULL. */
const struct h_cmd_response *h_sync_response(const struct h_sync_result *res,
					     enum h_cmd_kind kind, const char *id);

struct h_sync_all {
	unsigned rounds;           /* Sync requests sent (the SyncKey 0 one included) */
	unsigned adds, changes, deletes, soft_deletes;
	unsigned max_commands;     /* the most commands in one answer */
	int status;                /* of the last answer */
};
/* SyncKey 0 first when the phone has no key, then Syncs until MoreAvailable ends; asserts
 * Status 1 throughout. out may be NULL. */
void h_dev_sync_all(struct h_env *env, struct h_device *dev, const char *collection_id,
		    struct h_sync_all *out);

/* GetItemEstimate of one collection in the version's form. Returns the Response Status
 * (or the top-level one, -1 when none); *estimate_r (may be NULL) gets the Estimate. */
int h_dev_estimate(struct h_env *env, struct h_device *dev, const char *collection_id,
		   uint64_t *estimate_r, long *http_r);

/* -- WBXML helpers for tests -- */

/* The first descendant reached by the path of tags (ended by 0), or NULL. */
struct wbxml_node *h_wbxml_path(const struct wbxml_node *node, ...);
/* The value of a "Status" child (of any code page) of node, -1 when none. */
int h_wbxml_status(const struct wbxml_node *node);
/* The tree as indented XML (from p), at most about 16 KB. */
const char *h_wbxml_xml(pool *p, const struct wbxml_node *node);

/* -- data -- */

/* Writes DIR/name with count vCard 3.0 contacts: "FN:<prefix> <i>", N, EMAIL, TEL, UID
 * "<prefix>-<i>@e2e"; returns its path (as h_env_path). */
const char *h_write_vcards(struct h_env *env, const char *name, const char *prefix,
			   unsigned count);

#endif
