/* The schema of easd's store, one migration step per version (see store-schema.h).
 *
 * Shape: contexts own users; users own devices, and (issue 5) folders, items, the change log
 * and sync state. Every table below users carries user_id with ON DELETE CASCADE, so that
 * removing a user (or a context) is one DELETE inside one transaction. Ids are surrogate
 * integers that are never reused (AUTOINCREMENT; a PostgreSQL identity column), so that a
 * cache keyed by id can never mistake a new user for a removed one. Booleans are INTEGER 0/1
 * (PostgreSQL: SMALLINT with the same CHECK). Times are unix seconds. */
#include "store/store-schema.h"

const char store_schema_version_table[] =
	"CREATE TABLE IF NOT EXISTS schema_version ("
	" version INTEGER PRIMARY KEY,"
	" description TEXT NOT NULL,"
	" applied INTEGER NOT NULL)";

/* Version 1: contexts, users, devices (issue 3). */
static const char *const migration_1[] = {
	/* PostgreSQL: id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY */
	"CREATE TABLE contexts ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" domain TEXT NOT NULL UNIQUE,"           /* lower case, checked by the store */
	" is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
	" created INTEGER NOT NULL)",
	/* At most one default context: a partial unique index (both SQLite and PostgreSQL). */
	"CREATE UNIQUE INDEX contexts_one_default ON contexts (is_default) WHERE is_default = 1",

	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" context_id INTEGER NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"                    /* case-sensitive: compared byte for byte */
	" display_name TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" password_hash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	" created INTEGER NOT NULL,"
	" UNIQUE (context_id, name))",            /* also the index of the context_id FK */

	/* Issue 5 adds policy key, wipe state, model, OS... as columns in a later step. */
	"CREATE TABLE devices ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	" device_id TEXT NOT NULL,"
	" device_type TEXT NOT NULL DEFAULT '',"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" UNIQUE (user_id, device_id))",          /* also the index of the user_id FK */
	NULL
};

/* Version 2: folders, items and the per-user change counter (issue 5, store-folder.h).
 *
 * users.modseq is the user's modification sequence: every folder or item write takes the
 * next value inside its transaction (BEGIN IMMEDIATE serialises the writers), so modseqs
 * are unique per user and increase in commit order. users.folder_seq hands out folder
 * ServerIds (decimal, never reused); folders.item_seq the <n> of item ServerIds
 * "<folder server id>:<n>". Deletions are tombstones (deleted = 1, items without data) that
 * keep their modseq, so "what changed since X" sees them; folders.items_modseq is the highest
 * modseq of the folder's items (tombstones included), kept by every item write, which makes
 * "has this folder changed since X?" one primary-key lookup. */
static const char *const migration_2[] = {
	/* PostgreSQL: BIGINT NOT NULL DEFAULT 0 */
	"ALTER TABLE users ADD COLUMN modseq INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE users ADD COLUMN folder_seq INTEGER NOT NULL DEFAULT 0",

	"CREATE TABLE folders ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	" server_id TEXT NOT NULL,"
	" parent_server_id TEXT NOT NULL,"       /* '0': the top of the hierarchy */
	" name TEXT NOT NULL,"
	" type INTEGER NOT NULL,"                /* MS-ASCMD FolderSync Type */
	" is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
	" deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
	" modseq INTEGER NOT NULL,"              /* the last write of the folder itself */
	" items_modseq INTEGER NOT NULL DEFAULT 0,"
	" item_seq INTEGER NOT NULL DEFAULT 0,"  /* the last <n> of an item ServerId */
	" item_count INTEGER NOT NULL DEFAULT 0,"  /* live items */
	" origin_device INTEGER NOT NULL DEFAULT 0,"  /* devices.id of the last writer, 0: server */
	" UNIQUE (user_id, server_id))",          /* also the index of the user_id FK */
	"CREATE INDEX folders_user_modseq ON folders (user_id, modseq)",
	/* Names are unique among the live children of a parent; also the index that walks a
	 * subtree (user_id, parent_server_id). */
	"CREATE UNIQUE INDEX folders_live_name ON folders (user_id, parent_server_id, name)"
	" WHERE deleted = 0",

	/* data is the last column: reading the columns before it never walks the overflow
	 * pages of a large value. PostgreSQL: data BYTEA. */
	"CREATE TABLE items ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	" folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
	" server_id TEXT NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
	" origin_device INTEGER NOT NULL DEFAULT 0,"
	" uid TEXT,"
	" filter_start INTEGER NOT NULL,"
	" filter_end INTEGER NOT NULL,"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" data BLOB,"
	" CHECK ((deleted = 0 AND data IS NOT NULL) OR (deleted = 1 AND data IS NULL)),"
	" UNIQUE (user_id, server_id))",          /* also the index of the user_id FK */
	/* Changes of a folder in modseq order; also the index of the folder_id FK. */
	"CREATE INDEX items_folder_modseq ON items (folder_id, modseq)",
	/* Live items of a folder in id order (exports, folder deletion). */
	"CREATE INDEX items_folder_live ON items (folder_id, deleted, id)",
	"CREATE INDEX items_folder_uid ON items (folder_id, uid)",

	/* The default folders of the users that exist already (store_folders_create_defaults
	 * makes the same ones for new users): ServerIds 1-10 with modseqs 1-10. */
	"INSERT INTO folders (user_id, server_id, parent_server_id, name, type, is_default, modseq)"
	" SELECT u.id, d.sid, '0', d.name, d.type, 1, d.seq FROM users u CROSS JOIN ("
	"  SELECT 1 AS seq, '1' AS sid, 'Inbox' AS name, 2 AS type"
	"  UNION ALL SELECT 2, '2', 'Drafts', 3"
	"  UNION ALL SELECT 3, '3', 'Deleted Items', 4"
	"  UNION ALL SELECT 4, '4', 'Sent Items', 5"
	"  UNION ALL SELECT 5, '5', 'Outbox', 6"
	"  UNION ALL SELECT 6, '6', 'Junk E-mail', 12"
	"  UNION ALL SELECT 7, '7', 'Calendar', 8"
	"  UNION ALL SELECT 8, '8', 'Contacts', 9"
	"  UNION ALL SELECT 9, '9', 'Tasks', 7"
	"  UNION ALL SELECT 10, '10', 'Notes', 10) d",
	"UPDATE users SET modseq = 10, folder_seq = 10",
	NULL
};

/* Version 3: the sync state of the Sync command (issue 5, store-sync.h).
 *
 * sync_states: one row per (device, collection); its id is the state's generation (a
 * SyncKey 0 deletes the row and inserts a new one, and AUTOINCREMENT never hands an id out
 * twice, so keys of an older generation can never match). synckey is N (confirmed),
 * pending_key N+1 or 0; modseq/pending_modseq what N/N+1 have reached of the folder.
 * sync_view: the items the device holds (modseq; 0 for a row that exists only for its
 * pending value) and the change of the unconfirmed response (pending: NULL none, 0 removed,
 * else the new modseq); the partial index finds the pending rows of a state without
 * walking its view. item_id has no foreign key: the view also refers to tombstones, and
 * items only ever disappear with their folder or user, whose cascades take the states.
 * sync_client_ids: the ClientId -> ServerId memory per (state, SyncKey of the request).
 * sync_requests: the last full Sync request of a device (12.1+ empty and Partial Sync). */
static const char *const migration_3[] = {
	"CREATE TABLE sync_states ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	" folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
	" synckey INTEGER NOT NULL,"
	" pending_key INTEGER NOT NULL DEFAULT 0,"
	" modseq INTEGER NOT NULL DEFAULT 0,"
	" pending_modseq INTEGER NOT NULL DEFAULT 0,"
	" options BLOB,"                          /* PostgreSQL: BYTEA */
	" supported BLOB,"
	" created INTEGER NOT NULL,"
	" UNIQUE (device_id, folder_id))",        /* also the index of the device_id FK */
	"CREATE INDEX sync_states_folder ON sync_states (folder_id)",
	"CREATE TABLE sync_view ("
	" state_id INTEGER NOT NULL REFERENCES sync_states (id) ON DELETE CASCADE,"
	" item_id INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" pending INTEGER,"
	" PRIMARY KEY (state_id, item_id))",
	"CREATE INDEX sync_view_pending ON sync_view (state_id) WHERE pending IS NOT NULL",
	"CREATE TABLE sync_client_ids ("
	" state_id INTEGER NOT NULL REFERENCES sync_states (id) ON DELETE CASCADE,"
	" synckey INTEGER NOT NULL,"
	" client_id TEXT NOT NULL,"
	" item_id INTEGER NOT NULL,"
	" server_id TEXT NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" PRIMARY KEY (state_id, synckey, client_id))",
	"CREATE TABLE sync_requests ("
	" device_id INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,"
	" data BLOB NOT NULL,"
	" updated INTEGER NOT NULL)",
	NULL
};

/* Version 4: what the store keeps about a device beyond issue 3's record, and the policies
 * of a context (issue 5, store-device.h).
 *
 * devices gain the DeviceInformation a phone reports, the protocol version it speaks, its
 * policy keys (the temporary one of the last policy sent, the final one of the last
 * acknowledgement, and a hash of the policy acknowledged, so that a changed policy asks for
 * a refresh) and its remote wipe state. hierarchy_states/hierarchy_view are the FolderSync
 * state per device (the N/N+1 rule of the Sync state, for the folder hierarchy); a SyncKey 0
 * empties the view and keeps last_key, so keys never repeat. policies holds name = value per
 * context; names and defaults live in eas/policy.c. */
static const char *const migration_4[] = {
	/* DeviceInformation (settings page), protocol version, provisioning and wipe. */
	"ALTER TABLE devices ADD COLUMN model TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN imei TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN friendly_name TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN os TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN os_language TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN phone_number TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN mobile_operator TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN info_user_agent TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE devices ADD COLUMN protocol_version INTEGER NOT NULL DEFAULT 0",
	/* Policy keys are 32-bit unsigned, the hash 64-bit (stored signed). PostgreSQL: BIGINT. */
	"ALTER TABLE devices ADD COLUMN policy_key INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN policy_key_temp INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN policy_hash INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN policy_status INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN provisioned INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN wipe_state INTEGER NOT NULL DEFAULT 0"
	" CHECK (wipe_state BETWEEN 0 AND 4)",
	"ALTER TABLE devices ADD COLUMN wipe_requested INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN wipe_acknowledged INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE devices ADD COLUMN wipe_ack_status INTEGER NOT NULL DEFAULT 0",

	/* FolderSync state per device: confirmed key N, pending key N+1 with the folder command
	 * it answered (the retry memo), last_key so that keys never repeat. */
	"CREATE TABLE hierarchy_states ("
	" device_id INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,"
	" synckey INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" pending_key INTEGER NOT NULL DEFAULT 0,"
	" pending_modseq INTEGER NOT NULL DEFAULT 0,"
	" pending_op TEXT,"
	" pending_result TEXT,"
	" last_key INTEGER NOT NULL DEFAULT 0)",
	/* The folders the device holds, by ServerId (no foreign key to folders: a view entry of
	 * a folder that is gone is exactly a Delete still to send). modseq NULL: a pending add;
	 * pending_modseq NULL: nothing pending, -1: a pending delete. */
	"CREATE TABLE hierarchy_view ("
	" device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	" server_id TEXT NOT NULL,"
	" modseq INTEGER,"
	" pending_modseq INTEGER,"
	" PRIMARY KEY (device_id, server_id))",

	/* Policies of a context as name = value (eas/policy.h names them); a name never set
	 * has its default. */
	"CREATE TABLE policies ("
	" context_id INTEGER NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (context_id, name))",
	NULL
};

/* Version 5: SoftDelete when an item ages out of a FilterType window (issue 6 point 5,
 * store_sync_view_aged).
 *
 * window_checked: the window start up to which the items the device holds at N have been
 * aged out (every held item with filter_end below it has had its SoftDelete, or is the
 * device's own write); pending_window_checked the same at N+1, like modseq/pending_modseq.
 * The partial index finds the live items of a folder whose filter_end lies in a range (the
 * window start of the last check .. the current one) in filter_end order. */
static const char *const migration_5[] = {
	"ALTER TABLE sync_states ADD COLUMN window_checked INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE sync_states ADD COLUMN pending_window_checked INTEGER NOT NULL DEFAULT 0",
	"CREATE INDEX items_folder_filter_end ON items (folder_id, filter_end) WHERE deleted = 0",
	NULL
};

const struct store_migration store_migrations[] = {
	{ 1, "contexts, users, devices", migration_1 },
	{ 2, "folders, items, modseq", migration_2 },
	{ 3, "sync states, device views, ClientId memory", migration_3 },
	{ 4, "device records, provisioning, wipe, hierarchy state, policies", migration_4 },
	{ 5, "filter window aging of sync states", migration_5 },
};
const size_t store_migration_count = sizeof(store_migrations) / sizeof(store_migrations[0]);
