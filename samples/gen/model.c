/*
 * model.c -- one customer, prospect, item or sales document from (seed, index).
 *
 * The first customers are fixed: Fabrikam's own (names and IDs from
 * gp-schema.md section 4; where the source gives only an ID, the name is ours,
 * chosen to produce that ID), then the hard cases a DBA meets in real GP data.
 * The rest are combined from the word lists in words.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"

#define DAY_MS 86400000LL

enum {
    FC_EMAIL_EMPTY = 1u << 0,      /* every address has an empty email */
    FC_EMAIL_NOAT = 1u << 1,       /* the second address's email has no @ */
    FC_EMAIL_SPACE = 1u << 2,      /* the primary email contains a space */
    FC_EMAIL_SHARED = 1u << 3,     /* PRIMARY and BILL TO share one email */
    FC_ADDR_SEMICOLON = 1u << 4,   /* ADDRESS2 holds a semicolon */
    FC_AARON = 1u << 5             /* Aaron Fitz Electrical's published address */
};

typedef struct fixed_customer {
    const char *name;
    int naddr;          /* 0 = chosen by the generator */
    unsigned flags;
} fixed_customer;

static const fixed_customer fixed_customers[] = {
    /* Fabrikam (TWO) customer IDs used by SalesPad QA (gp-schema.md 4). Names
     * marked "src" are in the source; the others are ours, fitting the ID. */
    { "Aaron Fitz Electrical", 2, FC_AARON },     /* src, AARONFIT0001 */
    { "Northern Lighting Supply", 0, 0 },         /* NORTHERN0001 */
    { "Greenway Landscaping", 0, 0 },             /* GREENWAY0001 */
    { "Atmore Retirement Center", 0, 0 },         /* ATMORERE0001 */
    { "Blue Yonder Airlines", 4, 0 },             /* src, BLUEYOND0001 */
    { "Westside Cycle", 0, 0 },                   /* WESTSIDE0001 */
    { "North Colony Builders", 0, 0 },            /* NORTHCOL0001 */
    { "Contoso, Ltd.", 3, 0 },                    /* CONTOSOL0001 */
    { "Home Furnishings Limited", 0, 0 },         /* HOMEFURN0001 */
    { "Cellular Express", 0, 0 },                 /* CELLULAR0001 */
    { "Franchise Distribution", 0, 0 },           /* FRANCHIS0001 */
    { "Astor Suites", 0, 0 },                     /* src, ASTORSUI0001 */
    { "Adam Park Resort", 0, 0 },                 /* ADAMPARK0001 */
    { "Networks Unlimited", 0, 0 },               /* NETWORKS0001 */
    { "Coho Winery", 0, 0 },                      /* COHOWINE0001 */
    { "Unified Web Services", 0, 0 },             /* UNIFIEDW0001 */
    { "Margie's Travel", 0, 0 },                  /* MARGIEST0001 */
    { "Direct Marketing Associates", 0, 0 },      /* DIRECTMA0001 */
    { "Mid-City Hospital", 0, 0 },                /* MIDCITYH0001 */
    { "Laser Messenger Service", 0, 0 },          /* LASERMES0001 */
    /* Other Fabrikam names in the source. */
    { "Central Communications", 0, 0 },
    { "Magnificent Office Images", 0, 0 },
    { "Breakthrough Telemarketing", 0, 0 },
    { "Lawrence Telemarketing", 0, 0 },
    { "Vancouver Resort Hotels", 0, 0 },
    { "Mahler State University", 0, 0 },
    { "Plaza One", 0, 0 },
    /* The hard cases. */
    { "O'Brien's \"Best\" Supply", 2, 0 },                 /* apostrophe and quotes */
    { "Dupont; Fils et Cie", 2, FC_ADDR_SEMICOLON },       /* semicolons */
    { "M\xc3\xbcller & S\xc3\xb6hne GmbH", 2, 0 },         /* Müller & Söhne GmbH */
    { "Caf\xc3\xa9 No\xc3\xabl", 2, FC_EMAIL_NOAT },       /* Café Noël; invalid email */
    { GEN_LONG_NAME, 1, 0 },                               /* the full CHAR(65) width */
    { "Northwind Traders", 2, 0 },                         /* two customers, one name */
    { "Northwind Traders", 1, 0 },
    { "Lakeshore Tile Works", 3, FC_EMAIL_SHARED },        /* two addresses, one email */
    { "Quiet Harbor Marina", 2, FC_EMAIL_EMPTY },          /* no email at all */
    { "Prairie Sky Bakery", 1, FC_EMAIL_SPACE },           /* an email with a space */
    { "100% Pure_Water Co.", 1, 0 },                       /* LIKE wildcards */
};

#define NFIXED (sizeof(fixed_customers) / sizeof(fixed_customers[0]))

size_t gen_fixed_customer_count(void)
{
    return NFIXED;
}

const char *gen_fixed_customer_name(size_t i)
{
    return i < NFIXED ? fixed_customers[i].name : NULL;
}

/* ---- helpers ---------------------------------------------------------- */

/* Copy src into dst (size n) keeping at most maxchars UTF-8 characters. */
static void copy_chars(char *dst, size_t n, const char *src, size_t maxchars)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t bytes = 0, chars = 0;

    while (p[bytes]) {
        size_t len = 1;
        if ((p[bytes] & 0xE0) == 0xC0)
            len = 2;
        else if ((p[bytes] & 0xF0) == 0xE0)
            len = 3;
        else if ((p[bytes] & 0xF8) == 0xF0)
            len = 4;
        if (chars == maxchars || bytes + len + 1 > n)
            break;
        bytes += len;
        chars++;
    }
    memcpy(dst, src, bytes);
    dst[bytes] = '\0';
    /* a name cut right after a space would end in one: GP trims those */
    while (bytes > 0 && dst[bytes - 1] == ' ')
        dst[--bytes] = '\0';
}

#define SET(dst, src, width) copy_chars((dst), sizeof(dst), (src), (width))

static const char *pick(gen_rng *r, const char *const *(*list)(size_t *))
{
    size_t n;
    const char *const *words = list(&n);
    return gen_rng_pick(r, words, n);
}

static double cents(double v)
{
    return round(v * 100.0) / 100.0;
}

/* GP's phone text: 10 digits and a 4-digit extension, "31255501020000". */
static void make_phone(gen_rng *r, const char *area, char *out, size_t n)
{
    unsigned ext = gen_rng_permille(r, 100) ? 100 + gen_rng_below(r, 900) : 0;
    snprintf(out, n, "%s55501%02u%04u", area, gen_rng_below(r, 100), ext);
}

static gen_dates make_dates(gen_rng *r, int64_t as_of, int64_t not_before)
{
    gen_dates d;
    int64_t age;

    d.created = not_before >= 0 ? not_before + gen_rng_below(r, 5) * DAY_MS
                                : as_of - (int64_t)gen_rng_below(r, 5 * 365 + 1) * DAY_MS;
    if (d.created > as_of)
        d.created = as_of;
    age = (as_of - d.created) / DAY_MS;
    if (gen_rng_permille(r, 100)) /* one in ten changed in the last month */
        d.modified = as_of - gen_rng_range(r, 0, age < 30 ? age : 30) * DAY_MS;
    else
        d.modified = d.created + gen_rng_range(r, 0, age) * DAY_MS;
    d.dex_ts = d.modified + gen_rng_range(r, 0, DAY_MS - 1);
    return d;
}

static void company_name(gen_rng *r, char *out, size_t n)
{
    const char *suffix = pick(r, gen_words_suffixes);
    const char *sp = *suffix ? " " : "";
    char buf[256];

    switch (gen_rng_below(r, 6)) {
    case 0:
    case 1:
        snprintf(buf, sizeof(buf), "%s %s%s%s", pick(r, gen_words_surnames),
                 pick(r, gen_words_trades), sp, suffix);
        break;
    case 2:
    case 3:
        snprintf(buf, sizeof(buf), "%s %s%s%s", pick(r, gen_words_places),
                 pick(r, gen_words_trades), sp, suffix);
        break;
    case 4: {
        const char *a = pick(r, gen_words_surnames);
        const char *b = pick(r, gen_words_surnames);
        snprintf(buf, sizeof(buf), "%s & %s %s", a, b, *suffix ? suffix : "Associates");
        break;
    }
    default:
    {
        const char *who = pick(r, gen_words_surnames);
        size_t len = strlen(who);
        /* Brooks' Cycle, Baker's Bakery */
        snprintf(buf, sizeof(buf), "%s%s %s", who, len && who[len - 1] == 's' ? "'" : "'s",
                 pick(r, gen_words_trades));
    }
        break;
    }
    copy_chars(out, n, buf, 65);
}

static void person(gen_rng *r, char *first, size_t nf, char *last, size_t nl)
{
    copy_chars(first, nf, pick(r, gen_words_first_names), 30);
    copy_chars(last, nl, pick(r, gen_words_last_names), 30);
}

/* An email for first/last at the company's domain; lower case ASCII. */
static void make_email(gen_rng *r, const char *company, const char *first, const char *last,
                       char *out, size_t n)
{
    static const char *const roles[] = { "sales", "orders", "ap", "purchasing", "info",
                                         "accounts.payable", "office" };
    char domain[32], f[32], l[32];

    gen_slug(company, domain, 25);
    gen_slug(first, f, sizeof(f));
    gen_slug(last, l, sizeof(l));
    switch (gen_rng_below(r, 8)) {
    case 0:
    case 1:
    case 2:
        snprintf(out, n, "%s.%s@%s.example.com", f, l, domain);
        break;
    case 3:
    case 4:
        snprintf(out, n, "%c%s@%s.example.com", f[0], l, domain);
        break;
    case 5:
        snprintf(out, n, "%s@%s.example.com", f, domain);
        break;
    default:
        snprintf(out, n, "%s@%s.example.com", roles[gen_rng_below(r, 7)], domain);
        break;
    }
}

static void street_line(gen_rng *r, char *out, size_t n)
{
    const char *dir = pick(r, gen_words_street_dirs);
    snprintf(out, n, "%u %s%s%s %s", 100 + gen_rng_below(r, 19900), dir, *dir ? " " : "",
             pick(r, gen_words_streets), pick(r, gen_words_street_kinds));
}

static const char *const addr_codes[GEN_MAX_ADDR] = { "PRIMARY", "BILL TO", "SHIP TO", "WAREHOUSE" };
static const char *const fourth_codes[] = { "WAREHOUSE", "WAREHOUSE", "SHIP TO 2", "RECEIVING" };

static void make_address(gen_rng *r, const gen_customer *c, int k, const gen_city *home,
                         gen_address *a)
{
    size_t ncity;
    const gen_city *cities = gen_words_cities(&ncity);
    const gen_city *city = home;
    char first[64], last[64], buf[256];

    memset(a, 0, sizeof(*a));
    SET(a->code, k == 3 ? fourth_codes[gen_rng_below(r, 4)] : addr_codes[k], 15);
    if (k > 0 && gen_rng_permille(r, 300))
        city = &cities[gen_rng_below(r, (uint32_t)ncity)];
    person(r, first, sizeof(first), last, sizeof(last));
    snprintf(buf, sizeof(buf), "%s %s", first, last);
    SET(a->contact, buf, 61);
    street_line(r, buf, sizeof(buf));
    SET(a->addr1, buf, 61);
    switch (gen_rng_below(r, 12)) {
    case 0:
    case 1:
        snprintf(buf, sizeof(buf), "Suite %u", 100 + gen_rng_below(r, 900));
        break;
    case 2:
        snprintf(buf, sizeof(buf), "Floor %u", 2 + gen_rng_below(r, 30));
        break;
    case 3:
        snprintf(buf, sizeof(buf), "PO Box %u", 1000 + gen_rng_below(r, 9000));
        break;
    default:
        buf[0] = '\0';
        break;
    }
    SET(a->addr2, buf, 61);
    if (gen_rng_permille(r, 30))
        SET(a->addr3, k == 3 ? "Attn: Receiving Dock" : "Attn: Accounts Payable", 61);
    SET(a->city, city->city, 35);
    SET(a->state, city->state, 29);
    if (gen_rng_permille(r, 300))
        snprintf(a->zip, sizeof(a->zip), "%s-%04u", city->zip, gen_rng_below(r, 10000));
    else
        snprintf(a->zip, sizeof(a->zip), "%s", city->zip);
    SET(a->country, "USA", 61);
    SET(a->ccode, "US", 7);
    make_phone(r, city->area, a->phone1, sizeof(a->phone1));
    if (gen_rng_permille(r, 300))
        make_phone(r, city->area, a->phone2, sizeof(a->phone2));
    if (gen_rng_permille(r, 400))
        make_phone(r, city->area, a->fax, sizeof(a->fax));
    if (k >= 2)
        SET(a->ship_to_name, c->name, 65);
    make_email(r, c->name, first, last, buf, sizeof(buf));
    if (gen_rng_permille(r, 30))
        buf[0] = '\0';                           /* no email on file */
    else if (gen_rng_permille(r, 3))
        snprintf(buf, sizeof(buf), "%s at %s", first, c->name); /* typed by hand */
    SET(a->email, buf, 201);
    SET(a->slprsnid, c->slprsnid, 15);
    SET(a->salsterr, c->salsterr, 15);
    SET(a->shipmthd, c->shipmthd, 15);
    SET(a->locncode, "WAREHOUSE", 11);
}

/* ---- customers -------------------------------------------------------- */

void gen_customer_make(const gen_config *cfg, uint64_t index, gen_ids *ids, gen_customer *c)
{
    gen_rng r;
    const fixed_customer *fx = index < NFIXED ? &fixed_customers[index] : NULL;
    size_t ncity;
    const gen_city *cities = gen_words_cities(&ncity);
    const gen_city *home;
    char buf[256];
    static const double limits[] = { 1000, 2500, 5000, 10000, 25000, 50000, 100000 };
    static const char *const comments[] = { "Prefers email invoices", "Call before delivery",
                                            "Tax exempt certificate on file", "Net terms approved",
                                            "Dock closes at 3 PM" };

    memset(c, 0, sizeof(*c));
    gen_rng_init(&r, cfg->seed, GEN_S_CUSTOMER, index);
    c->index = index;
    if (fx)
        SET(c->name, fx->name, 65);
    else
        company_name(&r, c->name, sizeof(c->name));
    gen_ids_next(ids, c->name, c->custnmbr);
    SET(c->short_name, c->name, 15);
    SET(c->stmt_name, c->name, 65);
    SET(c->custclas, pick(&r, gen_words_classes), 15);
    SET(c->prclevel, pick(&r, gen_words_price_levels), 11);
    SET(c->pymtrmid, pick(&r, gen_words_pay_terms), 21);
    SET(c->shipmthd, pick(&r, gen_words_ship_methods), 15);
    SET(c->slprsnid, pick(&r, gen_words_salespeople), 15);
    SET(c->salsterr, pick(&r, gen_words_territories), 15);
    SET(c->curncyid, GEN_CURRENCY, 15);
    if (gen_rng_permille(&r, 50))
        SET(c->comment1, comments[gen_rng_below(&r, 5)], 31);
    c->crlmttyp = gen_rng_permille(&r, 100) ? 0 : gen_rng_permille(&r, 220) ? 1 : 2;
    c->crlmtamt = c->crlmttyp == 2 ? limits[gen_rng_below(&r, 7)] : 0.0;
    c->inactive = !fx && gen_rng_permille(&r, 20);
    c->hold = !fx && gen_rng_permille(&r, 10);
    c->dates = make_dates(&r, cfg->as_of, -1);

    if (fx && fx->naddr > 0) {
        c->naddr = fx->naddr;
    } else {
        uint32_t p = gen_rng_below(&r, 10);     /* 20% 1, 30% 2, 30% 3, 20% 4: mean 2.5 */
        c->naddr = p < 2 ? 1 : p < 5 ? 2 : p < 8 ? 3 : 4;
    }
    home = &cities[gen_rng_below(&r, (uint32_t)ncity)];
    for (int k = 0; k < c->naddr; k++) {
        gen_address *a = &c->addr[k];
        make_address(&r, c, k, home, a);
        int64_t age = (cfg->as_of - c->dates.created) / DAY_MS;
        /* the primary address is made with the customer, others later */
        int64_t nb = c->dates.created +
                     (k == 0 || gen_rng_permille(&r, 600) ? 0 : gen_rng_range(&r, 0, age)) * DAY_MS;
        a->dates = make_dates(&r, cfg->as_of, nb);
    }
    /* Fairly often the accounts person is the same at both addresses. */
    if (c->naddr > 1 && gen_rng_permille(&r, 50) && c->addr[0].email[0])
        memcpy(c->addr[1].email, c->addr[0].email, sizeof(c->addr[1].email));

    if (fx && (fx->flags & FC_AARON)) {
        gen_address *a = &c->addr[0];
        SET(a->addr1, "11403 45 St. South", 61);
        SET(a->addr2, "Suite 405", 61);
        a->addr3[0] = '\0';
        SET(a->city, "Chicago", 35);
        SET(a->state, "IL", 29);
        SET(a->zip, "60603-0776", 11);
        SET(a->phone1, "31255501020000", 21);
    }
    if (fx && (fx->flags & FC_ADDR_SEMICOLON))
        SET(c->addr[0].addr2, "Bldg 4; Dock 2; Door B", 61);
    if (fx && (fx->flags & FC_EMAIL_EMPTY))
        for (int k = 0; k < c->naddr; k++)
            c->addr[k].email[0] = '\0';
    if (fx && (fx->flags & FC_EMAIL_NOAT) && c->naddr > 1) {
        gen_slug(c->addr[1].contact, buf, 40);
        snprintf(c->addr[1].email, sizeof(c->addr[1].email), "%s.cafenoel.example.com", buf);
    }
    if (fx && (fx->flags & FC_EMAIL_SPACE))
        SET(c->addr[0].email, "bill smith@prairiesky.example.com", 201);
    if (fx && (fx->flags & FC_EMAIL_SHARED) && c->naddr > 1) {
        SET(c->addr[0].email, "orders@lakeshoretile.example.com", 201);
        SET(c->addr[1].email, "orders@lakeshoretile.example.com", 201);
    }

    SET(c->prbtadcd, c->naddr > 1 ? c->addr[1].code : c->addr[0].code, 15);
    SET(c->prstadcd, c->naddr > 2 ? c->addr[2].code : c->addr[0].code, 15);
    SET(c->staddrcd, c->prbtadcd, 15);
    /* GP's RM00102 triggers stamp the customer whenever an address changes. */
    for (int k = 0; k < c->naddr; k++)
        if (c->addr[k].dates.dex_ts > c->dates.dex_ts)
            c->dates.dex_ts = c->addr[k].dates.dex_ts;
}

/* ---- prospects -------------------------------------------------------- */

typedef struct fixed_prospect {
    const char *name;
    const char *contact_first, *contact_last;
    int ncontacts;
    int bad_second_email;   /* 1 empty, 2 with a space */
} fixed_prospect;

static const fixed_prospect fixed_prospects[] = {
    { "O'Malley & Daughters Ltd.", "Siobh\xc3\xa1n", "O'Malley", 2, 1 },
    { "Zo\xc3\xab's Caf\xc3\xa9; Bistro", "Zo\xc3\xab", "Dubois", 2, 2 },
    { "Aaron Fitz Electrical", "Aaron", "Fitz", 1, 0 },  /* also a customer's name */
};
#define NFIXED_PROSPECTS (sizeof(fixed_prospects) / sizeof(fixed_prospects[0]))

void gen_prospect_make(const gen_config *cfg, uint64_t index, gen_ids *ids, gen_prospect *p)
{
    static const char *const titles[] = { "Owner", "Purchasing Manager", "Office Manager", "CFO",
                                          "Operations Director", "IT Manager", "Buyer" };
    const fixed_prospect *fx = index < NFIXED_PROSPECTS ? &fixed_prospects[index] : NULL;
    size_t ncity;
    const gen_city *cities = gen_words_cities(&ncity);
    const gen_city *city;
    gen_rng r;
    char buf[256];

    memset(p, 0, sizeof(*p));
    gen_rng_init(&r, cfg->seed, GEN_S_PROSPECT, index);
    p->index = index;
    if (fx)
        SET(p->name, fx->name, 65);
    else
        company_name(&r, p->name, sizeof(p->name));
    gen_ids_next(ids, p->name, p->prospid);
    city = &cities[gen_rng_below(&r, (uint32_t)ncity)];
    street_line(&r, buf, sizeof(buf));
    SET(p->addr1, buf, 61);
    if (gen_rng_permille(&r, 150)) {
        snprintf(buf, sizeof(buf), "Suite %u", 100 + gen_rng_below(&r, 900));
        SET(p->addr2, buf, 61);
    }
    SET(p->city, city->city, 35);
    SET(p->state, city->state, 29);
    SET(p->zip, city->zip, 11);
    SET(p->country, "USA", 61);
    make_phone(&r, city->area, p->phone1, sizeof(p->phone1));
    if (gen_rng_permille(&r, 300))
        make_phone(&r, city->area, p->fax, sizeof(p->fax));
    SET(p->custclas, pick(&r, gen_words_classes), 15);
    SET(p->slprsnid, pick(&r, gen_words_salespeople), 15);
    SET(p->salsterr, pick(&r, gen_words_territories), 15);
    SET(p->shipmthd, pick(&r, gen_words_ship_methods), 15);
    SET(p->pymtrmid, pick(&r, gen_words_pay_terms), 21);
    SET(p->prclevel, pick(&r, gen_words_price_levels), 11);
    p->dates = make_dates(&r, cfg->as_of, -1);

    p->ncontacts = fx ? fx->ncontacts : 1 + (int)gen_rng_below(&r, GEN_MAX_CONTACTS);
    for (int k = 0; k < p->ncontacts; k++) {
        gen_contact *ct = &p->contacts[k];
        ct->seq = k + 1;
        ct->is_primary = k == 0;
        person(&r, ct->first, sizeof(ct->first), ct->last, sizeof(ct->last));
        if (fx && k == 0) {
            SET(ct->first, fx->contact_first, 30);
            SET(ct->last, fx->contact_last, 30);
        }
        SET(ct->title, titles[gen_rng_below(&r, 7)], 30);
        make_email(&r, p->name, ct->first, ct->last, buf, sizeof(buf));
        if (!fx && gen_rng_permille(&r, 30))
            buf[0] = '\0';
        if (fx && k == 1 && fx->bad_second_email == 1)
            buf[0] = '\0';
        if (fx && k == 1 && fx->bad_second_email == 2)
            snprintf(buf, sizeof(buf), "zoe dubois@zoescafe.example.com");
        SET(ct->email, buf, 201);
        make_phone(&r, city->area, ct->phone, sizeof(ct->phone));
    }
    snprintf(buf, sizeof(buf), "%s %s", p->contacts[0].first, p->contacts[0].last);
    SET(p->contact, buf, 61);
}

/* ---- items ------------------------------------------------------------ */

void gen_item_make(const gen_config *cfg, uint64_t index, gen_item *it)
{
    static const char *const grades[] = { "Standard", "Deluxe", "Compact", "Heavy-duty",
                                          "Premium", "Basic", "Pro", "Economy" };
    static const char *const colors[] = { "Black", "Gray", "White", "Silver", "Beige" };
    size_t nfixed, nclass;
    const gen_fixed_item *fixed = gen_fixed_items(&nfixed);
    const gen_item_class *classes = gen_words_item_classes(&nclass);
    gen_rng r;
    char buf[256];

    memset(it, 0, sizeof(*it));
    gen_rng_init(&r, cfg->seed, GEN_S_ITEM, index);
    it->index = index;
    SET(it->uofm_sched, "EACH", 10);
    if (index < nfixed) {
        const gen_fixed_item *f = &fixed[index];
        SET(it->number, f->number, 31);
        SET(it->desc, f->desc, 101);
        SET(it->class_code, f->class_code, 10);
        it->itemtype = f->itemtype;
        it->list_price = f->price;
    } else {
        const gen_item_class *k = &classes[gen_rng_below(&r, (uint32_t)nclass)];
        uint32_t sub = gen_rng_below(&r, 6);
        snprintf(buf, sizeof(buf), "%s-%s-%04llu", k->prefix, k->subs[sub],
                 (unsigned long long)(index + 1));
        SET(it->number, buf, 31);
        if (strcmp(k->class_code, "SERVICES") == 0 || strcmp(k->class_code, "SOFTWARE") == 0)
            snprintf(buf, sizeof(buf), "%s %s", grades[gen_rng_below(&r, 8)], k->nouns[sub]);
        else
            snprintf(buf, sizeof(buf), "%s %s, %s", grades[gen_rng_below(&r, 8)], k->nouns[sub],
                     colors[gen_rng_below(&r, 5)]);
        SET(it->desc, buf, 101);
        SET(it->class_code, k->class_code, 10);
        it->itemtype = strcmp(k->class_code, "SERVICES") == 0 ? 5
                       : gen_rng_permille(&r, 30)             ? 2
                                                              : 1;
        it->list_price = k->min_price + (k->max_price - k->min_price) *
                                            (double)gen_rng_below(&r, 10000) / 10000.0;
        it->list_price = floor(it->list_price) + (gen_rng_permille(&r, 500) ? 0.99 : 0.95);
        it->inactive = gen_rng_permille(&r, 20);
    }
    SET(it->short_desc, it->desc, 15);
    it->cur_cost = cents(it->list_price * (0.45 + 0.3 * (double)gen_rng_below(&r, 1000) / 1000.0));
    it->std_cost = cents(it->cur_cost * (0.95 + 0.1 * (double)gen_rng_below(&r, 1000) / 1000.0));
    it->dates = make_dates(&r, cfg->as_of, -1);
}

/* ---- sales documents -------------------------------------------------- */

void gen_document_make(const gen_config *cfg, uint64_t index, const gen_customer *pool,
                       size_t npool, gen_document *d)
{
    const gen_customer *c;
    const gen_address *ship;
    gen_rng r;
    int64_t age, span;
    uint32_t qi;

    memset(d, 0, sizeof(*d));
    gen_rng_init(&r, cfg->seed, GEN_S_DOCUMENT, index);
    d->index = index;
    c = index == 0 ? &pool[0] : &pool[gen_rng_below(&r, (uint32_t)npool)];
    d->soptype = index == 0 ? 2 : gen_rng_permille(&r, 650) ? 2 : 3;
    if (d->soptype == 2) {
        snprintf(d->sopnumbe, sizeof(d->sopnumbe), "ORDST%04llu", (unsigned long long)(index + 1000));
        SET(d->docid, "STDORD", 15);
    } else {
        snprintf(d->sopnumbe, sizeof(d->sopnumbe), "STDINV%04llu", (unsigned long long)(index + 1000));
        SET(d->docid, "STDINV", 15);
    }
    qi = index == 0 ? 0 : gen_rng_below(&r, (uint32_t)cfg->nqueues);
    SET(d->bachnumb, cfg->queues[qi], 15);
    SET(d->custnmbr, c->custnmbr, 15);
    SET(d->custname, c->name, 65);
    SET(d->prstadcd, c->prstadcd, 15);
    SET(d->prbtadcd, c->prbtadcd, 15);
    ship = &c->addr[0];
    for (int k = 0; k < c->naddr; k++)
        if (strcmp(c->addr[k].code, c->prstadcd) == 0)
            ship = &c->addr[k];
    SET(d->ship_to_name, c->name, 65);
    SET(d->addr1, ship->addr1, 61);
    SET(d->city, ship->city, 35);
    SET(d->state, ship->state, 29);
    SET(d->zip, ship->zip, 11);
    SET(d->country, ship->country, 61);
    SET(d->phone1, ship->phone1, 21);
    if (gen_rng_permille(&r, 600))
        snprintf(d->cstponbr, sizeof(d->cstponbr), "PO-%05u", gen_rng_below(&r, 100000));
    SET(d->slprsnid, c->slprsnid, 15);
    SET(d->salsterr, c->salsterr, 15);
    SET(d->shipmthd, c->shipmthd, 15);
    SET(d->pymtrmid, c->pymtrmid, 21);
    SET(d->locncode, "WAREHOUSE", 11);
    SET(d->curncyid, GEN_CURRENCY, 15);

    age = (cfg->as_of - c->dates.created) / DAY_MS;
    span = age < 365 ? age : 365;
    d->docdate = cfg->as_of - gen_rng_range(&r, 0, span) * DAY_MS;
    d->dates.created = d->docdate;
    d->dates.modified = d->docdate + gen_rng_range(&r, 0, (cfg->as_of - d->docdate) / DAY_MS > 7
                                                              ? 7
                                                              : (cfg->as_of - d->docdate) / DAY_MS) *
                                         DAY_MS;
    d->dates.dex_ts = d->dates.modified + gen_rng_range(&r, 0, DAY_MS - 1);

    d->nlines = index == 0 ? 2 : 1 + (int)gen_rng_below(&r, GEN_MAX_LINES);
    for (int k = 0; k < d->nlines; k++) {
        gen_line *ln = &d->lines[k];
        int missing = cfg->items == 0 || (index == 0 ? k == 1 : gen_rng_permille(&r, 15));
        ln->lnitmseq = (uint32_t)(k + 1) * GEN_LINE_STEP;
        ln->quantity = index == 0 && k == 0 ? 1 : 1 + gen_rng_below(&r, 20);
        if (missing) {
            char num[32];
            snprintf(num, sizeof(num), GEN_MISSING_ITEM_PREFIX "%04u", 1 + gen_rng_below(&r, 50));
            SET(ln->item, num, 31);
            SET(ln->desc, "Discontinued item (no longer in item master)", 101);
            ln->unit_price = 5.0 + gen_rng_below(&r, 20000) / 100.0;
            ln->unit_cost = cents(ln->unit_price * 0.6);
            ln->missing_item = 1;
        } else {
            gen_item it;
            gen_item_make(cfg, index == 0 ? 0 : gen_rng_below(&r, (uint32_t)cfg->items), &it);
            SET(ln->item, it.number, 31);
            SET(ln->desc, it.desc, 101);
            ln->unit_price = it.list_price;
            if (gen_rng_permille(&r, 100))
                ln->unit_price = cents(ln->unit_price * 0.9);
            ln->unit_cost = it.cur_cost;
        }
        ln->ext_price = cents(ln->quantity * ln->unit_price);
        d->subtotal = cents(d->subtotal + ln->ext_price);
    }
    d->freight = gen_rng_permille(&r, 400) ? 0.0 : cents(5.0 + gen_rng_below(&r, 14500) / 100.0);
    d->tax = gen_rng_permille(&r, 300) ? 0.0 : cents(d->subtotal * 0.07);
    d->total = cents(d->subtotal + d->freight + d->tax);
}
