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
 * agent, the plain or base64 (MS-ASHTTP) query form, and later the per-collection SyncKeys. */
#ifndef EASD_TESTS_HARNESS_H
#define EASD_TESTS_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"

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

struct h_sync_key {
	char *collection_id;
	char *sync_key;
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
	/* Folder SyncKey and per-collection SyncKeys the phone holds (issue 5 onwards). */
	char *folder_sync_key;
	struct h_sync_key *sync_keys;
	size_t sync_key_count;
};

/* Defaults: device id "E2ETEST0001", type "E2EPhone", version 14.1, User-Agent
 * "E2EPhone/1.0", plain query form, locale 0x0409, no policy key. */
void h_device_init(struct h_device *dev, const char *login, const char *password);
void h_device_free(struct h_device *dev);
void h_device_set_sync_key(struct h_device *dev, const char *collection_id, const char *key);
/* The SyncKey held for a collection ("0" when none). */
const char *h_device_sync_key(const struct h_device *dev, const char *collection_id);

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

#endif
