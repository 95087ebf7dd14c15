/* pim.c: the table of classes that easd syncs, over the generic engine of item.c. */
#include "pim/pim-private.h"

static int contact_from_eas(pool *p, const struct wbxml_node *appdata, int version,
			    const struct store_item *old, const struct pim_supported *supported,
			    struct store_item *out_r, const char **error_r)
{
	return pim_item_from_eas(&pim_contact_def, p, appdata, version, old, supported, out_r,
				 error_r);
}

static int contact_to_eas(pool *p, const struct store_item *item,
			  const struct pim_out_options *opt, struct wbxml_writer *w,
			  const char **error_r)
{
	return pim_item_to_eas(&pim_contact_def, p, item, opt, w, error_r);
}

static int task_from_eas(pool *p, const struct wbxml_node *appdata, int version,
			 const struct store_item *old, const struct pim_supported *supported,
			 struct store_item *out_r, const char **error_r)
{
	return pim_item_from_eas(&pim_task_def, p, appdata, version, old, supported, out_r,
				 error_r);
}

static int task_to_eas(pool *p, const struct store_item *item, const struct pim_out_options *opt,
		       struct wbxml_writer *w, const char **error_r)
{
	return pim_item_to_eas(&pim_task_def, p, item, opt, w, error_r);
}

static const struct pim_class_ops contact_ops = {
	.cls = STORE_CLASS_CONTACTS,
	.from_eas = contact_from_eas,
	.to_eas = contact_to_eas,
};

static const struct pim_class_ops task_ops = {
	.cls = STORE_CLASS_TASKS,
	.from_eas = task_from_eas,
	.to_eas = task_to_eas,
};

const struct pim_class_ops *pim_class(enum store_class cls)
{
	switch (cls) {
	case STORE_CLASS_CONTACTS: return &contact_ops;
	case STORE_CLASS_TASKS: return &task_ops;
	case STORE_CLASS_CALENDAR: return &pim_calendar_ops;
	default: return NULL;
	}
}

int pim_item_encode_new(pool *p, enum store_class cls, const struct wbxml_node *appdata,
			struct store_item *out_r, const char **error_r)
{
	const struct pim_class_ops *ops = pim_class(cls);

	if (ops == NULL) {
		*error_r = "easd does not store items of this class";
		return -1;
	}
	return ops->from_eas(p, appdata, 161, NULL, NULL, out_r, error_r);
}
