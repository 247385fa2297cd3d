/* components.c -- the eight components of a job: settings, references, requirements.
 *
 * Each component names the mappings and rule sets it uses by id; this file
 * resolves them and checks that each is of the kind the component needs (an
 * export mapping of customer for customer-export, a rule set of prospect for
 * prospect-matching...). Disabled components are checked like enabled ones:
 * enabling one later must not reveal new errors.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/clock.h"

static const char *const component_names[SP_COMP_COUNT] = {
    "company-link",           "company-customer-import", "company-prospect-import",
    "customer-export",        "customer-updates-export", "prospect-updates-export",
    "product-export",         "deal-export",
};

const char *sp_job_component_name(sp_job_component_kind k)
{
    if ((int)k < 0 || k >= SP_COMP_COUNT)
        return "?";
    return component_names[k];
}

int sp_job_component_parse(const char *name)
{
    for (int k = 0; k < SP_COMP_COUNT; k++)
        if (strcmp(component_names[k], name) == 0)
            return k;
    return -1;
}

const char *sp_job_company_type_name(unsigned bit)
{
    switch (bit) {
    case SP_COMPANY_PROSPECT: return "PROSPECT";
    case SP_COMPANY_PARTNER: return "PARTNER";
    case SP_COMPANY_RESELLER: return "RESELLER";
    case SP_COMPANY_VENDOR: return "VENDOR";
    case SP_COMPANY_OTHER: return "OTHER";
    default: return NULL;
    }
}

/* ---- references ---------------------------------------------------------------------- */

static const char *ids_of_mappings(jctx *c)
{
    const char **ids = sp_arena_alloc(c->arena, (c->job->nmappings + 1) * sizeof(*ids));
    for (size_t i = 0; i < c->job->nmappings; i++)
        ids[i] = c->job->mappings[i].id;
    if (c->job->nmappings == 0)
        return "no mapping is defined";
    return sp_arena_printf(c->arena, "the mappings are %s", jlist(c, ids, c->job->nmappings));
}

static const char *ids_of_rule_sets(jctx *c)
{
    const char **ids = sp_arena_alloc(c->arena, (c->job->nrule_sets + 1) * sizeof(*ids));
    for (size_t i = 0; i < c->job->nrule_sets; i++)
        ids[i] = c->job->rule_sets[i].id;
    if (c->job->nrule_sets == 0)
        return "no rule set is defined";
    return sp_arena_printf(c->arena, "the rule sets are %s", jlist(c, ids, c->job->nrule_sets));
}

static const char *hint_id(jctx *c, const char *id, int mappings)
{
    size_t n = mappings ? c->job->nmappings : c->job->nrule_sets;
    const char **ids = sp_arena_alloc(c->arena, (n + 1) * sizeof(*ids));
    char buf[160];

    for (size_t i = 0; i < n; i++)
        ids[i] = mappings ? c->job->mappings[i].id : c->job->rule_sets[i].id;
    jsuggest(id, ids, n, buf, sizeof(buf));
    return sp_arena_strdup(c->arena, buf);
}

/* The mapping named by attr, of the direction and entity the component needs. */
static const sp_job_mapping *ref_mapping(jctx *c, const xmlNode *n, const char *attr, int want_import,
                                         sp_job_entity want, int required)
{
    const char *id = jget(c, n, attr);
    const char *kind = want_import ? "an import" : "an export";
    const sp_job_mapping *m;

    if (id == NULL) {
        if (required)
            jc_error(c, jnode_pos(n), "<%s> needs %s=\"...\": the id of %s mapping of %s", (const char *)n->name,
                     attr, kind, sp_job_entity_name(want));
        return NULL;
    }
    m = jfind_mapping(c->job, id);
    if (m == NULL) {
        jc_error(c, jattr_pos(n, attr), "%s=\"%s\": no mapping has this id%s; %s", attr, id,
                 hint_id(c, id, 1), ids_of_mappings(c));
        return NULL;
    }
    if (m->is_import != want_import || m->entity != want) {
        jc_error(c, jattr_pos(n, attr), "%s=\"%s\" is %s mapping of %s; <%s> needs %s mapping of %s", attr, id,
                 m->is_import ? "an import" : "an export", sp_job_entity_name(m->entity), (const char *)n->name,
                 kind, sp_job_entity_name(want));
        return NULL;
    }
    return m;
}

static const sp_job_rule_set *ref_rule_set(jctx *c, const xmlNode *n, const char *attr, sp_job_entity want)
{
    const char *id = jget(c, n, attr);
    const sp_job_rule_set *rs;

    if (id == NULL)
        return NULL;
    rs = jfind_rule_set(c->job, id);
    if (rs == NULL) {
        jc_error(c, jattr_pos(n, attr), "%s=\"%s\": no rule set has this id%s; %s", attr, id,
                 hint_id(c, id, 0), ids_of_rule_sets(c));
        return NULL;
    }
    if (rs->entity != want) {
        jc_error(c, jattr_pos(n, attr), "%s=\"%s\" is a rule set of %s; it must be a rule set of %s", attr, id,
                 sp_job_entity_name(rs->entity), sp_job_entity_name(want));
        return NULL;
    }
    return rs;
}

/* The mapping a component creates objects with needs a key-property. */
static void need_key_property(jctx *c, const xmlNode *n, const char *attr, const sp_job_mapping *m)
{
    if (m == NULL || m->key_property != NULL)
        return;
    jc_error(c, jattr_pos(n, attr), "%s=\"%s\": <%s> creates HubSpot %s with this mapping, so it needs "
                                    "key-property=\"...\" (a unique-value property holding the SalesPad "
                                    "key, so a retried run never makes a duplicate)",
             attr, m->id, (const char *)n->name, sp_job_object_name(m->object));
}

static void check_width(jctx *c, const xmlNode *n, const char *attr, const char *v, size_t width,
                        const char *what)
{
    if (v != NULL && strlen(v) > width)
        jc_error(c, jattr_pos(n, attr), "%s=\"%s\" is %zu characters; %s holds %zu", attr, v, strlen(v), what,
                 width);
}

/* ---- each component -------------------------------------------------------------------- */

static void build_link(jctx *c, const xmlNode *n, sp_job_company_link *l)
{
    l->company_types = jcompany_types(c, n);
    l->types_pos = jattr_pos(n, "company-types");
    l->trace = jget_bool(c, n, "trace", 0);
    l->log_unmatched = jget_bool(c, n, "log-unmatched", 0);
    l->customer_matching = ref_rule_set(c, n, "customer-matching", SP_ENTITY_CUSTOMER);
    l->customer_address_matching = ref_rule_set(c, n, "customer-address-matching", SP_ENTITY_CUSTOMER_ADDRESS);
    l->prospect_matching = ref_rule_set(c, n, "prospect-matching", SP_ENTITY_PROSPECT);
    l->prospect_contact_matching = ref_rule_set(c, n, "prospect-contact-matching", SP_ENTITY_PROSPECT_CONTACT);
    if (jget(c, n, "customer-matching") == NULL && jget(c, n, "prospect-matching") == NULL)
        jc_error(c, jnode_pos(n), "<company-link> needs customer-matching=\"...\" or prospect-matching=\"...\" "
                                  "(or both): the rule sets that find a company's customer or prospect");
    l->post_link = jbuild_hook(c, jchild(n, "post-link"), "post-link", -1);
}

/* An attribute of an import (a rule set, a mapping) its other settings never let it use. */
static void unused_attr(jctx *c, const xmlNode *n, const char *attr, const char *why)
{
    const char *id = jget(c, n, attr);
    if (id != NULL)
        jc_error(c, jattr_pos(n, attr), "%s=\"%s\" is never used: %s; remove it", attr, id, why);
}

/* What an import's switches turn off must not be set: a setting the run never
 * acts on is refused at its line, not silently accepted. */
static void check_import_unused(jctx *c, const xmlNode *n, const sp_job_import *im, int customers)
{
    const char *own = customers ? "customer-matching" : "prospect-matching";
    const char *other = customers ? "prospect-matching" : "customer-matching";
    const char *own_contact = customers ? "customer-address-matching" : "prospect-contact-matching";
    const char *other_contact = customers ? "prospect-contact-matching" : "customer-address-matching";
    const char *prevent = customers ? "prevent-matching-to-prospects" : "prevent-matching-to-customers";
    const xmlNode *kg = jchild(n, "key-generation"), *ck = jchild(n, "contact-keys");
    char why[160];

    if (!im->try_match && !im->import_new_companies && !im->import_new_contacts && jget_bool(c, n, "enabled", 1))
        jc_error(c, jnode_pos(n), "<%s> does nothing: try-match-before-import, import-new-companies and "
                                  "import-new-contacts are all \"false\"; set one to \"true\" or disable it "
                                  "(enabled=\"false\")", (const char *)n->name);
    if (!im->try_match) {
        unused_attr(c, n, own, "try-match-before-import=\"false\" matches no company");
        unused_attr(c, n, other, "try-match-before-import=\"false\" matches no company");
        unused_attr(c, n, other_contact, "try-match-before-import=\"false\" matches no company");
        if (!im->import_new_contacts)
            unused_attr(c, n, own_contact, "try-match-before-import and import-new-contacts are "
                                               "\"false\", so no contact is matched");
    } else if (im->prevent_other_matching) {
        snprintf(why, sizeof(why), "%s=\"true\" matches no %s", prevent, customers ? "prospect" : "customer");
        unused_attr(c, n, other, why);
        unused_attr(c, n, other_contact, why);
    }
    if (im->import_new_companies)
        return;
    if (kg != NULL)
        jc_error(c, jnode_pos(kg), "<key-generation> is never used: import-new-companies=\"false\" creates "
                                   "no %s; remove it", customers ? "customer" : "prospect");
    if (im->company_mapping != NULL && im->pre_import == NULL)
        unused_attr(c, n, customers ? "customer-mapping" : "prospect-mapping",
                        "import-new-companies=\"false\" creates no record (and no <pre-import> sees it)");
    if (im->import_new_contacts)
        return;
    if (ck != NULL)
        jc_error(c, jnode_pos(ck), "<contact-keys> is never used: import-new-companies and "
                                   "import-new-contacts are \"false\", so no contact is created; remove it");
    unused_attr(c, n, customers ? "address-mapping" : "contact-mapping",
                    "import-new-companies and import-new-contacts are \"false\", so no contact is created");
}

static void build_import(jctx *c, const xmlNode *n, sp_job_import *im, int customers)
{
    const sp_job_entity company = customers ? SP_ENTITY_CUSTOMER : SP_ENTITY_PROSPECT;
    const sp_job_entity contact = customers ? SP_ENTITY_CUSTOMER_ADDRESS : SP_ENTITY_PROSPECT_CONTACT;
    const char *company_attr = customers ? "customer-mapping" : "prospect-mapping";
    const char *contact_attr = customers ? "address-mapping" : "contact-mapping";
    const xmlNode *kg = jchild(n, "key-generation"), *ck = jchild(n, "contact-keys");
    const char *date;

    im->company_types = jcompany_types(c, n);
    im->types_pos = jattr_pos(n, "company-types");
    im->import_new_companies = jget_bool(c, n, "import-new-companies", 1);
    im->import_new_contacts = jget_bool(c, n, "import-new-contacts", 1);
    im->try_match = jget_bool(c, n, "try-match-before-import", 1);
    im->prevent_other_matching =
        jget_bool(c, n, customers ? "prevent-matching-to-prospects" : "prevent-matching-to-customers", 0);
    im->rollback_on_error = jget_bool(c, n, "rollback-on-error", 1);
    date = jget(c, n, "min-create-date");
    if (date != NULL) {
        im->min_create_date = date;
        if (sp_time_parse(date, &im->min_create_ms) != 0)
            jc_error(c, jattr_pos(n, "min-create-date"), "min-create-date=\"%s\": write a UTC date "
                                                         "2026-01-31 or date and time 2026-01-31T08:00:00Z", date);
    }
    im->company_mapping = ref_mapping(c, n, company_attr, 1, company, im->import_new_companies);
    im->contact_mapping =
        ref_mapping(c, n, contact_attr, 1, contact, im->import_new_companies || im->import_new_contacts);
    im->customer_matching = ref_rule_set(c, n, "customer-matching", SP_ENTITY_CUSTOMER);
    im->customer_address_matching = ref_rule_set(c, n, "customer-address-matching", SP_ENTITY_CUSTOMER_ADDRESS);
    im->prospect_matching = ref_rule_set(c, n, "prospect-matching", SP_ENTITY_PROSPECT);
    im->prospect_contact_matching = ref_rule_set(c, n, "prospect-contact-matching", SP_ENTITY_PROSPECT_CONTACT);
    if (im->try_match) {
        const char *own = customers ? "customer-matching" : "prospect-matching";
        const char *other = customers ? "prospect-matching" : "customer-matching";
        if (jget(c, n, own) == NULL)
            jc_error(c, jnode_pos(n), "<%s> has try-match-before-import=\"true\", so it needs %s=\"...\" "
                                      "(or set try-match-before-import=\"false\")", (const char *)n->name, own);
        if (!im->prevent_other_matching && jget(c, n, other) == NULL)
            jc_error(c, jnode_pos(n), "<%s> matches %s too (%s=\"false\"), so it needs %s=\"...\"",
                     (const char *)n->name, customers ? "prospects" : "customers",
                     customers ? "prevent-matching-to-prospects" : "prevent-matching-to-customers", other);
    }

    im->key_generation.from_property = "name";
    im->key_generation.letters = 8;
    im->key_generation.digits = 4;
    if (kg != NULL) {
        const char *from = jget(c, kg, "from");
        im->key_generation.pos = jnode_pos(kg);
        if (from != NULL)
            im->key_generation.from_property = from;
        im->key_generation.letters = jget_int(c, kg, "letters", 8);
        im->key_generation.digits = jget_int(c, kg, "digits", 4);
        if (!jproperty_name_ok(im->key_generation.from_property))
            jc_error(c, jattr_pos(kg, "from"), "from=\"%s\" is not a HubSpot property name (letters, "
                                               "digits and _)", im->key_generation.from_property);
        if (im->key_generation.letters + im->key_generation.digits > 15)
            jc_error(c, jnode_pos(kg), "letters (%d) + digits (%d) make keys longer than %s holds (15)",
                     im->key_generation.letters, im->key_generation.digits, customers ? "CUSTNMBR" : "PROSPID");
    } else if (im->import_new_companies) {
        jc_error(c, jnode_pos(n), "<%s> imports new companies, so it needs <key-generation from=\"name\" "
                                  "letters=\"8\" digits=\"4\"/> to make each new %s (e.g. AARONFIT0001)",
                 (const char *)n->name, customers ? "CUSTNMBR" : "PROSPID");
    }

    im->contact_keys.first = "PRIMARY";
    im->contact_keys.prefix = "CONTACT";
    im->contact_keys.digits = 3;
    if (ck != NULL) {
        const char *first = jget(c, ck, "first"), *prefix = jget(c, ck, "prefix");
        const char *what = customers ? "ADRSCODE" : "Contact_ID";
        im->contact_keys.pos = jnode_pos(ck);
        if (first != NULL)
            im->contact_keys.first = first;
        if (prefix != NULL)
            im->contact_keys.prefix = prefix;
        im->contact_keys.digits = jget_int(c, ck, "digits", 3);
        check_width(c, ck, "first", first, 15, what);
        if (strlen(im->contact_keys.prefix) + (size_t)im->contact_keys.digits > 15)
            jc_error(c, jnode_pos(ck), "prefix \"%s\" + %d digits make codes longer than %s holds (15)",
                     im->contact_keys.prefix, im->contact_keys.digits, what);
    }
    im->pre_import = jbuild_hook(c, jchild(n, "pre-import"), "pre-import", (int)company);
    im->post_import = jbuild_hook(c, jchild(n, "post-import"), "post-import", (int)company);
    check_import_unused(c, n, im, customers);
}

static void build_customer_export(jctx *c, const xmlNode *n, sp_job_customer_export *x)
{
    const char *types = jget(c, n, "address-types");

    x->export_new_contacts = jget_bool(c, n, "export-new-contacts", 1);
    x->per_page = jget_int(c, n, "customers-per-page", 100);
    x->filter = jbuild_filter(c, jchild(n, "filter"), SP_ENTITY_CUSTOMER);
    x->customer_mapping = ref_mapping(c, n, "customer-mapping", 0, SP_ENTITY_CUSTOMER, 1);
    x->address_mapping = ref_mapping(c, n, "address-mapping", 0, SP_ENTITY_CUSTOMER_ADDRESS, 1);
    need_key_property(c, n, "customer-mapping", x->customer_mapping);
    need_key_property(c, n, "address-mapping", x->address_mapping);
    if (types == NULL || strcmp(types, "*") == 0) {
        x->all_address_types = 1;
    } else {
        size_t cap = 2, k = 0;
        const char **v;
        char *copy = sp_arena_strdup(c->arena, types), *save = NULL;
        for (const char *p = types; *p; p++)
            cap += *p == ';';
        v = sp_arena_alloc(c->arena, cap * sizeof(*v));
        for (char *t = strtok_r(copy, ";", &save); t != NULL; t = strtok_r(NULL, ";", &save)) {
            char *item = t, *end;
            while (isspace((unsigned char)*item))
                item++;
            end = item + strlen(item);
            while (end > item && isspace((unsigned char)end[-1]))
                *--end = '\0';
            if (*item == '\0')
                continue;
            if (strcmp(item, "*") == 0)
                jc_error(c, jattr_pos(n, "address-types"), "address-types: \"*\" means every address type; "
                                                           "write it alone, not in a list");
            else if (strlen(item) > 15)
                jc_error(c, jattr_pos(n, "address-types"), "address-types: \"%s\" is longer than an address "
                                                           "code (ADRSCODE holds 15)", item);
            v[k++] = item;
        }
        if (k == 0)
            jc_error(c, jattr_pos(n, "address-types"), "address-types is empty: write \"*\" for every address "
                                                       "type, or the address codes separated by \";\"");
        v[k] = NULL;
        x->address_types = v;
        x->naddress_types = k;
    }
    x->pre_export = jbuild_hook(c, jchild(n, "pre-export"), "pre-export", SP_ENTITY_CUSTOMER);
    x->post_export = jbuild_hook(c, jchild(n, "post-export"), "post-export", SP_ENTITY_CUSTOMER);
}

static void build_updates(jctx *c, const xmlNode *n, sp_job_updates_export *u, int customers)
{
    const sp_job_entity company = customers ? SP_ENTITY_CUSTOMER : SP_ENTITY_PROSPECT;
    const sp_job_entity contact = customers ? SP_ENTITY_CUSTOMER_ADDRESS : SP_ENTITY_PROSPECT_CONTACT;

    u->range_days = jget_int(c, n, "range-days", 7);
    u->per_page = jget_int(c, n, customers ? "customers-per-page" : "prospects-per-page", 100);
    u->company_mapping = ref_mapping(c, n, customers ? "customer-mapping" : "prospect-mapping", 0, company, 1);
    u->contact_mapping = ref_mapping(c, n, customers ? "address-mapping" : "contact-mapping", 0, contact, 1);
    u->pre_company_update = jbuild_hook(c, jchild(n, "pre-company-update"), "pre-company-update", (int)company);
    u->post_company_update = jbuild_hook(c, jchild(n, "post-company-update"), "post-company-update", (int)company);
    u->pre_contact_update = jbuild_hook(c, jchild(n, "pre-contact-update"), "pre-contact-update", (int)contact);
    u->post_contact_update = jbuild_hook(c, jchild(n, "post-contact-update"), "post-contact-update", (int)contact);
}

static void build_product(jctx *c, const xmlNode *n, sp_job_product_export *p)
{
    p->per_page = jget_int(c, n, "items-per-page", 100);
    p->price_currency = jget(c, n, "price-currency");
    check_width(c, n, "price-currency", p->price_currency, 15, "CURNCYID");
    p->filter = jbuild_filter(c, jchild(n, "filter"), SP_ENTITY_ITEM);
    p->item_mapping = ref_mapping(c, n, "item-mapping", 0, SP_ENTITY_ITEM, 1);
    need_key_property(c, n, "item-mapping", p->item_mapping);
    p->pre_export = jbuild_hook(c, jchild(n, "pre-export"), "pre-export", SP_ENTITY_ITEM);
    p->post_export = jbuild_hook(c, jchild(n, "post-export"), "post-export", SP_ENTITY_ITEM);
}

static void build_deal(jctx *c, const xmlNode *n, sp_job_deal_export *d)
{
    d->queue = jget(c, n, "queue");
    d->next_queue = jget(c, n, "next-queue");
    d->export_lines = jget_bool(c, n, "export-lines", 1);
    d->per_page = jget_int(c, n, "documents-per-page", 100);
    if (d->queue == NULL || strspn(d->queue, " \t") == strlen(d->queue))
        jc_error(c, d->queue == NULL ? jnode_pos(n) : jattr_pos(n, "queue"),
                 "<deal-export> needs queue=\"...\": the workflow queue (SOP10100.BACHNUMB) whose "
                 "documents become deals");
    check_width(c, n, "queue", d->queue, 15, "BACHNUMB");
    check_width(c, n, "next-queue", d->next_queue, 15, "BACHNUMB");
    if (d->queue != NULL && d->next_queue != NULL && strcasecmp(d->queue, d->next_queue) == 0)
        jc_error(c, jattr_pos(n, "next-queue"), "next-queue=\"%s\" is the queue itself: exported documents "
                                                "must move on", d->next_queue);
    d->deal_mapping = ref_mapping(c, n, "deal-mapping", 0, SP_ENTITY_SALES_DOCUMENT, 1);
    d->line_mapping = ref_mapping(c, n, "line-mapping", 0, SP_ENTITY_SALES_LINE, d->export_lines);
    if (!d->export_lines && d->line_mapping != NULL)
        jc_error(c, jattr_pos(n, "line-mapping"), "line-mapping=\"%s\" is never used: export-lines=\"false\" "
                                                  "sends no line; remove it", d->line_mapping->id);
    need_key_property(c, n, "deal-mapping", d->deal_mapping);
    d->pre_export = jbuild_hook(c, jchild(n, "pre-export"), "pre-export", SP_ENTITY_SALES_DOCUMENT);
    d->post_export = jbuild_hook(c, jchild(n, "post-export"), "post-export", SP_ENTITY_SALES_DOCUMENT);
}

void jbuild_components(jctx *c, xmlNodePtr comps)
{
    for (int k = 0; k < SP_COMP_COUNT; k++) {
        const xmlNode *n = jchild(comps, component_names[k]);
        sp_job_component *comp;

        if (n == NULL)
            continue;
        comp = sp_arena_alloc(c->arena, sizeof(*comp));
        comp->pos = jnode_pos(n);
        comp->kind = (sp_job_component_kind)k;
        comp->name = component_names[k];
        comp->enabled = jget_bool(c, n, "enabled", 1);
        switch (comp->kind) {
        case SP_COMP_COMPANY_LINK:
            build_link(c, n, &comp->u.link);
            break;
        case SP_COMP_CUSTOMER_IMPORT:
            build_import(c, n, &comp->u.import, 1);
            break;
        case SP_COMP_PROSPECT_IMPORT:
            build_import(c, n, &comp->u.import, 0);
            break;
        case SP_COMP_CUSTOMER_EXPORT:
            build_customer_export(c, n, &comp->u.customer_export);
            break;
        case SP_COMP_CUSTOMER_UPDATES:
            build_updates(c, n, &comp->u.updates, 1);
            break;
        case SP_COMP_PROSPECT_UPDATES:
            build_updates(c, n, &comp->u.updates, 0);
            break;
        case SP_COMP_PRODUCT_EXPORT:
            build_product(c, n, &comp->u.product);
            break;
        case SP_COMP_DEAL_EXPORT:
            build_deal(c, n, &comp->u.deal);
            break;
        case SP_COMP_COUNT:
            break;
        }
        c->job->components[k] = comp;
    }
}
