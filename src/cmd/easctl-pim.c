/* easctl contacts|tasks|calendar import|export: a user's contacts as vCard (3.0/4.0 out;
 * 2.1/3.0/4.0 in), tasks as iCalendar VTODO and appointments as iCalendar VEVENT, into or
 * out of a folder.
 * Imports are written by the server (origin 0), so every device gets them at its next
 * Sync, and are one transaction per file: all or nothing (--skip-bad leaves out the bad
 * entries and imports the rest). */
#include "cmd/easctl.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "pim/ical.h"
#include "pim/ical-event.h"
#include "pim/pim.h"
#include "pim/vcard.h"
#include "store/store-folder.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define IMPORT_MAX_INPUT (256u * 1024 * 1024)
#define IMPORT_MAX_ENTRIES 100000
#define EXPORT_PAGE 200
#define MAX_ERRORS_SHOWN 20

/* What differs between contacts and tasks. */
struct pim_kind {
	const char *noun;          /* "contacts" */
	enum store_class cls;
	int default_folder;        /* STORE_FOLDER_CONTACTS */
};

static const struct pim_kind contacts_kind = { "contacts", STORE_CLASS_CONTACTS,
					       STORE_FOLDER_CONTACTS };
static const struct pim_kind tasks_kind = { "tasks", STORE_CLASS_TASKS, STORE_FOLDER_TASKS };
static const struct pim_kind calendar_kind = { "events", STORE_CLASS_CALENDAR,
					       STORE_FOLDER_CALENDAR };

/* One entry of an import file, converted. */
struct entry {
	size_t line;
	struct wbxml_node *appdata;
	const char *error;
	unsigned dropped;
	const struct pim_vevent *event;   /* calendar: the parsed event (uid, filter span) */
	const char *uid;                  /* the vCard's, VTODO's or VEVENT's UID, or NULL */
};

/* The user of LOGIN and the target folder (--folder or the default one of the kind);
 * -1 after printing the error. */
static int resolve_target(struct easctl *ctl, const struct easctl_args *args,
			  const struct pim_kind *kind, struct store **store_r,
			  struct store_user *user_r, struct store_folder *folder_r)
{
	const char *domain, *name, *error;
	enum store_result ret;

	if (easctl_parse_login(ctl, args->pos[0], &domain, &name) < 0)
		return -1;
	if ((*store_r = easctl_store(ctl)) == NULL)
		return -1;
	ret = store_user_get(*store_r, ctl->pool, domain, name, user_r, &error);
	if (ret != STORE_OK) {
		easctl_error("%s", ret == STORE_NOT_FOUND ?
			     pool_printf(ctl->pool, "no user '%s'", args->pos[0]) : error);
		return -1;
	}
	if (args->folder != NULL)
		ret = store_folder_get(*store_r, ctl->pool, user_r->id, args->folder, folder_r,
				       &error);
	else
		ret = store_folder_get_default(*store_r, ctl->pool, user_r->id,
					       kind->default_folder, folder_r, &error);
	if (ret == STORE_NOT_FOUND) {
		easctl_error("user %s@%s has no folder %s", user_r->name, user_r->domain,
			     args->folder != NULL ? args->folder : "of that kind");
		return -1;
	}
	if (ret != STORE_OK) {
		easctl_error("%s", error);
		return -1;
	}
	if (store_folder_type_class(folder_r->type) != kind->cls) {
		easctl_error("folder %s ('%s') does not hold %s", folder_r->server_id,
			     folder_r->name, kind->noun);
		return -1;
	}
	return 0;
}

/* Reads FILE (or standard input for none or "-") into b; -1 after printing why. */
static int read_input(const char *path, buf *b)
{
	FILE *f = path == NULL || strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		easctl_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > IMPORT_MAX_INPUT) {
			easctl_error("%s: larger than %u MB", path != NULL ? path : "input",
				     IMPORT_MAX_INPUT / (1024 * 1024));
			if (f != stdin)
				fclose(f);
			return -1;
		}
		buf_append(b, chunk, n);
	}
	bool failed = ferror(f) != 0;
	if (f != stdin)
		fclose(f);
	if (failed) {
		easctl_error("cannot read %s", path != NULL ? path : "standard input");
		return -1;
	}
	return 0;
}

/* Parses the file into entries; -1 after printing the error. */
static int parse_entries(struct easctl *ctl, const struct pim_kind *kind, const buf *in,
			 const char *src, struct entry **entries_r, size_t *count_r)
{
	const char *error;
	size_t count;

	if (kind->cls == STORE_CLASS_CONTACTS) {
		struct pim_vcard_limits limits;
		struct pim_vcard *cards;
		pim_vcard_limits_default(&limits);
		limits.max_input = IMPORT_MAX_INPUT;
		limits.max_cards = IMPORT_MAX_ENTRIES;
		if (pim_vcard_parse(ctl->pool, (const char *)in->data, in->len, &limits, &cards,
				    &count, &error) < 0) {
			easctl_error("%s: %s; nothing imported", src, error);
			return -1;
		}
		*entries_r = pool_calloc(ctl->pool, count + 1, sizeof(**entries_r));
		for (size_t i = 0; i < count; i++) {
			(*entries_r)[i] = (struct entry){ cards[i].line, cards[i].appdata,
							  cards[i].error, cards[i].dropped, NULL,
							  cards[i].uid };
		}
	} else if (kind->cls == STORE_CLASS_CALENDAR) {
		struct pim_vevent *events;
		if (pim_vevent_parse(ctl->pool, (const char *)in->data, in->len, IMPORT_MAX_INPUT,
				     IMPORT_MAX_ENTRIES, &events, &count, &error) < 0) {
			easctl_error("%s: %s; nothing imported", src, error);
			return -1;
		}
		*entries_r = pool_calloc(ctl->pool, count + 1, sizeof(**entries_r));
		for (size_t i = 0; i < count; i++) {
			(*entries_r)[i] = (struct entry){ events[i].line, events[i].appdata,
							  events[i].error, events[i].dropped,
							  &events[i], events[i].uid };
		}
	} else {
		struct pim_vtodo *todos;
		if (pim_vtodo_parse(ctl->pool, (const char *)in->data, in->len, IMPORT_MAX_INPUT,
				    IMPORT_MAX_ENTRIES, &todos, &count, &error) < 0) {
			easctl_error("%s: %s; nothing imported", src, error);
			return -1;
		}
		*entries_r = pool_calloc(ctl->pool, count + 1, sizeof(**entries_r));
		for (size_t i = 0; i < count; i++) {
			(*entries_r)[i] = (struct entry){ todos[i].line, todos[i].appdata,
							  todos[i].error, todos[i].dropped, NULL,
							  todos[i].uid };
		}
	}
	*count_r = count;
	return 0;
}

static void progress(size_t done, size_t total, bool force)
{
	static bool tty = false, checked = false;

	if (!checked) {
		tty = isatty(STDERR_FILENO) != 0;
		checked = true;
	}
	if (force || (tty && done % 100 == 0)) {
		fprintf(stderr, "%simported %zu/%zu%s", tty ? "\r" : "", done, total,
			tty && !force ? "" : "\n");
		fflush(stderr);
	}
}

/* The UID export gives an item that has none: "easd-<ServerId>-<name>@<domain>". */
static const char *export_uid(pool *p, const struct store_user *user,
			      const struct store_item *item)
{
	if (item->uid != NULL && item->uid[0] != '\0')
		return item->uid;
	return pool_printf(p, "easd-%s-%s@%s", item->server_id, user->name, user->domain);
}

/* The live item of folder that an imported UID names: the item with that uid, else the
 * uid-less item whose export_uid() it is (an exported contact or task that a phone
 * created).
 * STORE_NOT_FOUND when none. */
static enum store_result find_by_uid(struct store *store, pool *p, const struct store_user *user,
				     const struct store_folder *folder, const char *uid,
				     struct store_item *item_r, const char **error_r)
{
	enum store_result ret = store_item_find_uid(store, p, user->id, folder->id, uid, item_r,
						    error_r);
	if (ret != STORE_NOT_FOUND)
		return ret;
	const char *suffix = pool_printf(p, "-%s@%s", user->name, user->domain);
	size_t len = strlen(uid), slen = strlen(suffix);
	if (len <= 5 + slen || strncmp(uid, "easd-", 5) != 0 ||
	    strcmp(uid + len - slen, suffix) != 0)
		return STORE_NOT_FOUND;
	const char *sid = pool_strndup(p, uid + 5, len - 5 - slen);
	ret = store_item_get(store, p, user->id, sid, true, item_r, error_r);
	if (ret == STORE_OK && (item_r->folder_id != folder->id || item_r->uid != NULL))
		return STORE_NOT_FOUND;
	return ret;
}

/* An override whose series is not in the file (an iTIP update of one occurrence): with a
 * stored recurring series of its UID it becomes that series' exception (checked here,
 * written in the transaction); else it is a single event, unless another event of the file
 * has its UID (a second one would replace the first). Sets entries[i].error for a bad
 * entry; -1 after printing a store error. */
static int check_orphan(struct easctl *ctl, struct store *store, const struct store_user *user,
			const struct store_folder *folder, struct entry *entries, size_t i)
{
	struct entry *e = &entries[i];
	struct store_item known, merged;
	const char *error;
	enum store_result r = find_by_uid(store, ctl->pool, user, folder, e->uid, &known, &error);

	if (r != STORE_OK && r != STORE_NOT_FOUND) {
		easctl_error("%s; nothing imported", error);
		return -1;
	}
	if (r == STORE_OK && pim_vevent_can_attach(ctl->pool, &known)) {
		if (pim_vevent_attach(ctl->pool, e->event, &known, &merged, &error) < 0)
			e->error = pool_printf(ctl->pool, "line %zu: RECURRENCE-ID of '%s': %s",
					       e->line, e->uid, error);
		return 0;
	}
	for (size_t j = 0; j < i; j++) {
		if (entries[j].uid != NULL && strcmp(entries[j].uid, e->uid) == 0) {
			e->error = pool_printf(ctl->pool, "line %zu: a RECURRENCE-ID of '%s' whose "
					       "series is neither stored nor in the file, which has "
					       "another event of that UID (line %zu)", e->line,
					       e->uid, entries[j].line);
			break;
		}
	}
	return 0;
}

static int pim_import(struct easctl *ctl, const struct easctl_args *args,
		      const struct pim_kind *kind)
{
	struct store *store;
	struct store_user user;
	struct store_folder folder;
	struct entry *entries = NULL;
	struct store_item *items;
	size_t count = 0, bad = 0, good = 0;
	unsigned dropped = 0;
	const char *src = args->npos > 1 && strcmp(args->pos[1], "-") != 0 ? args->pos[1] :
			  "standard input";
	const char *error;
	buf in = BUF_INIT;

	if (resolve_target(ctl, args, kind, &store, &user, &folder) < 0)
		return EASCTL_EXIT_FAIL;
	int ret = read_input(args->npos > 1 ? args->pos[1] : NULL, &in);
	if (ret == 0)
		ret = parse_entries(ctl, kind, &in, src, &entries, &count);
	buf_free(&in);
	if (ret < 0)
		return EASCTL_EXIT_FAIL;

	/* Convert everything first: a bad entry is found before anything is written. */
	log_set_level(LOG_LEVEL_ERROR); /* dropped photos are counted, not logged per entry */
	items = pool_calloc(ctl->pool, count + 1, sizeof(*items));
	for (size_t i = 0; i < count; i++) {
		struct entry *e = &entries[i];
		if (e->error == NULL &&
		    (e->event != NULL ?
		     pim_vevent_encode(ctl->pool, e->event, &items[i], &error) :
		     pim_item_encode_new(ctl->pool, kind->cls, e->appdata, &items[i], &error)) < 0)
			e->error = pool_printf(ctl->pool, "line %zu: %s", e->line, error);
		if (e->error == NULL && e->event != NULL && e->event->orphan_override &&
		    e->uid != NULL && check_orphan(ctl, store, &user, &folder, entries, i) < 0)
			return EASCTL_EXIT_FAIL;
		if (e->error != NULL) {
			if (bad++ < MAX_ERRORS_SHOWN)
				easctl_error("%s: %s%s", src, e->error,
					     args->skip_bad ? " (skipped)" : "");
			continue;
		}
		dropped += e->dropped;
		good++;
	}
	if (bad > MAX_ERRORS_SHOWN)
		easctl_error("%s: %zu more bad entries", src, bad - MAX_ERRORS_SHOWN);
	if (bad > 0 && !args->skip_bad) {
		easctl_error("%s: %zu bad %s; nothing imported (--skip-bad imports the others)",
			     src, bad, bad == 1 ? "entry" : "entries");
		return EASCTL_EXIT_FAIL;
	}

	if (store_begin(store, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	size_t done = 0, added_n = 0, updated = 0, unchanged = 0;
	pool *page = pool_new(0);
	for (size_t i = 0; i < count; i++) {
		struct store_item added, old = { 0 };
		enum store_result sret = STORE_NOT_FOUND;
		if (entries[i].error != NULL)
			continue;
		if (entries[i].uid != NULL) {
			/* A known UID is a server-side change of that item (origin 0: every
			 * device gets a Change), not a second copy. */
			items[i].uid = entries[i].uid;
			sret = find_by_uid(store, page, &user, &folder, entries[i].uid, &old,
					   &error);
		}
		if (sret == STORE_OK && entries[i].event != NULL &&
		    entries[i].event->orphan_override && pim_vevent_can_attach(page, &old)) {
			/* Decided on the series as the transaction has it: several overrides of
			 * one series in a file add up. */
			struct store_item merged;
			if (pim_vevent_attach(page, entries[i].event, &old, &merged, &error) < 0) {
				store_rollback(store);
				pool_free(&page);
				easctl_error("%s: line %zu: %s; nothing imported", src,
					     entries[i].line, error);
				return EASCTL_EXIT_FAIL;
			}
			merged.uid = old.uid;
			items[i] = merged;
		}
		if (sret == STORE_OK && old.data_len == items[i].data_len &&
		    (old.data_len == 0 || memcmp(old.data, items[i].data, old.data_len) == 0)) {
			unchanged++; /* the same card or VTODO again: no Change for every device */
		} else if (sret == STORE_OK) {
			sret = store_item_update(store, page, user.id, old.server_id, &items[i], 0,
						 &added, &error);
			updated++;
		} else if (sret == STORE_NOT_FOUND) {
			sret = store_item_add(store, page, user.id, folder.server_id, &items[i], 0,
					      &added, &error);
			added_n++;
		}
		if (sret != STORE_OK) {
			store_rollback(store);
			pool_free(&page);
			easctl_error("%s: line %zu: %s; nothing imported", src, entries[i].line,
				     error);
			return EASCTL_EXIT_FAIL;
		}
		if (++done % EXPORT_PAGE == 0) {
			pool_free(&page);
			page = pool_new(0);
		}
		progress(done, good, false);
	}
	pool_free(&page);
	if (store_commit(store, &error) != STORE_OK) {
		store_rollback(store);
		easctl_error("%s; nothing imported", error);
		return EASCTL_EXIT_FAIL;
	}
	progress(done, good, true);
	printf("imported %zu %s into folder %s ('%s') of %s@%s", done, kind->noun,
	       folder.server_id, folder.name, user.name, user.domain);
	printf(": added %zu, updated %zu, unchanged %zu", added_n, updated, unchanged);
	if (bad > 0)
		printf(", skipped %zu bad", bad);
	if (dropped > 0)
		printf(", %u values had no EAS field", dropped);
	printf("\n");
	return EASCTL_EXIT_OK;
}

static int write_out(FILE *f, buf *b)
{
	if (b->len > 0 && fwrite(b->data, 1, b->len, f) != b->len)
		return -1;
	buf_truncate(b, 0);
	return 0;
}

static int pim_export(struct easctl *ctl, const struct easctl_args *args,
		      const struct pim_kind *kind, int vcard_version)
{
	struct store *store;
	struct store_user user;
	struct store_folder folder;
	const char *error;
	int64_t after = 0;
	size_t total = 0, skipped = 0;
	buf out = BUF_INIT;

	if (resolve_target(ctl, args, kind, &store, &user, &folder) < 0)
		return EASCTL_EXIT_FAIL;
	const char *path = args->npos > 1 && strcmp(args->pos[1], "-") != 0 ? args->pos[1] : NULL;
	FILE *f = path == NULL ? stdout : fopen(path, "wb");
	if (f == NULL) {
		easctl_error("cannot create %s: %s", path, strerror(errno));
		return EASCTL_EXIT_FAIL;
	}
	struct pim_vevent_writer vw;
	if (kind->cls == STORE_CLASS_TASKS)
		pim_vtodo_write_begin(&out);
	else if (kind->cls == STORE_CLASS_CALENDAR)
		pim_vevent_write_begin(&vw, &out);
	int ret = EASCTL_EXIT_OK;
	for (;;) {
		pool *page = pool_new(0);
		struct store_item *items;
		size_t count;
		if (store_items_list(store, page, folder.id, after, EXPORT_PAGE, true, &items,
				     &count, &error) != STORE_OK) {
			easctl_error("%s", error);
			pool_free(&page);
			ret = EASCTL_EXIT_FAIL;
			break;
		}
		for (size_t i = 0; i < count; i++) {
			struct wbxml_node *ad;
			after = items[i].id;
			if (pim_item_decode(page, &items[i], &ad, &error) < 0) {
				easctl_error("item %s skipped: %s", items[i].server_id, error);
				skipped++;
				continue;
			}
			if (kind->cls == STORE_CLASS_CONTACTS)
				pim_vcard_write_uid(&out, page, ad, vcard_version,
						    export_uid(page, &user, &items[i]));
			else if (kind->cls == STORE_CLASS_CALENDAR)
				pim_vevent_write(&vw, &out, page, ad,
						 pool_printf(page, "easd-%s-%s@%s", items[i].server_id,
							     user.name, user.domain));
			else
				pim_vtodo_write(&out, page, ad, export_uid(page, &user, &items[i]));
			total++;
		}
		pool_free(&page);
		if (write_out(f, &out) < 0) {
			easctl_error("writing %s failed: %s", path != NULL ? path : "the output",
				     strerror(errno));
			ret = EASCTL_EXIT_FAIL;
			break;
		}
		if (count < EXPORT_PAGE)
			break;
	}
	if (ret == EASCTL_EXIT_OK && kind->cls != STORE_CLASS_CONTACTS) {
		if (kind->cls == STORE_CLASS_TASKS)
			pim_vtodo_write_end(&out);
		else
			pim_vevent_write_end(&vw, &out);
		if (write_out(f, &out) < 0)
			ret = EASCTL_EXIT_FAIL;
	}
	buf_free(&out);
	if (f != stdout && fclose(f) != 0 && ret == EASCTL_EXIT_OK) {
		easctl_error("writing %s failed: %s", path, strerror(errno));
		ret = EASCTL_EXIT_FAIL;
	}
	if (ret == EASCTL_EXIT_OK)
		fprintf(stderr, "exported %zu %s%s\n", total, kind->noun,
			skipped > 0 ? pool_printf(ctl->pool, " (%zu unreadable skipped)", skipped) :
			"");
	return ret;
}

/* Deletes items named by uid (in the target folder) or ServerId (in any folder of the
 * kind's class): tombstones written by the server (origin 0), so every device gets a
 * Delete at its next Sync. The found ones are deleted in one transaction, like `rm`; the
 * others are named and make the exit status 1. */
static int pim_delete(struct easctl *ctl, const struct easctl_args *args,
		      const struct pim_kind *kind)
{
	struct store *store;
	struct store_user user;
	struct store_folder folder;
	const char *error;
	size_t deleted = 0, missing = 0;

	if (resolve_target(ctl, args, kind, &store, &user, &folder) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_begin(store, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	for (int i = 1; i < args->npos; i++) {
		const char *name = args->pos[i];
		struct store_item item;
		struct store_folder in;
		enum store_result ret = find_by_uid(store, ctl->pool, &user, &folder, name, &item,
						    &error);
		if (ret == STORE_NOT_FOUND) {
			ret = store_item_get(store, ctl->pool, user.id, name, false, &item, &error);
			if (ret == STORE_OK &&
			    (store_folder_get_by_id(store, ctl->pool, user.id, item.folder_id, &in,
						    &error) != STORE_OK ||
			     store_folder_type_class(in.type) != kind->cls ||
			     (args->folder != NULL && in.id != folder.id)))
				ret = STORE_NOT_FOUND;
		}
		if (ret == STORE_OK)
			ret = store_item_delete(store, user.id, item.server_id, 0, NULL, &error);
		if (ret == STORE_NOT_FOUND) {
			easctl_error("%s@%s has no %s '%s'", user.name, user.domain,
				     kind == &contacts_kind ? "contact" : "task", name);
			missing++;
			continue;
		}
		if (ret != STORE_OK) {
			store_rollback(store);
			easctl_error("%s; nothing deleted", error);
			return EASCTL_EXIT_FAIL;
		}
		deleted++;
	}
	if (store_commit(store, &error) != STORE_OK) {
		easctl_error("%s; nothing deleted", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("deleted %zu %s of %s@%s", deleted, kind->noun, user.name, user.domain);
	if (missing > 0)
		printf(", %zu not found", missing);
	printf("\n");
	return missing > 0 ? EASCTL_EXIT_FAIL : EASCTL_EXIT_OK;
}

static int contacts_delete(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_delete(ctl, args, &contacts_kind);
}

static int tasks_delete(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_delete(ctl, args, &tasks_kind);
}

static int contacts_import(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_import(ctl, args, &contacts_kind);
}

static int contacts_export(struct easctl *ctl, const struct easctl_args *args)
{
	int version = 3;

	if (args->version != NULL) {
		if (strcmp(args->version, "3.0") == 0 || strcmp(args->version, "3") == 0)
			version = 3;
		else if (strcmp(args->version, "4.0") == 0 || strcmp(args->version, "4") == 0)
			version = 4;
		else {
			easctl_error("--version must be 3.0 or 4.0, not '%s'", args->version);
			return EASCTL_EXIT_USAGE;
		}
	}
	return pim_export(ctl, args, &contacts_kind, version);
}

static int tasks_import(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_import(ctl, args, &tasks_kind);
}

static int tasks_export(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_export(ctl, args, &tasks_kind, 0);
}

static int calendar_import(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_import(ctl, args, &calendar_kind);
}

static int calendar_export(struct easctl *ctl, const struct easctl_args *args)
{
	return pim_export(ctl, args, &calendar_kind, 0);
}

static const struct easctl_leaf contacts_leaves[] = {
	{ "import", "LOGIN [FILE] [--folder SERVERID] [--skip-bad]",
	  "import contacts from a vCard file",
	  "Imports the vCards (2.1, 3.0 or 4.0; UTF-8, or CHARSET=ISO-8859-1) of FILE, or of\n"
	  "standard input when FILE is missing or '-', into the user's Contacts folder (or the\n"
	  "contacts folder SERVERID). Every device of the user gets them at its next Sync.\n"
	  "The file is one transaction: a bad card (its line is shown) imports nothing, unless\n"
	  "--skip-bad, which imports the good ones. Progress goes to standard error.\n"
	  "Mapped: N, FN, ORG, TITLE, TEL (by TYPE; extra numbers take free slots), EMAIL (3),\n"
	  "ADR (home, work, other), BDAY, ANNIVERSARY, NOTE, URL, NICKNAME, CATEGORIES, PHOTO\n"
	  "(inline; larger than 5 MB is dropped, the contact kept), IMPP, X-EAS-<property>;\n"
	  "other X- properties are ignored.\n"
	  "Example: easctl contacts import mike@ox.io addressbook.vcf\n",
	  1, 2, EASCTL_OPT_FOLDER | EASCTL_OPT_SKIP_BAD, contacts_import },
	{ "export", "LOGIN [FILE] [--folder SERVERID] [--version 3.0|4.0]",
	  "export contacts as vCard",
	  "Writes the contacts of the user's Contacts folder (or folder SERVERID) as vCard 3.0\n"
	  "(or 4.0) to FILE, or to standard output. Properties with no vCard counterpart are\n"
	  "written as X-EAS-<property>, which import reads back.\n"
	  "Example: easctl contacts export mike@ox.io > mike.vcf\n",
	  1, 2, EASCTL_OPT_FOLDER | EASCTL_OPT_VERSION, contacts_export },
	{ "delete", "LOGIN UID|SERVERID... [--folder SERVERID]", "delete contacts",
	  "Deletes the contacts named by their vCard UID (as import stored it, or as export\n"
	  "wrote it) in the user's Contacts folder (or folder SERVERID), or by their ServerId.\n"
	  "Every device of the user gets the Delete at its next Sync. The ones found are\n"
	  "deleted; each one not found is named and the exit status is 1.\n"
	  "Example: easctl contacts delete mike@ox.io 3f2a-77@example.com 9:14\n",
	  2, EASCTL_MAX_POS, EASCTL_OPT_FOLDER, contacts_delete },
};

static const struct easctl_leaf tasks_leaves[] = {
	{ "import", "LOGIN [FILE] [--folder SERVERID] [--skip-bad]",
	  "import tasks from an iCalendar file",
	  "Imports the VTODOs of an iCalendar FILE (or standard input) into the user's Tasks\n"
	  "folder (or the task folder SERVERID); one transaction per file as for contacts.\n"
	  "A VTODO whose UID names a task of the folder (as an import stored it, or as export\n"
	  "wrote it) updates that task (an identical one is left alone); the others are added.\n"
	  "Prints how many were added, updated and unchanged.\n"
	  "Mapped: SUMMARY, DESCRIPTION, DTSTART, DUE, COMPLETED, STATUS, PRIORITY, CLASS,\n"
	  "CATEGORIES, the first VALARM's TRIGGER (reminder) and RRULE where EAS can express\n"
	  "it (daily, weekly, monthly and yearly rules by day or n-th weekday).\n"
	  "Example: easctl tasks import mike@ox.io todo.ics\n",
	  1, 2, EASCTL_OPT_FOLDER | EASCTL_OPT_SKIP_BAD, tasks_import },
	{ "export", "LOGIN [FILE] [--folder SERVERID]", "export tasks as iCalendar",
	  "Writes the tasks of the user's Tasks folder (or folder SERVERID) as one iCalendar\n"
	  "file of VTODOs to FILE, or to standard output. Each VTODO has a UID (the imported\n"
	  "one, else easd-SERVERID-LOGIN), so that importing the file again updates the tasks.\n"
	  "Example: easctl tasks export mike@ox.io todo.ics\n",
	  1, 2, EASCTL_OPT_FOLDER, tasks_export },
	{ "delete", "LOGIN UID|SERVERID... [--folder SERVERID]", "delete tasks",
	  "Deletes the tasks named by their ServerId, or by their UID (as import stored it, or\n"
	  "as export wrote it: easd-SERVERID-LOGIN), in the user's Tasks folder (or folder\n"
	  "SERVERID). Every device of the user gets the Delete at its next Sync. The ones\n"
	  "found are deleted; each one not found is named and the exit status is 1.\n"
	  "Example: easctl tasks delete mike@ox.io 7:3\n",
	  2, EASCTL_MAX_POS, EASCTL_OPT_FOLDER, tasks_delete },
};

const struct easctl_group easctl_contacts_group = {
	"contacts", "A user's contacts as vCard files",
	contacts_leaves, sizeof(contacts_leaves) / sizeof(contacts_leaves[0]),
};

const struct easctl_group easctl_tasks_group = {
	"tasks", "A user's tasks as iCalendar (VTODO) files",
	tasks_leaves, sizeof(tasks_leaves) / sizeof(tasks_leaves[0]),
};

static const struct easctl_leaf calendar_leaves[] = {
	{ "import", "LOGIN [FILE] [--folder SERVERID] [--skip-bad]",
	  "import appointments from an iCalendar file",
	  "Imports the VEVENTs of an iCalendar FILE (or standard input) into the user's Calendar\n"
	  "folder (or the calendar folder SERVERID); one transaction per file as for contacts:\n"
	  "a bad event (its line is shown) imports nothing, unless --skip-bad. Every device of\n"
	  "the user gets them at its next Sync. Progress goes to standard error.\n"
	  "A VEVENT whose UID the folder already has updates that appointment (devices get a\n"
	  "Change; the same event again writes nothing): importing a file twice adds nothing.\n"
	  "A RECURRENCE-ID event without its series in the file (an update of one occurrence)\n"
	  "becomes an exception of the stored series of its UID (STATUS:CANCELLED deletes\n"
	  "the occurrence); one that names no occurrence of it is a bad entry.\n"
	  "Mapped: SUMMARY, DESCRIPTION, LOCATION, DTSTART/DTEND/DURATION with TZID (the IANA\n"
	  "zone becomes the EAS TimeZone), all-day dates (in X-WR-TIMEZONE, else UTC), RRULE\n"
	  "(daily, weekly, monthly and yearly by day or n-th weekday; a rule EAS cannot express\n"
	  "refuses the event), EXDATE, RECURRENCE-ID (modified occurrences), ORGANIZER,\n"
	  "ATTENDEE (PARTSTAT, ROLE, CUTYPE), CATEGORIES, CLASS, TRANSP and\n"
	  "X-MICROSOFT-CDO-BUSYSTATUS, the first VALARM (reminder), UID, DTSTAMP, X-EAS-<field>.\n"
	  "Example: easctl calendar import mike@ox.io holidays.ics\n",
	  1, 2, EASCTL_OPT_FOLDER | EASCTL_OPT_SKIP_BAD, calendar_import },
	{ "export", "LOGIN [FILE] [--folder SERVERID]", "export appointments as iCalendar",
	  "Writes the appointments of the user's Calendar folder (or folder SERVERID) as one\n"
	  "iCalendar file (VEVENTs with their VTIMEZONEs; modified occurrences as VEVENTs with\n"
	  "RECURRENCE-ID) to FILE, or to standard output; import reads it back unchanged.\n"
	  "Example: easctl calendar export mike@ox.io mike.ics\n",
	  1, 2, EASCTL_OPT_FOLDER, calendar_export },
	{ "freebusy", "LOGIN START END", "show a user's free/busy",
	  "Prints the user's busy spans between START and END (UTC) from the appointments of\n"
	  "all their calendar folders: recurring series expanded in their time zone with their\n"
	  "deleted and moved occurrences, overlaps merged with the strongest status (oof >\n"
	  "busy > tentative; free appointments do not count; BusyStatus 4, working elsewhere,\n"
	  "counts as tentative), then the MergedFreeBusy string a phone would get (one digit per\n"
	  "30 minutes: 0 free, 1 tentative, 2 busy, 3 oof). START and END are dates\n"
	  "(2026-11-25, midnight UTC), UTC times (2026-11-25T09:00Z) or Compact DateTimes\n"
	  "(20261125T090000Z); at most 366 days apart.\n"
	  "Example: easctl calendar freebusy mike@ox.io 2026-11-30 2026-12-07\n",
	  3, 3, 0, easctl_calendar_freebusy },
};

const struct easctl_group easctl_calendar_group = {
	"calendar", "A user's appointments as iCalendar (VEVENT) files",
	calendar_leaves, sizeof(calendar_leaves) / sizeof(calendar_leaves[0]),
};
