"""Where Cubyn is called. Every name of Cubyn's API lives in ``client.py``."""
