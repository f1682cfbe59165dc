"""readtoearn: a self-hostable Read to Earn platform for news publishers."""

__version__ = "0.1.0"
