"""A run: its configuration (:mod:`.config`), the evaluation of one dataset (:mod:`.evaluate`) or several
(:mod:`.several`), a run split over ranks (:mod:`.sharded`, :mod:`.distributed`), the run folder's files
(:mod:`.outputs`), its lock (:mod:`.runlock`) and reading a finished run back (:mod:`.result`)."""
