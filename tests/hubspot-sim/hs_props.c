/* hs_props.c -- property definitions, value validation and the properties API (see hubsim.h). */
#include "hubsim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

/* ---- default definitions -------------------------------------------------- */

typedef struct def_prop {
    const char *name, *label;
    hs_ptype type;
    const char *field_type;
    int read_only, unique, calculated;
    const char *options;    /* enumeration values separated by '|' */
} def_prop;

#define RO 1
#define DATES                                                                        \
    {"createdate", "Create Date", HS_T_DATETIME, "date", RO, 0, 0, NULL},               \
    {"hs_lastmodifieddate", "Object last modified date/time", HS_T_DATETIME, "date", RO, 0, \
     0, NULL},                                                                       \
    {"hs_object_id", "Record ID", HS_T_NUMBER, "number", RO, 0, 0, NULL}

static const def_prop COMPANY_PROPS[] = {
    {"name", "Company name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"domain", "Company Domain Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"phone", "Phone Number", HS_T_STRING, "phonenumber", 0, 0, 0, NULL},
    {"address", "Street Address", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"address2", "Street Address 2", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"city", "City", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"state", "State/Region", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"zip", "Postal Code", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"country", "Country/Region", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"website", "Website URL", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"type", "Type", HS_T_ENUM, "select", 0, 0, 0, "PROSPECT|PARTNER|RESELLER|VENDOR|OTHER"},
    {"description", "Description", HS_T_STRING, "textarea", 0, 0, 0, NULL},
    {"industry", "Industry", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"numberofemployees", "Number of Employees", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    {"annualrevenue", "Annual Revenue", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    DATES,
    {NULL, NULL, HS_T_STRING, NULL, 0, 0, 0, NULL},
};

static const def_prop CONTACT_PROPS[] = {
    {"email", "Email", HS_T_STRING, "text", 0, 1, 0, NULL},
    {"firstname", "First Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"lastname", "Last Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"phone", "Phone Number", HS_T_STRING, "phonenumber", 0, 0, 0, NULL},
    {"mobilephone", "Mobile Phone Number", HS_T_STRING, "phonenumber", 0, 0, 0, NULL},
    {"fax", "Fax Number", HS_T_STRING, "phonenumber", 0, 0, 0, NULL},
    {"address", "Street Address", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"city", "City", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"state", "State/Region", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"zip", "Postal Code", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"country", "Country/Region", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"company", "Company Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"jobtitle", "Job Title", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"lastmodifieddate", "Last Modified Date", HS_T_DATETIME, "date", RO, 0, 0, NULL},
    DATES,
    {NULL, NULL, HS_T_STRING, NULL, 0, 0, 0, NULL},
};

static const def_prop DEAL_PROPS[] = {
    {"dealname", "Deal Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"amount", "Amount", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    {"closedate", "Close Date", HS_T_DATE, "date", 0, 0, 0, NULL},
    {"pipeline", "Pipeline", HS_T_ENUM, "select", 0, 0, 0, "default"},
    {"dealstage", "Deal Stage", HS_T_ENUM, "radio", 0, 0, 0,
     "appointmentscheduled|qualifiedtobuy|presentationscheduled|decisionmakerboughtin|"
     "contractsent|closedwon|closedlost"},
    {"dealtype", "Deal Type", HS_T_ENUM, "radio", 0, 0, 0, "newbusiness|existingbusiness"},
    {"description", "Deal Description", HS_T_STRING, "textarea", 0, 0, 0, NULL},
    DATES,
    {NULL, NULL, HS_T_STRING, NULL, 0, 0, 0, NULL},
};

static const def_prop PRODUCT_PROPS[] = {
    {"name", "Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"description", "Description", HS_T_STRING, "textarea", 0, 0, 0, NULL},
    {"price", "Unit price", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    {"hs_sku", "SKU", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"hs_cost_of_goods_sold", "Unit cost", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    DATES,
    {NULL, NULL, HS_T_STRING, NULL, 0, 0, 0, NULL},
};

static const def_prop LINE_ITEM_PROPS[] = {
    {"name", "Name", HS_T_STRING, "text", 0, 0, 0, NULL},
    {"description", "Description", HS_T_STRING, "textarea", 0, 0, 0, NULL},
    {"quantity", "Quantity", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    {"price", "Unit price", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    {"amount", "Net price", HS_T_NUMBER, "number", RO, 0, 1, NULL},
    {"hs_product_id", "Product ID", HS_T_NUMBER, "number", 0, 0, 0, NULL},
    {"hs_sku", "SKU", HS_T_STRING, "text", 0, 0, 0, NULL},
    DATES,
    {NULL, NULL, HS_T_STRING, NULL, 0, 0, 0, NULL},
};

static const def_prop *const DEFS[HS_NOBJ] = {COMPANY_PROPS, CONTACT_PROPS, DEAL_PROPS,
                                               PRODUCT_PROPS, LINE_ITEM_PROPS};

static const char *const GROUPS[HS_NOBJ][2] = {
    {"companyinformation", "Company information"},
    {"contactinformation", "Contact information"},
    {"dealinformation", "Deal information"},
    {"productinformation", "Product information"},
    {"lineiteminformation", "Line item information"},
};

/* Properties returned when a request names none (HubSpot's defaults). */
static const char *const DEFAULTS_COMPANIES[] = {"createdate", "domain", "hs_lastmodifieddate",
                                                 "hs_object_id", "name", NULL};
static const char *const DEFAULTS_CONTACTS[] = {"createdate", "email", "firstname",
                                                "hs_object_id", "lastmodifieddate", "lastname",
                                                NULL};
static const char *const DEFAULTS_DEALS[] = {"amount", "closedate", "createdate", "dealname",
                                             "dealstage", "hs_lastmodifieddate", "hs_object_id",
                                             "pipeline", NULL};
static const char *const DEFAULTS_PRODUCTS[] = {"createdate", "description",
                                                "hs_lastmodifieddate", "hs_object_id", "name",
                                                "price", NULL};
static const char *const DEFAULTS_LINE_ITEMS[] = {"amount", "createdate", "hs_lastmodifieddate",
                                                  "hs_object_id", "name", "price", "quantity",
                                                  NULL};

const char *const *hs_default_props(hs_obj o)
{
    switch (o) {
    case HS_COMPANIES: return DEFAULTS_COMPANIES;
    case HS_CONTACTS: return DEFAULTS_CONTACTS;
    case HS_DEALS: return DEFAULTS_DEALS;
    case HS_PRODUCTS: return DEFAULTS_PRODUCTS;
    default: return DEFAULTS_LINE_ITEMS;
    }
}

static const char *const TYPE_NAMES[] = {"string", "number", "date", "datetime", "enumeration",
                                         "bool"};

const char *hs_ptype_name(hs_ptype t) { return TYPE_NAMES[t]; }

int hs_ptype_parse(const char *s)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(s, TYPE_NAMES[i]) == 0)
            return i;
    return -1;
}

static json_t *option_json(const char *label, const char *value, int order)
{
    json_t *o = json_object();
    json_object_set_new(o, "label", json_string(label));
    json_object_set_new(o, "value", json_string(value));
    json_object_set_new(o, "displayOrder", json_integer(order));
    json_object_set_new(o, "hidden", json_false());
    return o;
}

static void table_add_prop(hs_table *t, hs_prop *p)
{
    if (t->nprops == t->cap_props) {
        t->cap_props = t->cap_props ? t->cap_props * 2 : 32;
        t->props = sp_xrealloc(t->props, t->cap_props * sizeof(*t->props));
    }
    p->display_order = (int)t->nprops;
    t->props[t->nprops++] = p;
    hs_map_put(&t->prop_by_name, p->name, p);
}

static json_t *group_json(const char *name, const char *label, int order)
{
    json_t *g = json_object();
    json_object_set_new(g, "name", json_string(name));
    json_object_set_new(g, "label", json_string(label));
    json_object_set_new(g, "displayOrder", json_integer(order));
    json_object_set_new(g, "archived", json_false());
    return g;
}

void hs_props_install_defaults(hs_table *t)
{
    const def_prop *d = DEFS[t->obj];
    json_array_append_new(t->groups, group_json(GROUPS[t->obj][0], GROUPS[t->obj][1], 0));
    for (; d->name != NULL; d++) {
        hs_prop *p = sp_xcalloc(1, sizeof(*p));
        p->name = sp_xstrdup(d->name);
        p->label = sp_xstrdup(d->label);
        p->type = d->type;
        p->field_type = sp_xstrdup(d->field_type);
        p->group = sp_xstrdup(GROUPS[t->obj][0]);
        p->description = sp_xstrdup("");
        p->read_only = d->read_only;
        p->unique = d->unique;
        p->calculated = d->calculated;
        p->hubspot_defined = 1;
        p->options = json_array();
        hs_map_init(&p->index);
        if (d->options != NULL) {
            const char *s = d->options;
            int order = 0;
            while (*s) {
                const char *e = strchr(s, '|');
                size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
                char *v = sp_xstrndup(s, n);
                json_array_append_new(p->options, option_json(v, v, order++));
                free(v);
                s += n;
                if (*s == '|')
                    s++;
            }
        }
        table_add_prop(t, p);
    }
}

hs_prop *hs_prop_find(hs_table *t, const char *name)
{
    return hs_map_get(&t->prop_by_name, name);
}

void hs_prop_free(hs_prop *p)
{
    free(p->name);
    free(p->label);
    free(p->field_type);
    free(p->group);
    free(p->description);
    json_decref(p->options);
    hs_map_free(&p->index, NULL);
    free(p);
}

json_t *hs_prop_json(const hs_prop *p)
{
    json_t *o = json_object(), *mm = json_object();
    char buf[32];
    hs_iso(p->created_ms, buf);
    json_object_set_new(o, "updatedAt", json_string(buf));
    json_object_set_new(o, "createdAt", json_string(buf));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "label", json_string(p->label));
    json_object_set_new(o, "type", json_string(hs_ptype_name(p->type)));
    json_object_set_new(o, "fieldType", json_string(p->field_type));
    json_object_set_new(o, "description", json_string(p->description));
    json_object_set_new(o, "groupName", json_string(p->group));
    json_object_set_new(o, "options", json_deep_copy(p->options));
    json_object_set_new(o, "displayOrder", json_integer(p->display_order));
    json_object_set_new(o, "calculated", json_boolean(p->calculated));
    json_object_set_new(o, "externalOptions", json_false());
    json_object_set_new(o, "hasUniqueValue", json_boolean(p->unique));
    json_object_set_new(o, "hidden", json_false());
    json_object_set_new(o, "hubspotDefined", json_boolean(p->hubspot_defined));
    json_object_set_new(mm, "archivable", json_boolean(!p->hubspot_defined));
    json_object_set_new(mm, "readOnlyDefinition", json_boolean(p->hubspot_defined));
    json_object_set_new(mm, "readOnlyValue", json_boolean(p->read_only));
    json_object_set_new(o, "modificationMetadata", mm);
    json_object_set_new(o, "formField", json_boolean(!p->read_only));
    json_object_set_new(o, "dataSensitivity", json_string("non_sensitive"));
    return o;
}

/* ---- value validation --------------------------------------------------------- */

static void add_error(json_t *details, json_t *legacy, const char *name, const char *value,
                      const char *code, const char *message)
{
    json_t *d = json_object(), *ctx = json_object(), *names = json_array(), *l = json_object();
    json_array_append_new(names, json_string(name));
    json_object_set_new(ctx, "propertyName", names);
    json_object_set_new(d, "message", json_string(message));
    json_object_set_new(d, "code", json_string(code));
    json_object_set_new(d, "context", ctx);
    json_array_append_new(details, d);
    json_object_set_new(l, "isValid", json_false());
    json_object_set_new(l, "message", json_string(message));
    json_object_set_new(l, "error", json_string(code));
    json_object_set_new(l, "name", json_string(name));
    json_object_set_new(l, "localizedErrorMessage", json_string(message));
    if (value != NULL)
        json_object_set_new(l, "propertyValue", json_string(value));
    json_array_append_new(legacy, l);
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    const char *dot;
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return 0;
    dot = strrchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || *p == ',' || *p == ';')
            return 0;
    return 1;
}

static int option_ok(const hs_prop *p, const char *v, size_t n)
{
    size_t i;
    json_t *o;
    json_array_foreach(p->options, i, o) {
        const char *ov = json_string_value(json_object_get(o, "value"));
        if (ov != NULL && strlen(ov) == n && strncmp(ov, v, n) == 0)
            return 1;
    }
    return 0;
}

static char *options_text(const hs_prop *p)
{
    size_t i;
    json_t *o;
    char *out = sp_xstrdup("[");
    json_array_foreach(p->options, i, o) {
        char *next = sp_xasprintf("%s%s%s", out, i ? ", " : "",
                                  json_string_value(json_object_get(o, "value")));
        free(out);
        out = next;
    }
    {
        char *next = sp_xasprintf("%s]", out);
        free(out);
        out = next;
    }
    return out;
}

/* One value: 0 with *norm or -1 after add_error. *norm is v itself when the value is kept
 * as given (no copy), else malloc'd. */
static int validate_value(const hs_prop *p, hs_obj obj, const char *v, char **norm,
                          json_t *details, json_t *legacy)
{
    char msg[1024];
    size_t len = strlen(v);
    int rc = 0;

    *norm = NULL;
    if (len == 0) {
        *norm = (char *)v;
        return 0;
    }
    if (len > 65536) {
        snprintf(msg, sizeof(msg), "Value for \"%s\" is longer than 65536 characters", p->name);
        add_error(details, legacy, p->name, NULL, "INVALID_STRING_LENGTH", msg);
        return -1;
    }
    if (p->type != HS_T_STRING && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[len - 1]))) {
        snprintf(msg, sizeof(msg), "%.200s has leading or trailing whitespace, which is not allowed for %s property %s",
                 v, hs_ptype_name(p->type), p->name);
        add_error(details, legacy, p->name, v, "INVALID_WHITESPACE", msg);
        return -1;
    }
    switch (p->type) {
    case HS_T_NUMBER: {
        double d;
        if (!hs_parse_number(v, &d)) {
            snprintf(msg, sizeof(msg), "%.200s was not a valid number.", v);
            add_error(details, legacy, p->name, v, "INVALID_INTEGER", msg);
            rc = -1;
        } else {
            *norm = (char *)v;
        }
        break;
    }
    case HS_T_DATE:
    case HS_T_DATETIME: {
        int64_t ms;
        char buf[32];
        if (sp_time_parse(v, &ms) != 0) {
            snprintf(msg, sizeof(msg), "%.200s was not a valid %s. Use ISO 8601 or epoch milliseconds.",
                     v, p->type == HS_T_DATE ? "date" : "datetime");
            add_error(details, legacy, p->name, v,
                      p->type == HS_T_DATE ? "INVALID_DATE" : "INVALID_DATETIME", msg);
            rc = -1;
        } else if (p->type == HS_T_DATE) {
            int64_t rem = ms % 86400000LL;
            if (rem < 0)
                rem += 86400000LL;
            if (rem != 0) {
                snprintf(msg, sizeof(msg), "%.200s is at %02d:%02d:%02d.%03d UTC, not midnight!", v,
                         (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
                         (int)(rem % 1000));
                add_error(details, legacy, p->name, v, "INVALID_DATE", msg);
                rc = -1;
            } else {
                hs_iso(ms, buf);
                buf[10] = '\0';   /* YYYY-MM-DD */
                *norm = sp_xstrdup(buf);
            }
        } else {
            *norm = sp_xstrdup(hs_iso(ms, buf));
        }
        break;
    }
    case HS_T_ENUM: {
        int ok = 1;
        if (strcmp(p->field_type, "checkbox") == 0) {
            const char *s = v;
            while (ok) {
                const char *e = strchr(s, ';');
                size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
                ok = option_ok(p, s, n);
                if (e == NULL)
                    break;
                s = e + 1;
            }
        } else {
            ok = option_ok(p, v, len);
        }
        if (!ok) {
            char *opts = options_text(p);
            snprintf(msg, sizeof(msg), "%.200s was not one of the allowed options: %.700s", v, opts);
            free(opts);
            add_error(details, legacy, p->name, v, "INVALID_OPTION", msg);
            rc = -1;
        } else {
            *norm = (char *)v;
        }
        break;
    }
    case HS_T_BOOL:
        if (hs_str_ieq(v, "true") || hs_str_ieq(v, "false")) {
            *norm = hs_lower(v);
        } else {
            snprintf(msg, sizeof(msg), "%.200s was not a valid boolean (true or false).", v);
            add_error(details, legacy, p->name, v, "INVALID_BOOLEAN", msg);
            rc = -1;
        }
        break;
    default:
        if (obj == HS_CONTACTS && strcmp(p->name, "email") == 0 && !valid_email(v)) {
            snprintf(msg, sizeof(msg), "Email address %.200s is invalid", v);
            add_error(details, legacy, p->name, v, "INVALID_EMAIL", msg);
            rc = -1;
        } else if (obj == HS_CONTACTS && strcmp(p->name, "email") == 0) {
            *norm = hs_lower(v);   /* HubSpot keeps contact emails in lower case */
        } else {
            *norm = (char *)v;
        }
        break;
    }
    return rc;
}

int hs_validate_props(hs_table *t, json_t *props, int allow_read_only, json_t *out,
                      json_t *details, json_t *legacy)
{
    const char *k;
    json_t *v;
    int bad = 0;
    char msg[512];

    if (props == NULL)
        return 0;
    json_object_foreach(props, k, v) {
        hs_prop *p = hs_prop_find(t, k);
        /* string values (nearly all) are read in place; others are printed */
        char *printed = json_is_string(v) ? NULL : hs_json_text(v);
        char *text = json_is_string(v) ? (char *)json_string_value(v) : printed;
        char *norm = NULL;
        if (p == NULL) {
            snprintf(msg, sizeof(msg), "Property \"%.200s\" does not exist", k);
            add_error(details, legacy, k, text, "PROPERTY_DOESNT_EXIST", msg);
            bad++;
        } else if (text == NULL) {
            snprintf(msg, sizeof(msg), "Property \"%.200s\" must have a string value", k);
            add_error(details, legacy, k, NULL, "INVALID_PROPERTY_VALUE", msg);
            bad++;
        } else if (p->read_only && !allow_read_only) {
            snprintf(msg, sizeof(msg), "\"%.200s\" is a read only property; its value cannot be set.", k);
            add_error(details, legacy, k, text, "READ_ONLY_VALUE", msg);
            bad++;
        } else if (validate_value(p, t->obj, text, &norm, details, legacy) != 0) {
            bad++;
        } else if (norm == text && json_is_string(v)) {
            json_object_set(out, k, v);   /* kept as given: share the string (never changed in place) */
        } else {
            json_object_set_new(out, k, json_string(norm));
        }
        if (norm != text)
            free(norm);
        free(printed);
    }
    return bad;
}

int hs_validate_deal_stage(const hs_table *t, const json_t *norm, const hs_rec *target, json_t *details,
                           json_t *legacy)
{
    const char *stage = NULL;
    char *msg = hs_deal_stage_problem(t, norm, target, &stage);

    if (msg == NULL)
        return 0;
    add_error(details, legacy, stage != NULL ? "dealstage" : "pipeline", stage, "INVALID_OPTION", msg);
    free(msg);
    return 1;
}

/* ---- properties API --------------------------------------------------------------- */

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100 || !islower((unsigned char)s[0]))
        return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static json_t *find_group(hs_table *t, const char *name)
{
    size_t i;
    json_t *g;
    json_array_foreach(t->groups, i, g) {
        if (strcmp(json_string_value(json_object_get(g, "name")), name) == 0)
            return g;
    }
    return NULL;
}

static void missing_fields(hs_resp *r, hs_sim *sim, const char *schema, const char *fields)
{
    char msg[512];
    snprintf(msg, sizeof(msg),
             "Invalid input JSON: Cannot build %s, some of required attributes are not set [%s]",
             schema, fields);
    hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
}

static void create_property(hs_ctx *c, hs_table *t, hs_resp *r)
{
    hs_sim *sim = c->sim;
    const char *name = json_string_value(json_object_get(c->body, "name"));
    const char *label = json_string_value(json_object_get(c->body, "label"));
    const char *type = json_string_value(json_object_get(c->body, "type"));
    const char *ftype = json_string_value(json_object_get(c->body, "fieldType"));
    const char *group = json_string_value(json_object_get(c->body, "groupName"));
    const char *desc = json_string_value(json_object_get(c->body, "description"));
    json_t *opts = json_object_get(c->body, "options");
    json_t *uniq = json_object_get(c->body, "hasUniqueValue");
    char msg[512];
    const char *need[5];
    int nneed = 0;
    int ty;
    hs_prop *p;

    if (name == NULL)
        need[nneed++] = "name";
    if (label == NULL)
        need[nneed++] = "label";
    if (type == NULL)
        need[nneed++] = "type";
    if (ftype == NULL)
        need[nneed++] = "fieldType";
    if (group == NULL)
        need[nneed++] = "groupName";
    if (nneed > 0) {
        char missing[128];
        size_t len = 0;
        missing[0] = '\0';
        for (int i = 0; i < nneed; i++)
            len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%s", i ? ", " : "", need[i]);
        missing_fields(r, sim, "PropertyCreate", missing);
        return;
    }
    if (!valid_name(name)) {
        snprintf(msg, sizeof(msg),
                 "Property name '%.100s' is invalid: use lower-case letters, digits and underscores, starting with a letter (at most 100 characters)",
                 name);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
        return;
    }
    ty = hs_ptype_parse(type);
    if (ty < 0) {
        snprintf(msg, sizeof(msg), "Invalid property type '%.100s': use string, number, date, datetime, enumeration or bool", type);
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
        return;
    }
    if (hs_prop_find(t, name) != NULL) {
        snprintf(msg, sizeof(msg), "Property named '%.100s' already exists.", name);
        hs_resp_error(r, sim, 409, "OBJECT_ALREADY_EXISTS", msg);
        return;
    }
    if (find_group(t, group) == NULL) {
        snprintf(msg, sizeof(msg), "Property group '%.100s' does not exist for object type %s", group,
                 hs_obj_type_id(t->obj));
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
        return;
    }
    if ((ty == HS_T_ENUM) && (!json_is_array(opts) || json_array_size(opts) == 0)) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR",
                      "Enumeration properties need at least one option in 'options'");
        return;
    }
    /* HubSpot documents unique-value properties for companies, contacts,
     * deals, tickets and custom objects: products and line items refuse them */
    if (json_is_true(uniq) && (t->obj == HS_PRODUCTS || t->obj == HS_LINE_ITEMS)) {
        snprintf(msg, sizeof(msg), "Unique value properties are not supported for object type %s",
                 hs_obj_type_id(t->obj));
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR", msg);
        return;
    }
    if (json_is_true(uniq) && ty != HS_T_STRING && ty != HS_T_NUMBER) {
        hs_resp_error(r, sim, 400, "VALIDATION_ERROR",
                      "Only string and number properties can have unique values");
        return;
    }
    p = sp_xcalloc(1, sizeof(*p));
    p->name = sp_xstrdup(name);
    p->label = sp_xstrdup(label);
    p->type = (hs_ptype)ty;
    p->field_type = sp_xstrdup(ftype);
    p->group = sp_xstrdup(group);
    p->description = sp_xstrdup(desc != NULL ? desc : "");
    p->unique = json_is_true(uniq);
    p->created_ms = hs_now_wall(sim);
    p->options = json_array();
    hs_map_init(&p->index);
    if (json_is_array(opts)) {
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o) {
            const char *ol = json_string_value(json_object_get(o, "label"));
            const char *ov = json_string_value(json_object_get(o, "value"));
            if (ov == NULL)
                continue;
            json_array_append_new(p->options, option_json(ol != NULL ? ol : ov, ov, (int)i));
        }
    }
    if (p->unique) {
        for (size_t i = 0; i < t->n; i++) {
            hs_rec *rec = t->recs[i];
            const char *sv = json_string_value(json_object_get(rec->props, name));
            if (!rec->archived && sv != NULL) {
                char *key = hs_unique_key(p, sv);
                if (hs_map_get(&p->index, key) == NULL)
                    hs_map_put(&p->index, key, rec);
                free(key);
            }
        }
    }
    table_add_prop(t, p);
    hs_resp_json(r, 201, hs_prop_json(p));
}

static void create_group(hs_ctx *c, hs_table *t, hs_resp *r)
{
    const char *name = json_string_value(json_object_get(c->body, "name"));
    const char *label = json_string_value(json_object_get(c->body, "label"));
    json_t *order = json_object_get(c->body, "displayOrder");
    char msg[512];
    if (name == NULL || label == NULL) {
        missing_fields(r, c->sim, "PropertyGroupCreate",
                       name == NULL && label == NULL ? "label, name" : name == NULL ? "name" : "label");
        return;
    }
    if (!valid_name(name)) {
        snprintf(msg, sizeof(msg), "Property group name '%.100s' is invalid", name);
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", msg);
        return;
    }
    if (find_group(t, name) != NULL) {
        snprintf(msg, sizeof(msg), "Property group named '%.100s' already exists.", name);
        hs_resp_error(r, c->sim, 409, "OBJECT_ALREADY_EXISTS", msg);
        return;
    }
    json_array_append_new(t->groups,
                          group_json(name, label, json_is_integer(order) ? (int)json_integer_value(order) : -1));
    hs_resp_json(r, 201, json_deep_copy(json_array_get(t->groups, json_array_size(t->groups) - 1)));
}

static void update_property(hs_ctx *c, hs_table *t, hs_prop *p, hs_resp *r)
{
    const char *label = json_string_value(json_object_get(c->body, "label"));
    const char *desc = json_string_value(json_object_get(c->body, "description"));
    const char *group = json_string_value(json_object_get(c->body, "groupName"));
    json_t *opts = json_object_get(c->body, "options");
    if (p->hubspot_defined && p->read_only) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "Read-only property definitions cannot be changed");
        return;
    }
    if (group != NULL && find_group(t, group) == NULL) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "Property group does not exist");
        return;
    }
    if (label != NULL) {
        free(p->label);
        p->label = sp_xstrdup(label);
    }
    if (desc != NULL) {
        free(p->description);
        p->description = sp_xstrdup(desc);
    }
    if (group != NULL) {
        free(p->group);
        p->group = sp_xstrdup(group);
    }
    if (json_is_array(opts)) {
        size_t i;
        json_t *o;
        json_array_clear(p->options);
        json_array_foreach(opts, i, o) {
            const char *ol = json_string_value(json_object_get(o, "label"));
            const char *ov = json_string_value(json_object_get(o, "value"));
            if (ov != NULL)
                json_array_append_new(p->options, option_json(ol != NULL ? ol : ov, ov, (int)i));
        }
    }
    hs_resp_json(r, 200, hs_prop_json(p));
}

static void archive_property(hs_ctx *c, hs_table *t, hs_prop *p, hs_resp *r)
{
    size_t j = 0;
    if (p->hubspot_defined) {
        hs_resp_error(r, c->sim, 400, "VALIDATION_ERROR", "HubSpot-defined properties cannot be archived");
        return;
    }
    hs_map_del(&t->prop_by_name, p->name);
    for (size_t i = 0; i < t->nprops; i++)
        if (t->props[i] != p)
            t->props[j++] = t->props[i];
    t->nprops = j;
    hs_prop_free(p);
    r->status = 204;
}

/* Route: c->obj is the object, segments from c->base: [] | [groups] | [NAME]. */
void hs_handle_props(hs_ctx *c, hs_resp *r)
{
    hs_store *s = &c->sim->store;
    hs_table *t = &s->t[c->obj];
    int rest = c->nseg - c->base;
    const char *name = rest >= 1 ? c->seg[c->base] : NULL;
    int is_get = strcmp(c->method, "GET") == 0;
    char msg[512];

    if (is_get)
        pthread_rwlock_rdlock(&s->lock);
    else
        pthread_rwlock_wrlock(&s->lock);

    if (rest == 0 && is_get) {
        json_t *res = json_array(), *o = json_object();
        const char *archived = hs_query(c, "archived");
        if (archived == NULL || strcmp(archived, "true") != 0) {
            for (size_t i = 0; i < t->nprops; i++)
                json_array_append_new(res, hs_prop_json(t->props[i]));
        }
        json_object_set_new(o, "results", res);
        hs_resp_json(r, 200, o);
    } else if (rest == 0 && strcmp(c->method, "POST") == 0) {
        create_property(c, t, r);
    } else if (rest == 1 && strcmp(name, "groups") == 0 && is_get) {
        json_t *o = json_object();
        json_object_set_new(o, "results", json_deep_copy(t->groups));
        hs_resp_json(r, 200, o);
    } else if (rest == 1 && strcmp(name, "groups") == 0 && strcmp(c->method, "POST") == 0) {
        create_group(c, t, r);
    } else if (rest == 1) {
        hs_prop *p = hs_prop_find(t, name);
        if (p == NULL) {
            snprintf(msg, sizeof(msg), "Unable to find property %.200s for object type %s", name,
                     hs_obj_type_id(c->obj));
            hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", msg);
        } else if (is_get) {
            hs_resp_json(r, 200, hs_prop_json(p));
        } else if (strcmp(c->method, "PATCH") == 0) {
            update_property(c, t, p, r);
        } else if (strcmp(c->method, "DELETE") == 0) {
            archive_property(c, t, p, r);
        } else {
            hs_resp_error(r, c->sim, 405, "VALIDATION_ERROR", "Method not allowed");
        }
    } else {
        hs_resp_error(r, c->sim, 404, "OBJECT_NOT_FOUND", "Resource not found");
    }
    pthread_rwlock_unlock(&s->lock);
}
