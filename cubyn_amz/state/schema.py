"""The tables of the state database, one script per migration.

Times are seconds since the epoch (REAL); lists and payloads are JSON text.
"""

CORE = """
CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE rate_buckets (
    operation TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    rate REAL NOT NULL,
    burst REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE passes (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    outcome TEXT NOT NULL DEFAULT 'running',
    counts TEXT NOT NULL DEFAULT '{}',
    message TEXT
);
CREATE INDEX passes_by_kind ON passes (kind, started_at)
"""

# state: creating | imported | skipped | rejected | cancelled | closed
# (see cubyn_amz/passes/orders). items: [{"orderItemId", "sku", "quantity"}], the
# quantities sent (or to be sent) to Cubyn. request: the parcel to create, kept only
# until Cubyn has it, so that a rejected or unsettled order can be posted again.
# attention: why a person must look, NULL otherwise.
ORDERS = """
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    marketplace_id TEXT NOT NULL,
    state TEXT NOT NULL,
    amazon_status TEXT NOT NULL,
    service_level TEXT,
    delivery_mode TEXT,
    parcel_id TEXT,
    parcel_status TEXT,
    items TEXT NOT NULL DEFAULT '[]',
    request TEXT,
    reason TEXT,
    attention TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at REAL,
    ship_by REAL,
    amazon_updated_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX orders_by_state ON orders (state);
CREATE INDEX orders_by_parcel ON orders (parcel_id)
"""

# state: confirming (intent written before the POST) | confirmed | failed (refused by
# Amazon, tried again hourly) | attention (shipped without what Amazon needs) |
# cancelled (the order was cancelled on Amazon: never confirmed) | closed (Amazon
# shows it shipped by another way: given up)
SHIPMENTS = """
CREATE TABLE shipments (
    order_id TEXT PRIMARY KEY REFERENCES orders (order_id),
    state TEXT NOT NULL,
    parcel_id TEXT,
    carrier TEXT,
    carrier_code TEXT,
    carrier_name TEXT,
    shipping_method TEXT,
    tracking_number TEXT,
    ship_date TEXT,
    body TEXT,
    message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at REAL,
    confirmed_at REAL,
    updated_at REAL NOT NULL
);
CREATE INDEX shipments_by_state ON shipments (state)
"""

# products: Cubyn's catalogue as last read (listed = 0: a full read no longer lists
# it). stock: per SKU and marketplace, the quantity last planned, the one Amazon
# last accepted, the one on its way (see cubyn_amz/state/stock.py).
# stock.state: ok | sending | unknown_sku | failed
# feeds.state: submitting (written before createFeed) | submitted | done | failed
# | lost (no feed id: createFeed was cut short) | unsent (paused before createFeed)
STOCK = """
CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    listed INTEGER NOT NULL DEFAULT 1,
    updated_at REAL NOT NULL
);
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    feed_id TEXT UNIQUE,
    document_id TEXT NOT NULL,
    marketplace_id TEXT NOT NULL,
    state TEXT NOT NULL,
    processing_status TEXT,
    messages TEXT NOT NULL,
    created_at REAL NOT NULL,
    submitted_at REAL,
    checked_at REAL,
    message TEXT
);
CREATE INDEX feeds_by_state ON feeds (state);
CREATE TABLE stock (
    sku TEXT NOT NULL,
    marketplace_id TEXT NOT NULL,
    planned INTEGER,
    accepted INTEGER,
    sending INTEGER,
    feed INTEGER REFERENCES feeds (id),
    state TEXT NOT NULL DEFAULT 'ok',
    message TEXT,
    reported INTEGER NOT NULL DEFAULT 0,
    attempted_at REAL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (sku, marketplace_id)
);
CREATE INDEX stock_by_feed ON stock (feed)
"""
