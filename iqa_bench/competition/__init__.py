"""Comparing metrics where they disagree: MAD competition (:mod:`.mad`)."""
