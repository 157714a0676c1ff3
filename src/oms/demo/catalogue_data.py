"""The demo retailer: an outdoor clothing and gear chain around Greater Manchester.

Static data only. Store addresses sit on real high streets and the coordinates are those
town or neighbourhood centres, so distances and "nearby" answers look like the real thing;
the shops themselves are made up. Everything here is fixed: the same catalogue, codes and
barcodes come out on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

TIMEZONE = "Europe/London"
REGION = "Greater Manchester"

# A made-up GS1 company prefix (7 digits) followed by a 5-digit item reference in
# catalogue order: barcodes are unique and identical on every reseed.
GTIN_COMPANY_PREFIX = "5063842"

WAREHOUSE_CODE = "MAN-DC"
# The SKU the console banner's sample request looks up; the seed keeps it on every shelf.
FEATURED_SKU = "TNT-2P-GRN"

Hours = dict[str, list[list[str]]]


def _week(
    weekday: tuple[str, str],
    sat: tuple[str, str] | None,
    sun: tuple[str, str] | None,
    /,
    **exceptions: list[list[str]],
) -> Hours:
    """Opening hours: the same every weekday, then Saturday, Sunday, and any day that differs."""
    hours: Hours = {day: [list(weekday)] for day in ("mon", "tue", "wed", "thu", "fri")}
    hours["sat"] = [list(sat)] if sat else []
    hours["sun"] = [list(sun)] if sun else []
    return {**hours, **exceptions}


@dataclass(frozen=True, slots=True)
class DemoLocation:
    code: str
    name: str
    kind: str
    address: dict[str, str]
    lat: float
    lon: float
    opening_hours: Hours
    capabilities: tuple[str, ...]
    daily_capacity: int
    priority: int
    # Share of the catalogue this location ranges (the seed draws its stock from it).
    assortment: float
    # When set, the only categories stocked: a kiosk carries small items.
    categories: frozenset[str] | None = None


def _address(line1: str, city: str, postcode: str, line2: str | None = None) -> dict[str, str]:
    address = {"line1": line1, "city": city, "region": REGION, "postcode": postcode}
    if line2:
        address["line2"] = line2
    return {**address, "country": "GB"}


_FULL = ("pickup", "ship_from", "walk_in")

WAREHOUSE = DemoLocation(
    code=WAREHOUSE_CODE,
    name="Trafford Park Distribution Centre",
    kind="warehouse",
    address=_address("Unit 7, Westinghouse Road", "Manchester", "M17 1PY", "Trafford Park"),
    lat=53.4655,
    lon=-2.3205,
    opening_hours=_week(("06:00", "22:00"), ("06:00", "14:00"), None),
    capabilities=("ship_from",),
    daily_capacity=5000,
    priority=10,
    assortment=0.93,
)

STORES: tuple[DemoLocation, ...] = (
    DemoLocation(
        code="MAN-CITY",
        name="Manchester Market Street",
        kind="store",
        address=_address("52 Market Street", "Manchester", "M1 1PW"),
        lat=53.4827,
        lon=-2.2410,
        # Late night shopping on Thursdays in the city centre.
        opening_hours=_week(
            ("09:00", "19:00"), ("09:00", "19:00"), ("11:00", "17:00"), thu=[["09:00", "21:00"]]
        ),
        capabilities=_FULL,
        daily_capacity=250,
        priority=20,
        assortment=0.75,
    ),
    DemoLocation(
        code="MAN-QUAYS",
        name="Salford Quays Kiosk",
        kind="store",
        address=_address("Kiosk 3, The Piazza", "Salford", "M50 2EQ", "MediaCityUK"),
        lat=53.4722,
        lon=-2.2985,
        # Office-hours kiosk with a lunch break on Saturdays; closed on Sundays.
        opening_hours=_week(
            ("08:00", "18:00"), None, None, sat=[["10:00", "13:00"], ["14:00", "16:00"]]
        ),
        capabilities=("walk_in", "pickup"),
        daily_capacity=30,
        priority=90,
        assortment=0.6,
        categories=frozenset({"socks", "headwear", "gloves", "bottles", "lighting", "fuel"}),
    ),
    DemoLocation(
        code="MAN-CHORLTON",
        name="Chorlton Beech Road",
        kind="store",
        address=_address("18 Beech Road", "Manchester", "M21 9EG", "Chorlton-cum-Hardy"),
        lat=53.4418,
        lon=-2.2765,
        # A neighbourhood shop: closed on Sundays and Monday mornings.
        opening_hours=_week(("09:30", "18:00"), ("09:30", "17:30"), None, mon=[["12:00", "18:00"]]),
        capabilities=_FULL,
        daily_capacity=60,
        priority=60,
        assortment=0.35,
    ),
    DemoLocation(
        code="MAN-DIDSBURY",
        name="Didsbury Village",
        kind="store",
        address=_address("742 Wilmslow Road", "Manchester", "M20 6UG", "Didsbury"),
        lat=53.4166,
        lon=-2.2312,
        opening_hours=_week(
            ("09:30", "18:00"), ("09:30", "18:00"), ("10:00", "16:00"), thu=[["09:30", "20:00"]]
        ),
        capabilities=_FULL,
        daily_capacity=90,
        priority=40,
        assortment=0.5,
    ),
    DemoLocation(
        code="MAN-STOCKPORT",
        name="Stockport Princes Street",
        kind="store",
        address=_address("41 Princes Street", "Stockport", "SK1 1RY"),
        lat=53.4098,
        lon=-2.1580,
        opening_hours=_week(("09:00", "17:30"), ("09:00", "17:30"), ("10:00", "16:00")),
        capabilities=_FULL,
        daily_capacity=120,
        priority=30,
        assortment=0.55,
    ),
    DemoLocation(
        code="MAN-SALE",
        name="Sale School Road",
        kind="store",
        address=_address("27 School Road", "Sale", "M33 7XX"),
        lat=53.4240,
        lon=-2.3225,
        opening_hours=_week(("09:00", "18:00"), ("09:00", "18:00"), ("10:00", "16:00")),
        capabilities=_FULL,
        daily_capacity=70,
        priority=50,
        assortment=0.4,
    ),
    DemoLocation(
        code="MAN-ALTRINCHAM",
        name="Altrincham George Street",
        kind="store",
        address=_address("9 George Street", "Altrincham", "WA14 1RJ"),
        lat=53.3866,
        lon=-2.3498,
        opening_hours=_week(
            ("09:00", "17:30"), ("09:00", "18:00"), ("10:30", "16:30"), thu=[["09:00", "20:00"]]
        ),
        capabilities=_FULL,
        daily_capacity=100,
        priority=35,
        assortment=0.5,
    ),
)

COLOURS = {
    "BLK": "Black",
    "NVY": "Navy",
    "RED": "Red",
    "GRN": "Green",
    "GRY": "Grey",
    "BLU": "Blue",
    "ORG": "Orange",
    "YEL": "Yellow",
    "PNK": "Pink",
    "TEA": "Teal",
    "PLM": "Plum",
    "OLV": "Olive",
    "BRN": "Brown",
    "SLV": "Silver",
    "WHT": "White",
    "SND": "Sand",
    "CHR": "Charcoal",
}

# Size runs: the sizes in order and the department they imply.
SIZE_RUNS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "-": ((), None),
    "mens": (("S", "M", "L", "XL", "XXL"), "mens"),
    "womens": (("08", "10", "12", "14", "16"), "womens"),
    "unisex": (("XS", "S", "M", "L", "XL", "XXL"), "unisex"),
    "kids": (("K6", "K8", "K10", "K12"), "kids"),
    "mens-feet": (("UK7", "UK8", "UK9", "UK10", "UK11", "UK12"), "mens"),
    "womens-feet": (("UK4", "UK5", "UK6", "UK7", "UK8"), "womens"),
    "kids-feet": (("UK10", "UK11", "UK12", "UK13"), "kids"),
    "all-feet": (("UK4", "UK5", "UK6", "UK7", "UK8", "UK9", "UK10", "UK11"), "unisex"),
    "sml": (("S", "M", "L"), "unisex"),
    "gloves": (("S", "M", "L", "XL"), "unisex"),
    "lengths": (("REG", "LNG"), None),
    "backs": (("SM", "ML"), None),
}

_SIZE_LABELS = {
    **{f"UK{n}": f"UK {n}" for n in range(3, 14)},
    **{f"{n:02d}": f"UK {n}" for n in range(6, 22, 2)},
    **{f"K{n}": f"{n - 1}-{n} years" for n in range(4, 16, 2)},
    "REG": "Regular",
    "LNG": "Long",
    "SM": "S/M",
    "ML": "M/L",
}

BRANDS = {"NF": "Northfell", "PL": "Peakline", "RW": "Ridgeway Gear"}

# One product per row, grouped by [category]:
#   code | brand | name | size run | "fast" when it sells quickly | colours
# Fast movers get some safety stock held back for walk-in customers.
_PRODUCT_TABLE = """
[jackets]
JKT-HVM | NF | Helvellyn Waterproof Jacket Men's      | mens        | fast | NVY RED BLK
JKT-HVW | NF | Helvellyn Waterproof Jacket Women's    | womens      | fast | TEA PLM BLK
JKT-DWM | NF | Downfall Insulated Jacket Men's        | mens        |      | BLK OLV NVY
JKT-DWW | NF | Downfall Insulated Jacket Women's      | womens      |      | BLK PLM SND
JKT-SFT | PL | Windrush Softshell Jacket              | unisex      |      | GRY NVY
JKT-KID | NF | Puddle Waterproof Jacket Kids'         | kids        |      | YEL BLU PNK
GIL-DWN | NF | Downfall Gilet                         | unisex      |      | BLK NVY
JKT-PKM | PL | Packaway Rain Jacket Men's             | mens        |      | BLU YEL BLK
JKT-PKW | PL | Packaway Rain Jacket Women's           | womens      |      | TEA YEL NVY
[fleeces]
FLC-BLM | NF | Bleaklow Grid Fleece Men's             | mens        | fast | NVY GRN GRY
FLC-BLW | NF | Bleaklow Grid Fleece Women's           | womens      | fast | TEA PLM GRY
FLC-MAM | PL | Mam Tor Half-Zip Fleece                | unisex      |      | RED BLK
FLC-KID | NF | Cosy Fleece Kids'                      | kids        |      | BLU PNK
[base layers]
TEE-MRM | NF | Merino 150 Base Layer Tee Men's        | mens        |      | BLK CHR NVY
TEE-MRW | NF | Merino 150 Base Layer Tee Women's      | womens      |      | BLK TEA PLM
[tops]
TEE-TCM | PL | Trail Tech T-Shirt Men's               | mens        | fast | BLU ORG GRY
TEE-TCW | PL | Trail Tech T-Shirt Women's             | womens      | fast | PNK TEA GRY
SHR-FLN | NF | Checked Flannel Shirt Men's            | mens        |      | RED GRN
HOD-LOG | NF | Northfell Logo Hoodie                  | unisex      |      | GRY NVY GRN
[trousers]
TRS-EDM | NF | Edale Walking Trousers Men's           | mens        |      | BLK OLV CHR
TRS-EDW | NF | Edale Walking Trousers Women's         | womens      |      | BLK CHR
TRS-OVR | NF | Storm Overtrousers                     | unisex      |      | BLK
TRS-KID | NF | Zip-Off Trousers Kids'                 | kids        |      | GRY NVY
[shorts]
SHT-TRM | PL | Trail Running Shorts Men's             | mens        |      | BLK NVY
SHT-TRW | PL | Trail Running Shorts Women's           | womens      |      | BLK TEA
LEG-RNW | PL | Running Tights Women's                 | womens      |      | BLK PLM
[footwear]
BOT-RWM | RW | Ridgeway Mid GTX Walking Boots Men's   | mens-feet   | fast | BRN GRY
BOT-RWW | RW | Ridgeway Mid GTX Walking Boots Women's | womens-feet | fast | BRN TEA
SHO-FRM | PL | Fellrunner Trail Shoes Men's           | mens-feet   |      | BLK ORG
SHO-FRW | PL | Fellrunner Trail Shoes Women's         | womens-feet |      | PNK BLU
BOT-KID | RW | Puddle Walking Boots Kids'             | kids-feet   |      | BLU
SHO-SND | PL | Camp Sandals                           | all-feet    |      | BLK
[socks]
SCK-MER | NF | Merino Hiking Socks                    | sml         | fast | GRY NVY RED
SCK-RUN | PL | Trail Running Socks 2-Pack             | sml         | fast | BLK WHT
SCK-LNR | NF | Liner Socks 3-Pack                     | sml         |      | BLK
SCK-KID | NF | Hiking Socks Kids'                     | kids        |      | BLU PNK
[headwear]
HAT-BNE | NF | Ribbed Beanie                          | -           |      | BLK NVY RED GRN GRY
HAT-SUN | PL | Trail Sun Cap                          | -           |      | SND BLK BLU
HAT-NCK | PL | Neck Gaiter                            | -           |      | BLK ORG TEA GRY
[gloves]
GLV-WPF | NF | Waterproof Gloves                      | gloves      |      | BLK
GLV-LNR | NF | Liner Gloves                           | gloves      |      | BLK GRY
[tents]
TNT-1P  | RW | Trailhead 1-Person Tent                | -           |      | GRN ORG
TNT-2P  | RW | Trailhead 2-Person Tent                | -           | fast | GRN ORG
TNT-3P  | RW | Trailhead 3-Person Tent                | -           |      | GRN
TNT-4F  | RW | Basecamp 4-Person Family Tent          | -           |      | GRN BLU
TNT-6F  | RW | Basecamp 6-Person Family Tent          | -           |      | GRN
[sleeping]
BAG-3S  | RW | Three-Season Sleeping Bag              | lengths     |      | RED BLU
BAG-SUM | RW | Summer Sleeping Bag                    | lengths     |      | GRN
MAT-SIM | RW | Self-Inflating Sleeping Mat            | lengths     |      | ORG BLU
[packs]
PCK-20  | NF | Daypack 20 L                           | -           | fast | BLK BLU RED GRN
PCK-30  | NF | Daypack 30 L                           | -           |      | BLK BLU GRY
PCK-45  | NF | Trekking Pack 45+10 L                  | backs       |      | GRN GRY
PCK-65  | NF | Expedition Pack 65+10 L                | backs       |      | BLU BLK
[cooking]
STV-GAS | RW | Compact Gas Stove                      | -           | fast | SLV
CKW-POT | RW | Titanium Cook Pot 750 ml               | -           |      | SLV
[fuel]
GAS-230 | RW | Gas Canister 230 g                     | -           | fast | BLU
GAS-450 | RW | Gas Canister 450 g                     | -           |      | BLU
[bottles]
BTL-1L  | PL | Insulated Bottle 1 L                   | -           | fast | BLK BLU GRN SLV
BTL-500 | PL | Insulated Bottle 500 ml                | -           |      | BLK PNK TEA
BTL-FLT | RW | Filter Water Bottle                    | -           |      | BLU
[lighting]
TRC-400 | RW | Head Torch 400 lm                      | -           | fast | BLK ORG
LTN-LED | RW | Rechargeable LED Lantern               | -           |      | GRN
[walking aids]
POL-TRK | RW | Trekking Poles (pair)                  | -           |      | BLK BLU
[safety]
FAK-HIK | RW | Hiking First Aid Kit                   | -           |      | RED
NAV-CMP | RW | Baseplate Compass                      | -           |      | BLK
[furniture]
CHR-CMP | RW | Camping Chair                          | -           |      | GRN BLU
[climbing]
HRN-ALP | RW | Alpine Climbing Harness                | sml         |      | ORG
HLM-CLB | RW | Crag Climbing Helmet                   | backs       |      | WHT ORG
SHO-CLB | RW | Crag Climbing Shoes                    | all-feet    |      | YEL
CHK-BAG | PL | Chalk Bag                              | -           |      | BLK RED TEA ORG
"""


def size_label(code: str) -> str:
    """The readable label of a size code (``UK8`` is "UK 8"); the code itself if it has none."""
    return _SIZE_LABELS.get(code, code)


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    category: str
    brand: str
    colours: tuple[str, ...]
    sizes: tuple[str, ...] = ()
    department: str | None = None
    fast: bool = False


def _parse_products(table: str) -> tuple[Product, ...]:
    products: list[Product] = []
    category = ""
    for line in filter(None, (raw.strip() for raw in table.splitlines())):
        if line.startswith("["):
            category = line.strip("[]")
            continue
        code, brand, name, run, fast, colours = (cell.strip() for cell in line.split("|"))
        sizes, department = SIZE_RUNS[run]
        products.append(
            Product(
                code=code,
                name=name,
                category=category,
                brand=BRANDS[brand],
                colours=tuple(colours.split()),
                sizes=sizes,
                department=department,
                fast=fast == "fast",
            )
        )
    return tuple(products)


PRODUCTS = _parse_products(_PRODUCT_TABLE)
