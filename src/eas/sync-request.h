/* sync-request.h: the Sync request as data (inside src/eas only): parsing the WBXML tree,
 * the collection options (sticky across requests), the Supported list, the SyncKey strings
 * and the cached request of 12.1+ empty and Partial Syncs. Pure functions of their input:
 * no store, no clock. */
#ifndef EASD_SYNC_REQUEST_H
#define EASD_SYNC_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "pim/pim.h"
#include "wbxml/wbxml.h"

/* MS-ASCMD 2.2.3.199: an absent WindowSize is 100; 0 and values above 512 are 512
 * (Q-SYNC-5: some clients send 0, Outlook asks for 512). */
#define SYNC_WINDOW_DEFAULT 100
#define SYNC_WINDOW_MAX 512
/* Collections in one request; more answers Status 15 with this Limit. */
#define SYNC_MAX_COLLECTIONS 1000
/* Bounds of the hanging Sync (Status 14 with the nearest bound as Limit): Wait in minutes
 * (MS-ASCMD 2.2.3.198), HeartbeatInterval in seconds (Q-PING-1: at least 60-3540). */
#define SYNC_WAIT_MIN 1
#define SYNC_WAIT_MAX 59
#define SYNC_HEARTBEAT_MIN 60
#define SYNC_HEARTBEAT_MAX 3540
/* Supported entries kept per collection. */
#define SYNC_MAX_SUPPORTED 512

/* Sync Status values (MS-ASCMD 2.2.3.177.17). */
enum sync_status {
	SYNC_STATUS_OK = 1,
	SYNC_STATUS_INVALID_KEY = 3,
	SYNC_STATUS_PROTOCOL_ERROR = 4,
	SYNC_STATUS_SERVER_ERROR = 5,
	SYNC_STATUS_CONVERSION_ERROR = 6,
	SYNC_STATUS_CONFLICT = 7,
	SYNC_STATUS_NOT_FOUND = 8,
	SYNC_STATUS_NO_SPACE = 9,
	SYNC_STATUS_HIERARCHY_CHANGED = 12,
	SYNC_STATUS_INCOMPLETE = 13,
	SYNC_STATUS_BAD_WAIT = 14,
	SYNC_STATUS_TOO_MANY = 15,
	SYNC_STATUS_RETRY = 16,
};

/* One Options element of a collection (MS-ASCMD 2.2.3.125.6). -1: not given. */
struct sync_options {
	const char *class_name;    /* Options/Class, NULL when absent */
	int filter_type;           /* 0-8 */
	int conflict;              /* 0 client wins, 1 server wins */
	int mime_support;          /* 0-2 */
	int mime_truncation;       /* 0-8 (code) */
	int truncation;            /* 2.5 Truncation code 0-9 */
	struct pim_body_pref body_prefs[PIM_MAX_BODY_PREFS];
	size_t body_pref_count;
};

enum sync_cmd_kind {
	SYNC_CMD_ADD,
	SYNC_CMD_CHANGE,
	SYNC_CMD_DELETE,
	SYNC_CMD_FETCH,
};

/* One client command of a collection's Commands. */
struct sync_client_cmd {
	enum sync_cmd_kind kind;
	const char *class_name;               /* Add/Change Class (SMS in an Inbox), or NULL */
	const char *client_id;                /* Add */
	const char *server_id;                /* Change, Delete, Fetch */
	const struct wbxml_node *appdata;     /* Add, Change: NULL when absent */
	/* 16.x calendar: airsyncbase:InstanceId beside the ServerId of a Change or Delete (one
	 * occurrence of a series, MS-ASAIRS 2.2.2.26), NULL when absent. */
	const char *instance_id;
};

struct sync_collection_req {
	const char *collection_id;
	const char *class_name;        /* Collection/Class (2.5-12.1), NULL when absent */
	const char *sync_key;          /* NULL when absent */
	bool has_supported;            /* a Supported element was present */
	uint16_t *supported;           /* its children's tags */
	size_t supported_count;
	int get_changes;               /* -1 absent, 0, 1 */
	int deletes_as_moves;          /* -1 absent, 0, 1 */
	uint32_t window_size;          /* 0: absent; else 1-512 (0 and > 512 given are 512) */
	int conversation_mode;         /* -1 absent, 0, 1 */
	struct sync_options options[2];
	size_t options_count;          /* 0: none given (the sticky ones apply) */
	struct sync_client_cmd *cmds;
	size_t cmd_count;
	bool has_commands;             /* a Commands element was present */
	/* Status 4 when this collection is malformed (its commands are not run); 0 when fine.
	 * parse_error says why. */
	int parse_status;
	const char *parse_error;
};

struct sync_request {
	struct sync_collection_req *collections;
	size_t count;
	bool has_collections;          /* a Collections element was present */
	bool partial;
	uint32_t window_size;          /* top-level (12.1+), 0: absent */
	int64_t wait;                  /* minutes, -1 absent */
	int64_t heartbeat;             /* seconds, -1 absent */
};

/* Parses a Sync tree (root Sync). Returns 0, or -1 with *error_r for a request that is
 * malformed as a whole (answered with the top-level Status 4): not a Sync, a bad number at
 * the top level, a Collection without CollectionId. A malformed collection only gets
 * parse_status 4. cached: the tree is a cached request (SyncKey not required). */
int sync_request_parse(pool *p, const struct wbxml_node *root, bool cached,
		       struct sync_request *req_r, const char **error_r);

/* The Options of a collection that apply to class_name (e.g. "Contacts"): the one whose
 * Class is that class or absent, NULL when none (an SMS-only Options, Q-PARSE-2). */
const struct sync_options *sync_options_for_class(const struct sync_collection_req *coll,
						  const char *class_name);
/* Options with nothing given. */
void sync_options_init(struct sync_options *opt);
/* Parses an Options element into *opt (unknown children skipped, Q-PARSE-2). 0 or -1. */
int sync_options_parse(pool *p, const struct wbxml_node *node, struct sync_options *opt,
		       const char **error_r);
/* The stored form of options (a normalised WBXML Options document) and back. */
void sync_options_encode(const struct sync_options *opt, buf *out);
int sync_options_decode(pool *p, const void *data, size_t len, struct sync_options *opt_r,
			const char **error_r);
/* The pim output options of opt for a protocol version. */
void sync_options_to_pim(const struct sync_options *opt, int version,
			 struct pim_out_options *out_r);

/* The stored form of a Supported list (big-endian 16-bit tags) and back. */
void sync_supported_encode(const uint16_t *tags, size_t count, buf *out);
/* *supported_r refers to memory of p; declared false for no data or an empty list
 * (Q-PARSE-3: an empty Supported is the same as none). */
void sync_supported_decode(pool *p, const void *data, size_t len,
			   struct pim_supported *supported_r);

/* SyncKeys are "{G}N": G the state's generation (store_sync_state.id), N the key number.
 * The braces make them look like no plain number a client could make up, and the form
 * ("{...}N") is the one Z-Push and Horde have sent to every kind of client for years. */
const char *sync_key_format(pool *p, int64_t generation, uint32_t n);
/* Parses a key of that form (not "0"): 0, or -1 for anything else. */
int sync_key_parse(const char *key, int64_t *generation_r, uint32_t *n_r);

/* The cached request of a device for 12.1+ empty and Partial Syncs: the collections (id,
 * WindowSize, ConversationMode) and the top-level WindowSize/Wait/HeartbeatInterval, as a
 * normalised Sync document; commands, keys and options are not part of it (options are
 * sticky per collection state). */
void sync_request_cache_encode(const struct sync_request *req, buf *out);
/* Merges a Partial request into the cached one: its collections replace cached ones of the
 * same id, the others are kept; its top-level values replace the cached ones. */
void sync_request_merge(pool *p, const struct sync_request *cached,
			const struct sync_request *partial, struct sync_request *merged_r);

#endif
