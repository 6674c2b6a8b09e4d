"""Seeded, reproducible data: the catalogue, the stock and Amazon's orders.

The catalogue is one seller's ~30 products. Most are stocked by Cubyn and listed
on Amazon in all four marketplaces; a few exist on one side only, as in real
accounts: a Cubyn-only kit, an Amazon-only bundle, a SKU listed in one
marketplace, and "MUG-BLUE", renamed "MUG-BLUE-2" on Amazon when its listing was
recreated. Orders mix marketplaces, service levels, fulfilment channels and
statuses, and carry the addresses that trip an integration: long lines, accents,
company names, Greek and Cyrillic script, odd phone formats, no address yet
(PENDING). Everything comes from one ``random.Random``, so a seed gives the same
account every time; generating 10,000 orders takes well under a second.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from .orders import MARKETPLACES, SELLING, Item, Order


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    price: str
    product_type: str


# sku, title, unit price in EUR, Amazon product type
_PRODUCTS = [
    ("MUG-BLUE", "Mug en céramique bleu 35 cl", "12.90", "DRINKING_CUP"),
    ("MUG-RED", "Mug en céramique rouge 35 cl", "12.90", "DRINKING_CUP"),
    ("MUG-GREEN", "Mug en céramique vert sauge 35 cl", "12.90", "DRINKING_CUP"),
    ("TEAPOT-1L", "Théière en fonte 1 L, noire", "39.00", "TEAPOT"),
    ("CANDLE-LAVENDER", "Bougie parfumée lavande, cire de soja", "18.50", "CANDLE"),
    ("CANDLE-FIG", "Bougie parfumée figue, cire de soja", "18.50", "CANDLE"),
    ("TOTE-NATURAL", "Sac cabas en coton bio, naturel", "15.00", "HANDBAG"),
    ("TOTE-BLACK", "Sac cabas en coton bio, noir", "15.00", "HANDBAG"),
    ("TSHIRT-S-WHT", "T-shirt coton bio, blanc, S", "24.00", "SHIRT"),
    ("TSHIRT-M-WHT", "T-shirt coton bio, blanc, M", "24.00", "SHIRT"),
    ("TSHIRT-L-WHT", "T-shirt coton bio, blanc, L", "24.00", "SHIRT"),
    ("TSHIRT-M-NVY", "T-shirt coton bio, marine, M", "24.00", "SHIRT"),
    ("NOTEBOOK-A5", "Carnet A5 pointillé, couverture lin", "9.90", "NOTEBOOK"),
    ("NOTEBOOK-A6", "Carnet A6 ligné, couverture lin", "7.90", "NOTEBOOK"),
    ("PEN-BRASS", "Stylo en laiton massif", "29.00", "WRITING_INSTRUMENT"),
    (
        "SOAP-OLIVE",
        "Savon de Marseille à l'huile d'olive 300 g",
        "6.50",
        "SKIN_CLEANING_AGENT",
    ),
    ("SOAP-ALEPPO", "Savon d'Alep 20 % laurier", "8.90", "SKIN_CLEANING_AGENT"),
    ("TOWEL-HAMMAM", "Fouta hammam en coton, rayée", "22.00", "TOWEL"),
    ("PLAID-WOOL", "Plaid en laine mérinos 130x170", "89.00", "BLANKET"),
    ("CUSHION-LINEN", "Housse de coussin en lin lavé 45x45", "27.00", "PILLOW"),
    ("VASE-SMALL", "Petit vase en grès émaillé", "19.90", "VASE"),
    ("VASE-LARGE", "Grand vase en grès émaillé", "34.90", "VASE"),
    ("APRON-DENIM", "Tablier de cuisine en denim", "32.00", "APRON"),
    ("BOARD-OAK", "Planche à découper en chêne massif", "45.00", "CUTTING_BOARD"),
    ("LAMP+SHADE", "Lampe de chevet avec abat-jour en papier", "59.00", "LAMP"),
    (
        "BOX 12/24",
        "Boîte de rangement, lot de 12 (format 24 cm)",
        "21.00",
        "STORAGE_BOX",
    ),
    ("GIFT-WRAP-KIT", "Kit papier cadeau et rubans", "11.00", "GIFT_WRAP"),
    ("POSTER-A2-ROUGE", "Affiche sérigraphiée A2, rouge", "25.00", "POSTER"),
    ("BUNDLE-MUG-X2", "Lot de 2 mugs en céramique", "23.90", "DRINKING_CUP"),
    ("MUG-BLUE-2", "Mug en céramique bleu 35 cl", "12.90", "DRINKING_CUP"),
]
PRODUCTS = {
    sku: Product(sku, title, price, kind) for sku, title, price, kind in _PRODUCTS
}

CUBYN_ONLY = ("GIFT-WRAP-KIT", "POSTER-A2-ROUGE")
AMAZON_ONLY = ("BUNDLE-MUG-X2", "MUG-BLUE-2")
RENAMED = {"MUG-BLUE": "MUG-BLUE-2"}  # Cubyn SKU -> the SKU Amazon knows
ONE_MARKETPLACE = {"TEAPOT-1L": ("FR",), "SOAP-ALEPPO": ("FR", "ES")}


def cubyn_skus() -> list[str]:
    return [sku for sku in PRODUCTS if sku not in AMAZON_ONLY]


def amazon_skus() -> list[str]:
    renamed = set(RENAMED)
    return [sku for sku in PRODUCTS if sku not in CUBYN_ONLY and sku not in renamed]


def listing_marketplaces(sku: str) -> tuple[str, ...]:
    return ONE_MARKETPLACE.get(sku, SELLING)


def initial_stock(rng: random.Random) -> dict[str, int]:
    """Units on hand in the warehouse; a few SKUs are out of stock."""
    stock = {}
    for sku in cubyn_skus():
        stock[sku] = 0 if rng.random() < 0.1 else rng.randint(3, 180)
    return stock


def initial_quantities(rng: random.Random, stock: dict[str, int]) -> dict[str, int]:
    """What Amazon shows before the first sync: close to the stock, rarely equal."""
    rv = {}
    for sku in amazon_skus():
        base = stock.get(sku, rng.randint(0, 40))
        rv[sku] = max(0, base + rng.randint(-8, 8))
    return rv


def more_products(first: int, count: int) -> list[Product]:
    """Plain numbered products beyond the catalogue, for benchmarks at scale."""
    return [
        Product(f"ITEM-{n:05d}", f"Article de démonstration n° {n}", "10.00", "HOME")
        for n in range(first, first + count)
    ]


def asin(rng: random.Random) -> str:
    return "B0" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))


# Address pools: (country, postal code, city, state or region) per destination.
_CITIES = {
    "FR": [
        ("FR", "75011", "Paris", ""),
        ("FR", "69002", "Lyon", ""),
        ("FR", "13006", "Marseille", ""),
        ("FR", "33000", "Bordeaux", ""),
        ("FR", "59800", "Lille", ""),
        ("FR", "44000", "Nantes", ""),
        ("FR", "67000", "Strasbourg", ""),
        ("FR", "13210", "Saint-Rémy-de-Provence", ""),
        ("FR", "51000", "Châlons-en-Champagne", ""),
        ("FR", "74400", "Chamonix-Mont-Blanc", ""),
        ("BE", "1000", "Bruxelles", ""),
        ("BE", "4000", "Liège", ""),
        ("LU", "L-1111", "Luxembourg", ""),
    ],
    "DE": [
        ("DE", "10115", "Berlin", ""),
        ("DE", "80331", "München", ""),
        ("DE", "50667", "Köln", ""),
        ("DE", "20095", "Hamburg", ""),
        ("DE", "60311", "Frankfurt am Main", ""),
        ("DE", "01067", "Dresden", ""),
        ("DE", "79098", "Freiburg im Breisgau", ""),
        ("AT", "1010", "Wien", ""),
        ("CH", "8001", "Zürich", ""),
    ],
    "ES": [
        ("ES", "28014", "Madrid", "Madrid"),
        ("ES", "08008", "Barcelona", "Barcelona"),
        ("ES", "41001", "Sevilla", "Sevilla"),
        ("ES", "46002", "València", "Valencia"),
        ("ES", "15001", "A Coruña", "A Coruña"),
        ("ES", "35001", "Las Palmas de Gran Canaria", "Las Palmas"),
        ("PT", "1100-148", "Lisboa", ""),
    ],
    "IT": [
        ("IT", "00184", "Roma", "RM"),
        ("IT", "20121", "Milano", "MI"),
        ("IT", "80132", "Napoli", "NA"),
        ("IT", "50122", "Firenze", "FI"),
        ("IT", "10121", "Torino", "TO"),
        ("IT", "39100", "Bolzano", "BZ"),
    ],
    "GR": [
        ("GR", "10563", "Αθήνα", "Αττική"),
        ("GR", "54624", "Θεσσαλονίκη", ""),
    ],
    "BG": [("BG", "1000", "София", ""), ("BG", "4000", "Пловдив", "")],
}

_FIRST = {
    "FR": [
        "Sophie",
        "Jean-Pierre",
        "Hélène",
        "Françoise",
        "Maël",
        "Zoé",
        "Loïc",
        "Anaïs",
        "Jérôme",
        "Cécile",
        "Noémie",
        "François-Xavier",
    ],
    "DE": [
        "Jürgen",
        "Anna-Lena",
        "Björn",
        "Käthe",
        "Lukas",
        "Sören",
        "Dörte",
        "Maximilian",
    ],
    "ES": [
        "José María",
        "Nuria",
        "Ángel",
        "Begoña",
        "Iñaki",
        "Lucía",
        "María del Carmen",
    ],
    "IT": ["Giuseppe", "Maria Grazia", "Niccolò", "Chiara", "Lorenzo", "Federica"],
    "GR": ["Γιώργος", "Μαρία", "Δημήτρης", "Ελένη"],
    "BG": ["Иван", "Мария", "Георги", "Елена"],
}
_LAST = {
    "FR": [
        "Martin",
        "Lefèvre",
        "Dubois-Châtelain",
        "Noël",
        "Le Guénnec",
        "Mbappé-Lacroix",
        "Bérard",
        "Garçon",
        "de La Rochefoucauld-Montbel",
    ],
    "DE": [
        "Müller",
        "Schäfer",
        "Weißmann",
        "Oßwald",
        "Köhler",
        "von Bülow-Schwerin",
    ],
    "ES": [
        "García Pérez",
        "Fernández Iglesias",
        "Muñoz",
        "Ibáñez de la Peña",
        "Núñez",
    ],
    "IT": ["Rossi", "D'Angelo", "Bianchi", "Esposito", "Dell'Acqua Montefiore"],
    "GR": ["Παπαδόπουλος", "Κωνσταντίνου", "Γεωργίου"],
    "BG": ["Петров", "Георгиева", "Димитров"],
}
_STREETS = {
    "FR": [
        "{n} rue de la République",
        "{n} bis avenue du Général de Gaulle",
        "{n} boulevard Victor Hugo",
        "{n} impasse des Lilas",
        "Résidence Les Jardins de l'Abbaye, bâtiment C, escalier {n}",
        "{n} chemin de la Croix-Rousse-Saint-Barthélémy",
        "{n} place du Marché",
    ],
    "DE": [
        "Hauptstraße {n}",
        "Friedrich-Ebert-Straße {n}",
        "Am Schloßgarten {n}",
        "Königsallee {n}",
        "Karl-Liebknecht-Straße {n}, Hinterhaus 3. OG links",
    ],
    "ES": [
        "Calle de Alcalá, {n}, 4º B",
        "Avinguda Diagonal {n}, planta 6, puerta 2",
        "Paseo de la Castellana {n}",
        "Calle Mayor {n}",
        "Plaza de España {n}",
    ],
    "IT": [
        "Via Roma {n}",
        "Corso Vittorio Emanuele II {n}, scala B, interno 7",
        "Piazza del Duomo {n}",
        "Via Giuseppe Garibaldi {n}",
    ],
    "GR": [
        "Λεωφόρος Βασιλίσσης Σοφίας {n}",
        "Οδός Ερμού {n}, 3ος όροφος",
    ],
    "BG": [
        "бул. Витоша {n}, ет. 3, ап. 7",
        "ул. Граф Игнатиев {n}",
    ],
}
# Second and third address lines, in the language of the street above them.
_LINE2 = {
    "FR": [
        "Bâtiment B",
        "Appartement 12, 3e étage",
        "Porte 4, interphone Lefèvre",
        "Digicode 4521A",
    ],
    "DE": ["c/o Familie Schmidt", "Hinterhof", "Aufgang B, 2. Stock"],
    "ES": ["Escalera izq., 2º", "Portal 3, bajo C"],
    "IT": ["Scala C", "Citofono Rossi, 4º piano"],
    "GR": ["Διαμέρισμα 5"],
    "BG": ["вх. Б, ет. 4"],
}
_LINE3 = {
    "FR": ["Zone artisanale des Chênes", "Lieu-dit Le Moulin"],
    "DE": ["Gewerbegebiet Nord"],
    "ES": ["Urbanización Los Pinos"],
    "IT": ["Località San Rocco"],
    "GR": ["Κολωνάκι"],
    "BG": ["ж.к. Лозенец"],
}
_COMPANIES = {
    "FR": ["Boulangerie Pâtisserie Lefèvre & Fils SARL", "Atelier Créatif SAS"],
    "DE": ["Müller & Söhne GmbH", "Bäckerei Köhler KG"],
    "ES": ["Transportes Hermanos García S.L."],
    "IT": ["Studio Associato Bianchi e Rossi S.r.l."],
    "GR": ["Ελληνικά Τρόφιμα Α.Ε."],
    "BG": ["ЕТ Иван Петров"],
}
_PHONE_PREFIX = {
    "FR": "+33",
    "BE": "+32",
    "LU": "+352",
    "DE": "+49",
    "AT": "+43",
    "NL": "+31",
    "CH": "+41",
    "ES": "+34",
    "PT": "+351",
    "IT": "+39",
    "GR": "+30",
    "BG": "+359",
}
_TLD = {"FR": "fr", "DE": "de", "ES": "es", "IT": "it"}

# (level, weight, days to ship): Seller Central's settings land on these levels.
_SERVICE_LEVELS = [
    ("STANDARD", 60, 2),
    ("EXPEDITED", 14, 1),
    ("SECOND_DAY", 8, 1),
    ("NEXT_DAY", 8, 0),
    ("FREE_ECONOMY", 4, 3),
    ("PRIORITY", 3, 0),
    ("SAME_DAY", 2, 0),
    ("SCHEDULED", 1, 3),
]
_MARKET_WEIGHTS = [("FR", 50), ("DE", 25), ("ES", 15), ("IT", 10)]


def _phone(rng: random.Random, country: str) -> str:
    prefix = _PHONE_PREFIX.get(country, "+33")
    digits = rng.choice("123456789") + "".join(rng.choices(string.digits, k=8))
    style = rng.random()
    if style < 0.35:
        pairs = " ".join(digits[i : i + 2] for i in range(1, 9, 2))
        return f"{prefix} {digits[0]} {pairs}"
    if style < 0.65:
        return "0" + digits
    if style < 0.9:
        return prefix + digits
    return f"({prefix}) {digits[:3]}-{digits[3:6]}-{digits[6:]}"


def address(rng: random.Random, market: str) -> tuple[dict[str, str], str, str | None]:
    """A delivery address for an order on ``market``: (address, name, company)."""
    pool = market
    roll = rng.random()
    if roll < 0.03 and market in ("DE", "IT"):
        pool = "GR"
    elif roll < 0.05 and market in ("DE", "IT"):
        pool = "BG"
    country, postal, city, region = rng.choice(_CITIES[pool])
    lang = pool  # the buyer writes in the marketplace's language, or their own

    name = f"{rng.choice(_FIRST[lang])} {rng.choice(_LAST[lang])}"
    if rng.random() < 0.05:
        name = name.upper()
    street = rng.choice(_STREETS[lang]).format(n=rng.randint(1, 240))
    company = rng.choice(_COMPANIES[lang]) if rng.random() < 0.1 else None

    rv: dict[str, str] = {"name": name}
    if company:
        rv["companyName"] = company
    if company and rng.random() < 0.3:
        # Buyers often type the company on the first line and the street below.
        rv["addressLine1"], rv["addressLine2"] = company, street
    else:
        rv["addressLine1"] = street
        if rng.random() < 0.25:
            rv["addressLine2"] = rng.choice(_LINE2[lang])
    if rng.random() < 0.06:
        rv["addressLine3"] = rng.choice(_LINE3[lang])
    elif rng.random() < 0.2:
        rv["addressLine3"] = ""
    rv["city"] = city
    if region:
        rv["stateOrRegion"] = region
    rv["postalCode"] = postal
    rv["countryCode"] = country
    if rng.random() < 0.92:
        rv["phone"] = _phone(rng, country)
    return rv, name, company


class OrderFactory:
    """Makes orders; the caller owns the ids already taken."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self._rng = rng
        self._taken = taken
        self._asins = {sku: asin(rng) for sku in PRODUCTS}
        self._listed = {
            market: [
                sku for sku in amazon_skus() if market in listing_marketplaces(sku)
            ]
            for market in SELLING
        }

    def asin_of(self, sku: str) -> str:
        return self._asins[sku]

    def _order_id(self) -> str:
        while True:
            prefix = self._rng.choice(("402", "403", "404", "405", "406", "407", "408"))
            middle = self._rng.randrange(10**7)
            last = self._rng.randrange(10**7)
            rv = f"{prefix}-{middle:07d}-{last:07d}"
            if rv not in self._taken:
                self._taken.add(rv)
                return rv

    def _pick(self, market: str, count: int) -> list[str]:
        """Distinct SKUs; the Amazon-only bundle sells less than the rest."""
        pool = self._listed[market]
        weights = [
            0.3 if sku in AMAZON_ONLY and sku not in RENAMED.values() else 1.0
            for sku in pool
        ]
        rv: list[str] = []
        while len(rv) < count:
            sku = self._rng.choices(pool, weights)[0]
            if sku not in rv:
                rv.append(sku)
        return rv

    def _items(self, market: str) -> list[Item]:
        rng = self._rng
        count = (
            1
            if rng.random() < 0.7
            else (2 if rng.random() < 0.75 else rng.randint(3, 4))
        )
        skus = self._pick(market, count)
        rv = []
        for sku in skus:
            roll = rng.random()
            quantity = 1 if roll < 0.8 else (2 if roll < 0.95 else rng.randint(3, 5))
            product = PRODUCTS[sku]
            item_id = "".join(rng.choices(string.digits, k=14))
            rv.append(
                Item(
                    item_id,
                    sku,
                    self._asins[sku],
                    product.title,
                    quantity,
                    product.price,
                )
            )
        return rv

    def make(self, created: int, status: str, fulfilled_by: str) -> Order:
        rng = self._rng
        market = rng.choices(
            [m for m, _ in _MARKET_WEIGHTS], [w for _, w in _MARKET_WEIGHTS]
        )[0]
        level, _, days = rng.choices(
            _SERVICE_LEVELS, [w for _, w, _ in _SERVICE_LEVELS]
        )[0]
        where, name, company = address(rng, market)

        programs = []
        if level in ("NEXT_DAY", "SECOND_DAY", "SAME_DAY") or rng.random() < 0.3:
            programs.append("PRIME")
        if company:
            programs.append("AMAZON_BUSINESS")

        email_user = "".join(rng.choices(string.ascii_lowercase + string.digits, k=14))
        ship_by = created + days * 86400 + 86399 - created % 86400
        return Order(
            order_id=self._order_id(),
            marketplace_id=MARKETPLACES[market].id,
            created=created,
            updated=created,
            status=status,
            fulfilled_by=fulfilled_by,
            service_level=level,
            programs=programs,
            ship_by=ship_by,
            address=where,
            buyer_name=name,
            buyer_email=f"{email_user}@marketplace.amazon.{_TLD[market]}",
            items=self._items(market),
            company=company,
        )
