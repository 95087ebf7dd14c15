/* store-folder.h: folders, items and the change log of a user (issue 5).
 *
 * Change tracking (ARCHITECTURE.md section 2): each user has one monotonically increasing
 * modification sequence (modseq). Every write of a folder or an item takes the next modseq of
 * its user, in the same transaction; a deletion leaves a tombstone carrying its modseq. Each
 * folder also keeps the highest modseq of its items (items_modseq), so "has this folder
 * changed since X?" is one indexed lookup, and the hierarchy's highest modseq answers the same
 * question for FolderSync.
 *
 * Every write records its origin device (the devices.id of the device whose request made it,
 * 0 for the server itself: easctl, delivery, import), so that a device's own writes are never
 * reported back to it (Q-SYNC-8).
 *
 * Folder and item ServerIds are stable for the life of the object and never reused
 * (Q-FOLD-4): a folder's is a decimal number unique per user; an item's is
 * "<folder server id>:<decimal number>" unique per user. (SQLite backend: folder numbers
 * come from a per-user counter, the default folders are 1-10 in the order of
 * store_folders_create_defaults; item numbers from a per-folder counter starting at 1.
 * Callers treat both as opaque strings and find default folders by type.)
 *
 * Modseqs are unique per user and strictly increase in commit order (writers are
 * serialised), every write of a folder or item takes a new one; a folder deletion gives
 * each of the subtree's folders and items its own. Modseq 0 means "before everything".
 *
 * Tombstones: deleting keeps the row with deleted = true and its new modseq (items lose
 * their data). Tombstones appear in the "changed since" lists (store_folder_list with
 * since_modseq > 0, store_items_changed) and never in the live look-ups and lists
 * (store_folder_get, store_folder_get_default, store_folder_list with since_modseq 0,
 * store_item_get, store_item_find_uid, store_items_list, counts; store_folder_get_by_id
 * returns tombstones too).
 * A ServerId of a tombstone is never handed out again. Tombstones are kept for now (no
 * expiry yet).
 *
 * Isolation: every look-up by ServerId takes the user id; functions that take a folder_id
 * (the numeric id of a struct store_folder the caller looked up for its user) trust it. */
#ifndef EASD_STORE_FOLDER_H
#define EASD_STORE_FOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Folder types of MS-ASCMD FolderSync (2.2.3.186.3 Type). */
enum store_folder_type {
	STORE_FOLDER_GENERIC = 1,
	STORE_FOLDER_INBOX = 2,
	STORE_FOLDER_DRAFTS = 3,
	STORE_FOLDER_DELETED = 4,
	STORE_FOLDER_SENT = 5,
	STORE_FOLDER_OUTBOX = 6,
	STORE_FOLDER_TASKS = 7,
	STORE_FOLDER_CALENDAR = 8,
	STORE_FOLDER_CONTACTS = 9,
	STORE_FOLDER_NOTES = 10,
	STORE_FOLDER_JOURNAL = 11,
	STORE_FOLDER_USER_MAIL = 12,
	STORE_FOLDER_USER_CALENDAR = 13,
	STORE_FOLDER_USER_CONTACTS = 14,
	STORE_FOLDER_USER_TASKS = 15,
	STORE_FOLDER_USER_JOURNAL = 16,
	STORE_FOLDER_USER_NOTES = 17,
	STORE_FOLDER_UNKNOWN = 18,
	STORE_FOLDER_RECIPIENT_CACHE = 19,
};

/* The item class a folder holds (the Class of a Sync collection). */
enum store_class {
	STORE_CLASS_NONE = 0,
	STORE_CLASS_EMAIL = 1,
	STORE_CLASS_CONTACTS = 2,
	STORE_CLASS_CALENDAR = 3,
	STORE_CLASS_TASKS = 4,
	STORE_CLASS_NOTES = 5,
};

/* The class of a folder type (STORE_CLASS_NONE for 1, 18, 19). */
enum store_class store_folder_type_class(int type);
/* True for the default folder types (2-11): a user cannot create folders of these types.
 * The folders store_folders_create_defaults made (struct store_folder.is_default, which
 * includes Junk E-mail of type 12) cannot be renamed, moved or deleted. */
bool store_folder_type_is_default(int type);
/* "Email", "Contacts", "Calendar", "Tasks", "Notes" (the Sync Class names), or NULL. */
const char *store_class_name(enum store_class cls);

struct store_folder {
	int64_t id;
	int64_t user_id;
	const char *server_id;
	const char *parent_server_id;  /* "0" at the top of the hierarchy */
	const char *name;
	int type;                      /* enum store_folder_type */
	int64_t modseq;                /* the last write of the folder itself */
	int64_t items_modseq;          /* the highest modseq of its items, tombstones included */
	bool deleted;                  /* a tombstone */
	bool is_default;               /* made by store_folders_create_defaults: not changeable */
};

/* Folder names: 1-STORE_FOLDER_NAME_MAX bytes of valid UTF-8 without control characters.
 * True, or false with *error_r (static text) saying why not. */
#define STORE_FOLDER_NAME_MAX 256
bool store_folder_name_valid(const char *name, const char **error_r);

/* Creates the default folders (Inbox, Drafts, Deleted Items, Sent Items, Outbox, Junk E-mail
 * (type 12), Calendar, Contacts, Tasks, Notes; all at the top, parent "0") of a new user.
 * store_user_add calls it in its own transaction, so every user has them from the start
 * (Q-FOLD-2); schema migration 2 made them for the users that existed before.
 * STORE_EXISTS when the user has them already, STORE_NOT_FOUND for an unknown user. */
enum store_result store_folders_create_defaults(struct store *store, int64_t user_id,
						const char **error_r);

/* The user's current (highest) modseq. */
enum store_result store_user_modseq(struct store *store, int64_t user_id, int64_t *modseq_r,
				    const char **error_r);
/* The highest modseq of any folder write of the user (creations, renames, deletions). */
enum store_result store_hierarchy_modseq(struct store *store, int64_t user_id,
					 int64_t *modseq_r, const char **error_r);

/* since_modseq 0: every live folder. Otherwise: every folder written after since_modseq,
 * tombstones included (a negative since_modseq: every folder ever). Ordered by modseq. */
enum store_result store_folder_list(struct store *store, pool *p, int64_t user_id,
				    int64_t since_modseq, struct store_folder **folders_r,
				    size_t *count_r, const char **error_r);
/* A live folder by ServerId (STORE_NOT_FOUND for unknown and deleted ones, and for "0"). */
enum store_result store_folder_get(struct store *store, pool *p, int64_t user_id,
				   const char *server_id, struct store_folder *folder_r,
				   const char **error_r);
/* The user's default folder of a type (e.g. STORE_FOLDER_CONTACTS; 12 is Junk E-mail). */
enum store_result store_folder_get_default(struct store *store, pool *p, int64_t user_id,
					   int type, struct store_folder *folder_r,
					   const char **error_r);
/* A folder of the user by its numeric id, tombstones included (check ->deleted). */
enum store_result store_folder_get_by_id(struct store *store, pool *p, int64_t user_id,
					 int64_t folder_id, struct store_folder *folder_r,
					 const char **error_r);
/* The folder's items_modseq: the no-change test of Sync (one primary-key look-up; a deleted
 * folder answers too, check the hierarchy for that). */
enum store_result store_folder_items_modseq(struct store *store, int64_t folder_id,
					    int64_t *modseq_r, const char **error_r);
/* Creates a user folder. STORE_NOT_FOUND: the parent does not exist; STORE_EXISTS: the
 * parent has a live folder of that name (names compare byte for byte: "inbox" is not
 * "Inbox"); STORE_INVALID: bad name or a type a user cannot
 * create (only 1, 12-17 can be created). */
enum store_result store_folder_create(struct store *store, pool *p, int64_t user_id,
				      const char *parent_server_id, const char *name, int type,
				      int64_t origin_device, struct store_folder *folder_r,
				      const char **error_r);
/* Renames and/or moves a folder (new_parent_server_id NULL: same parent; new_name NULL: same
 * name); takes a new modseq even when nothing changes. STORE_FORBIDDEN:
 * a default folder; STORE_NOT_FOUND: folder or parent unknown; STORE_EXISTS: name taken;
 * STORE_INVALID: moving a folder below itself, or a bad name. */
enum store_result store_folder_update(struct store *store, pool *p, int64_t user_id,
				      const char *server_id, const char *new_parent_server_id,
				      const char *new_name, int64_t origin_device,
				      struct store_folder *folder_r, const char **error_r);
/* Deletes a folder, its subfolders and their items (tombstones for all, in one transaction;
 * deepest folders first, each item and folder with its own modseq). STORE_FORBIDDEN: a
 * default folder; STORE_NOT_FOUND: no such live folder. */
enum store_result store_folder_delete(struct store *store, int64_t user_id, const char *server_id,
				      int64_t origin_device, const char **error_r);

/* Item flags, for filters that the store evaluates. */
enum store_item_flags {
	STORE_ITEM_COMPLETE = 1u << 0,  /* a completed task (FilterType "incomplete only") */
	STORE_ITEM_READ = 1u << 1,      /* a read mail */
};

#define STORE_TIME_MIN INT64_MIN
#define STORE_TIME_MAX INT64_MAX

struct store_item {
	int64_t id;
	int64_t user_id;
	int64_t folder_id;
	const char *server_id;
	int64_t modseq;
	bool deleted;                  /* a tombstone: no data */
	int64_t origin_device;         /* devices.id of the last writer, 0: the server */
	const char *uid;               /* class-specific unique id (calendar UID...), NULL if none */
	/* Time span for FilterType windows, unix seconds: calendar = first start .. last end of
	 * the series (STORE_TIME_MAX when it recurs forever); email = received time for both;
	 * STORE_TIME_MIN..STORE_TIME_MAX when the class has no time filter. */
	int64_t filter_start;
	int64_t filter_end;
	uint32_t flags;                /* enum store_item_flags */
	const unsigned char *data;     /* the stored form, as pim/ writes it; NULL for tombstones */
	size_t data_len;
};

/* Adds an item to a live folder: in->data, data_len, uid, filter_start, filter_end and flags are used. On success
 * *item_r has the new server_id, modseq and the rest (strings and data copied into p).
 * STORE_NOT_FOUND: no such folder. STORE_INVALID: data NULL with data_len > 0, data_len >
 * STORE_ITEM_DATA_MAX, uid not UTF-8 or longer than STORE_ITEM_UID_MAX, filter_start >
 * filter_end, origin_device < 0. */
#define STORE_ITEM_DATA_MAX (256u << 20)
#define STORE_ITEM_UID_MAX 1024
enum store_result store_item_add(struct store *store, pool *p, int64_t user_id,
				 const char *folder_server_id, const struct store_item *in,
				 int64_t origin_device, struct store_item *item_r,
				 const char **error_r);
/* Replaces a live item's data and metadata (same fields and rules as add); takes a new
 * modseq; the item stays in its folder. STORE_NOT_FOUND: no such live item. */
enum store_result store_item_update(struct store *store, pool *p, int64_t user_id,
				    const char *server_id, const struct store_item *in,
				    int64_t origin_device, struct store_item *item_r,
				    const char **error_r);
/* Deletes a live item, leaving a tombstone; *modseq_r (may be NULL) is the tombstone's. */
enum store_result store_item_delete(struct store *store, int64_t user_id, const char *server_id,
				    int64_t origin_device, int64_t *modseq_r, const char **error_r);
/* A live item by ServerId, with its data when with_data. */
enum store_result store_item_get(struct store *store, pool *p, int64_t user_id,
				 const char *server_id, bool with_data, struct store_item *item_r,
				 const char **error_r);
/* A live item of a folder by uid, with its data (the lowest id should there be several). */
enum store_result store_item_find_uid(struct store *store, pool *p, int64_t user_id,
				      int64_t folder_id, const char *uid, struct store_item *item_r,
				      const char **error_r);
/* Items (live and tombstones) of a folder written after after_modseq, in modseq order, at
 * most limit of them (0: no limit), with data when with_data (tombstones never have data).
 * Paging: pass the last item's modseq as the next after_modseq. */
enum store_result store_items_changed(struct store *store, pool *p, int64_t folder_id,
				      int64_t after_modseq, size_t limit, bool with_data,
				      struct store_item **items_r, size_t *count_r,
				      const char **error_r);
/* Live items of a folder with id > after_id, in id order, at most limit (0: no limit; for
 * exports and full walks in pages). */
enum store_result store_items_list(struct store *store, pool *p, int64_t folder_id,
				   int64_t after_id, size_t limit, bool with_data,
				   struct store_item **items_r, size_t *count_r,
				   const char **error_r);
/* Number of live items of a folder. */
enum store_result store_folder_item_count(struct store *store, int64_t folder_id,
					  uint64_t *count_r, const char **error_r);

/* Transactions spanning several calls (a Sync request's commands, a whole import file).
 * They nest: an inner begin/commit pair is a savepoint. Every store function that writes
 * runs in the caller's transaction when one is open, and in its own otherwise.
 *
 * Semantics (SQLite backend):
 * - The outermost store_begin is BEGIN IMMEDIATE: it takes the database's write lock (or
 *   waits for it up to the busy timeout), so keep transactions short; nothing is visible to
 *   other handles before the outermost store_commit.
 * - A store function that fails inside the caller's transaction undoes exactly its own
 *   statements (it runs in a savepoint) and the caller's transaction stays usable: a Sync
 *   command that fails with STORE_NOT_FOUND does not cost the other commands.
 * - store_rollback of an inner level undoes that level's work only; the outer work stays
 *   and is committed by the outer commit. store_rollback of the outermost level undoes
 *   everything, inner levels committed before included. store_rollback with no
 *   transaction open does nothing; store_commit with none open is STORE_ERROR.
 * - A failing store_commit rolls its level back (the outermost: everything) and closes it.
 * - When SQLite itself aborts the transaction (I/O error, disk full), every later call
 *   inside it and the outermost commit fail with STORE_ERROR; the caller still calls
 *   store_rollback (or commit) once per begin to unwind. */
enum store_result store_begin(struct store *store, const char **error_r);
enum store_result store_commit(struct store *store, const char **error_r);
void store_rollback(struct store *store);

#endif
