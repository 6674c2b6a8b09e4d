"""Keep an Amazon seller account and the Cubyn fulfilment warehouse in step."""

__version__ = "0.1.0"
