"""Training submodule: SR models trained with the metric registry's losses (see :mod:`.models`,
:mod:`.bicubic`)."""
