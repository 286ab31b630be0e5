"""Loket: 24/7 intake and routing for the 24/7 Loket, the Veteranenloket and De Basis."""

__version__ = "0.1.0"
