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
    reason TEXT,
    reason_shown INTEGER NOT NULL DEFAULT 0,
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

# state: confirming | confirmed | failed | attention
SHIPMENTS = """
CREATE TABLE shipments (
    order_id TEXT PRIMARY KEY REFERENCES orders (order_id),
    state TEXT NOT NULL,
    parcel_id TEXT,
    carrier_code TEXT,
    carrier_name TEXT,
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

# stock.state: ok | sending | unknown_sku | failed
STOCK = """
CREATE TABLE stock (
    sku TEXT NOT NULL,
    marketplace_id TEXT NOT NULL,
    available INTEGER,
    planned INTEGER,
    accepted INTEGER,
    sending INTEGER,
    feed_id TEXT,
    state TEXT NOT NULL DEFAULT 'ok',
    message TEXT,
    reported INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    PRIMARY KEY (sku, marketplace_id)
);
CREATE TABLE feeds (
    feed_id TEXT PRIMARY KEY,
    document_id TEXT,
    marketplace_id TEXT NOT NULL,
    state TEXT NOT NULL,
    messages TEXT NOT NULL,
    submitted_at REAL NOT NULL,
    checked_at REAL,
    message TEXT
)
"""
