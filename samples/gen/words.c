/*
 * words.c -- the word lists the sample company is built from.
 *
 * Everything here is invented for the sample except where a comment names
 * the source (gp-schema.md section 4: Fabrikam customer IDs and names, item
 * numbers, the Aaron Fitz Electrical address). Places are real US cities with
 * a ZIP code and area code of that city; phone numbers use the 555-01xx range
 * that is reserved for fiction; email domains end in .example.com (RFC 2606).
 */
#include "gen.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- company names --------------------------------------------------- */

static const char *const surnames[] = {
    "Abbott", "Alvarez", "Anderson", "Baker", "Barrett", "Becker", "Bishop", "Brennan",
    "Brooks", "Calloway", "Carver", "Chandler", "Chen", "Collins", "Crawford", "Delgado",
    "Dawson", "Donovan", "Ellison", "Ferguson", "Fischer", "Fleming", "Foster", "Garland",
    "Gibson", "Gonzales", "Hallett", "Harper", "Hawkins", "Hendricks", "Holloway", "Jansen",
    "Jennings", "Kaplan", "Keller", "Kowalski", "Lambert", "Larsen", "Lindqvist", "Maddox",
    "Marsh", "McAllister", "Mendoza", "Morrison", "Nakamura", "Novak", "Olsen", "Patel",
    "Pearson", "Prescott", "Quinlan", "Ramirez", "Reyes", "Rhodes", "Russo", "Sandoval",
    "Schaefer", "Sheridan", "Sinclair", "Stanton", "Sullivan", "Tanaka", "Thornton", "Vance",
    "Vasquez", "Wagner", "Walsh", "Whitaker", "Winslow", "Yamada", "Zimmerman", "Okafor",
};

static const char *const places[] = {
    "Northwind", "Lakeside", "Riverbend", "Summit", "Prairie", "Harbor", "Cedar", "Granite",
    "Redwood", "Bluewater", "Ironwood", "Silverline", "Pinecrest", "Eastgate", "Westfield",
    "Northgate", "Southport", "Midland", "Heartland", "Frontier", "Keystone", "Pioneer",
    "Liberty", "Sunrise", "Clearwater", "Highland", "Meadowbrook", "Oakridge", "Stonebridge",
    "Valley", "Coastal", "Capitol", "Metro", "Tri-State", "Great Plains", "Red River",
    "Lone Star", "Bay Area", "Twin Cities", "Gulf Coast", "Mountain View", "Canyon",
};

static const char *const trades[] = {
    "Electrical", "Electric Supply", "Plumbing", "Office Supply", "Office Products",
    "Hardware", "Lighting", "Telecom", "Communications", "Networks", "Data Systems",
    "Medical Supply", "Dental Group", "Veterinary Clinic", "Auto Parts", "Tire & Service",
    "Construction", "Builders", "Roofing", "Landscaping", "Flooring", "Cabinets",
    "Furniture", "Interiors", "Printing", "Graphics", "Marketing", "Consulting",
    "Engineering", "Logistics", "Freight", "Distributors", "Wholesale", "Trading",
    "Foods", "Bakery", "Catering", "Coffee Roasters", "Brewing", "Winery", "Resort Hotels",
    "Suites", "Travel", "Airlines", "Sporting Goods", "Cycle", "Outfitters", "Pharmacy",
    "Laboratories", "Instruments", "Security", "Alarm", "HVAC", "Heating & Cooling",
    "Machine Works", "Tool & Die", "Fabrication", "Packaging", "Paper", "Janitorial",
    "Realty", "Property Management", "Insurance", "Accounting", "Law Offices", "Academy",
    "School District", "University", "Library", "Hospital", "Clinic",
};

static const char *const suffixes[] = {
    "", "", "", "", "Inc.", "Inc.", "LLC", "LLC", "Co.", "Corporation", "Ltd.", "Group",
    "Partners", "Associates", "& Sons", "Company",
};

/* ---- people -------------------------------------------------------- */

static const char *const first_names[] = {
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
    "Mark", "Sandra", "Paul", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Kenneth",
    "Donna", "Joshua", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa",
    "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Edward", "Laura",
    "Jeffrey", "Sharon", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy", "Nicholas",
    "Angela", "Eric", "Shirley", "Jonathan", "Anna", "Priya", "Wei", "Sofia", "Mateo",
    "Aisha", "Hiroshi", "Ingrid", "Olga", "Tomasz", "Fatima", "Lars", "Mei",
};

static const char *const last_names[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kim", "Park", "Singh",
    "Cohen", "Murphy", "Kelly", "Larsen", "Schmidt", "Novak", "Ivanova", "Okonkwo", "Haddad",
    "O'Neil", "McDonald", "Van der Berg", "St. Clair",
};

/* ---- addresses -------------------------------------------------------- */

static const char *const streets[] = {
    "Main", "Oak", "Maple", "Cedar", "Elm", "Pine", "Washington", "Lake", "Hill", "Park",
    "Lincoln", "Jefferson", "Madison", "Franklin", "Jackson", "Market", "Broadway", "Center",
    "Church", "River", "Spring", "Highland", "Sunset", "Meadow", "Industrial", "Commerce",
    "Enterprise", "Harbor", "Airport", "College", "Prairie", "Division", "Grand", "Union",
    "45th", "12th", "3rd", "1st", "8th", "21st", "Fairview", "Ridge", "Valley", "Willow",
};

static const char *const street_kinds[] = {
    "St.", "Street", "Ave.", "Avenue", "Blvd.", "Road", "Rd.", "Drive", "Dr.", "Lane",
    "Way", "Pkwy", "Court", "Place",
};

static const char *const street_dirs[] = { "", "", "", "", "", "N.", "S.", "E.", "W.", "South" };

static const gen_city cities[] = {
    { "Fargo", "ND", "58102", "701" },          { "Chicago", "IL", "60603", "312" },
    { "New York", "NY", "10001", "212" },       { "Los Angeles", "CA", "90012", "213" },
    { "Houston", "TX", "77002", "713" },        { "Phoenix", "AZ", "85004", "602" },
    { "Philadelphia", "PA", "19103", "215" },   { "San Antonio", "TX", "78205", "210" },
    { "San Diego", "CA", "92101", "619" },      { "Dallas", "TX", "75201", "214" },
    { "Seattle", "WA", "98101", "206" },        { "Denver", "CO", "80202", "303" },
    { "Boston", "MA", "02108", "617" },         { "Atlanta", "GA", "30303", "404" },
    { "Miami", "FL", "33130", "305" },          { "Minneapolis", "MN", "55401", "612" },
    { "Detroit", "MI", "48226", "313" },        { "Portland", "OR", "97204", "503" },
    { "Milwaukee", "WI", "53202", "414" },      { "Kansas City", "MO", "64105", "816" },
    { "St. Louis", "MO", "63101", "314" },      { "Nashville", "TN", "37203", "615" },
    { "Salt Lake City", "UT", "84111", "801" }, { "Las Vegas", "NV", "89101", "702" },
    { "Columbus", "OH", "43215", "614" },       { "Cleveland", "OH", "44113", "216" },
    { "Indianapolis", "IN", "46204", "317" },   { "Charlotte", "NC", "28202", "704" },
    { "Raleigh", "NC", "27601", "919" },        { "Richmond", "VA", "23219", "804" },
    { "Baltimore", "MD", "21202", "410" },      { "Pittsburgh", "PA", "15222", "412" },
    { "Omaha", "NE", "68102", "402" },          { "Des Moines", "IA", "50309", "515" },
    { "Sioux Falls", "SD", "57104", "605" },    { "Bismarck", "ND", "58501", "701" },
    { "Boise", "ID", "83702", "208" },          { "Albuquerque", "NM", "87102", "505" },
    { "Tucson", "AZ", "85701", "520" },         { "Sacramento", "CA", "95814", "916" },
    { "San Francisco", "CA", "94105", "415" },  { "Oklahoma City", "OK", "73102", "405" },
    { "Tulsa", "OK", "74103", "918" },          { "Little Rock", "AR", "72201", "501" },
    { "New Orleans", "LA", "70112", "504" },    { "Birmingham", "AL", "35203", "205" },
    { "Jacksonville", "FL", "32202", "904" },   { "Tampa", "FL", "33602", "813" },
    { "Orlando", "FL", "32801", "407" },        { "Louisville", "KY", "40202", "502" },
    { "Cincinnati", "OH", "45202", "513" },     { "Buffalo", "NY", "14202", "716" },
    { "Hartford", "CT", "06103", "860" },       { "Providence", "RI", "02903", "401" },
    { "Burlington", "VT", "05401", "802" },     { "Portland", "ME", "04101", "207" },
    { "Anchorage", "AK", "99501", "907" },      { "Honolulu", "HI", "96813", "808" },
    { "Madison", "WI", "53703", "608" },        { "Spokane", "WA", "99201", "509" },
    { "Austin", "TX", "78701", "512" },         { "El Paso", "TX", "79901", "915" },
    { "Grand Forks", "ND", "58201", "701" },    { "Duluth", "MN", "55802", "218" },
};

/* ---- customer attributes (codes in GP's upper-case style) ------------- */

static const char *const classes[] = {
    "RETAIL", "RETAIL", "RETAIL", "WHOLESALE", "WHOLESALE", "DISTRIBUTOR", "GOVERNMENT",
    "EDUCATION", "HEALTHCARE", "HOSPITALITY", "INTERNATIONAL",
};
static const char *const territories[] = {
    "TERRITORY 1", "TERRITORY 2", "TERRITORY 3", "TERRITORY 4", "TERRITORY 5",
    "TERRITORY 6", "TERRITORY 7",
};
static const char *const salespeople[] = {
    "ANNA K.", "BRUCE T.", "CARMEN R.", "DEV P.", "ELLEN M.", "FRANK O.", "GRACE L.", "HANK W.",
};
static const char *const pay_terms[] = {
    "Net 30", "Net 30", "Net 30", "Net 15", "Net 60", "2% 10/Net 30", "COD", "PRE PAID",
};
static const char *const ship_methods[] = {
    "UPS GROUND", "UPS GROUND", "UPS 2ND DAY", "FEDEX GROUND", "LOCAL DELIVERY", "WILL CALL",
    "USPS PRIORITY", "LTL FREIGHT",
};
static const char *const price_levels[] = { "RETAIL", "RETAIL", "WHOLESALE", "DISTRIBUTOR" };

/* ---- items ------------------------------------------------------------ */

/* Item classes with the sub-codes and description words of generated items.
 * The sub-codes avoid those of the Fabrikam item numbers (gen_fixed_items)
 * so a generated number never equals one of them. */
static const gen_item_class item_classes[] = {
    { "HDWR", "HARDWARE", { "BRK", "CAB", "RCK", "FAN", "PSU", "KVM" },
      { "Wall Bracket", "Cabinet", "Rack Shelf", "Cooling Fan", "Power Supply", "KVM Switch" },
      8.0, 420.0 },
    { "PHON", "PHONES", { "CNF", "DSK", "CRD", "HDS", "VOP", "WAL" },
      { "Conference Phone", "Desk Phone", "Cordless Handset", "Headset", "VoIP Phone", "Wall Phone" },
      24.0, 650.0 },
    { "WIRE", "WIRE", { "CT5", "CT6", "FIB", "COA", "SPK", "PWR" },
      { "Cat5e Cable 1000ft", "Cat6 Cable 1000ft", "Fiber Patch Cord", "Coax Cable 500ft",
        "Speaker Wire 250ft", "Power Cord 6ft" },
      3.0, 310.0 },
    { "SOFT", "SOFTWARE", { "VMS", "CCS", "ATT", "LIC", "UPG", "SUP" },
      { "Voicemail Suite", "Call Center Seat", "Auto Attendant", "User License", "Upgrade Kit",
        "Support Plan 1yr" },
      40.0, 2400.0 },
    { "CABL", "CABLES", { "USB", "HDM", "DSP", "SER", "PAT", "ADP" },
      { "USB Cable", "HDMI Cable", "DisplayPort Cable", "Serial Cable", "Patch Cable",
        "Adapter" },
      2.0, 45.0 },
    { "SERV", "SERVICES", { "INS", "TRN", "CFG", "ONS", "REM", "EXT" },
      { "Installation Hour", "Training Session", "Configuration", "On-site Visit",
        "Remote Support Hour", "Extended Warranty" },
      35.0, 900.0 },
};

/* The Fabrikam item numbers from gp-schema.md section 4 (the descriptions,
 * classes and prices are ours: no trustworthy public source gives them). */
static const gen_fixed_item fixed_items[] = {
    { "100XLG", "Large Bracket Assembly", "HARDWARE", 1, 59.95 },
    { "128 SDRAM", "128 MB SDRAM Module", "HARDWARE", 1, 29.00 },
    { "3-C2804A", "Printer Cartridge", "HARDWARE", 1, 34.50 },
    { "333PROC", "333 MHz Processor", "HARDWARE", 2, 119.00 },
    { "4-E5930A", "Replacement Display", "HARDWARE", 1, 210.00 },
    { "CORDG", "Phone Cord - Gray", "WIRE", 1, 4.95 },
    { "HA100G", "Handset Assembly - Gray", "PHONES", 1, 18.75 },
    { "HDWR-PNL-0001", "Control Panel", "HARDWARE", 1, 389.00 },
    { "HDWR-SRG-0001", "Surge Protector", "HARDWARE", 1, 49.99 },
    { "OM08620", "Office Phone Model 8620", "PHONES", 1, 149.00 },
    { "OM08640", "Office Phone Model 8640", "PHONES", 1, 189.00 },
    { "OM08670", "Office Phone Model 8670", "PHONES", 1, 249.00 },
    { "PHON-ATT-0712", "Attendant Console", "PHONES", 1, 499.00 },
    { "PHON-FGD-0001", "Single-line Phone - Gray", "PHONES", 1, 39.95 },
    { "PHON-FGS-0002", "Single-line Phone - Silver", "PHONES", 1, 42.95 },
    { "PHSY-DEL-0001", "Deluxe Phone System", "PHONES", 3, 2995.00 },
    { "PHSY-STD-0001", "Standard Phone System", "PHONES", 3, 1795.00 },
    { "SOFT-PHM-0001", "Phone Manager Software", "SOFTWARE", 1, 299.00 },
    { "CBA100", "Cable Assembly 100ft", "CABLES", 1, 64.00 },
    { "8.4HD", "8.4 GB Hard Drive", "HARDWARE", 2, 89.00 },
    { "WIRE-MCD-0001", "Multi-core Wire 1000ft", "WIRE", 1, 129.00 },
    { "WIRE-SCD-0001", "Single-core Wire 1000ft", "WIRE", 1, 79.00 },
    { "PHON-BUS-1250", "Business Phone 1250", "PHONES", 1, 129.95 },
    { "ZZ-NI", "Non-inventory Charge", "SERVICES", 4, 0.00 },
};

/* ---- accessors -------------------------------------------------------- */

#define LIST(name, arr)                                                     \
    const char *const *name(size_t *n)                                      \
    {                                                                       \
        *n = COUNT(arr);                                                    \
        return arr;                                                         \
    }

LIST(gen_words_surnames, surnames)
LIST(gen_words_places, places)
LIST(gen_words_trades, trades)
LIST(gen_words_suffixes, suffixes)
LIST(gen_words_first_names, first_names)
LIST(gen_words_last_names, last_names)
LIST(gen_words_streets, streets)
LIST(gen_words_street_kinds, street_kinds)
LIST(gen_words_street_dirs, street_dirs)
LIST(gen_words_classes, classes)
LIST(gen_words_territories, territories)
LIST(gen_words_salespeople, salespeople)
LIST(gen_words_pay_terms, pay_terms)
LIST(gen_words_ship_methods, ship_methods)
LIST(gen_words_price_levels, price_levels)

const gen_city *gen_words_cities(size_t *n)
{
    *n = COUNT(cities);
    return cities;
}

const gen_item_class *gen_words_item_classes(size_t *n)
{
    *n = COUNT(item_classes);
    return item_classes;
}

const gen_fixed_item *gen_fixed_items(size_t *n)
{
    *n = COUNT(fixed_items);
    return fixed_items;
}
