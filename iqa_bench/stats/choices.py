"""The statistics' settings that the configuration, the command line and the statistics share, each
named once (no import beyond the standard library: the command line reads them before loading numpy)."""

#: The mappings of a metric onto the subjective scale (``none``: PLCC of the raw values).
FITS = ("logistic5", "logistic4", "cubic", "none")
#: Parameters of each mapping (the d of P.1401's N − d).
MAPPING_PARAMETERS = {"logistic5": 5, "logistic4": 4, "cubic": 4, "none": 0}
#: Multiple-comparison corrections of the significance matrices: none, Holm (family-wise), Benjamini–Hochberg.
CORRECTIONS = ("none", "holm", "bh")
#: Where each metric's mapping is fitted for its RMSE/PLCC: on all items, or k-fold by reference.
MAPPINGS = ("in-sample", "held-out")
