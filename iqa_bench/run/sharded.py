"""A run split over the ranks of ``torchrun`` (:mod:`.distributed`): each rank scores its share of the
items into a shard store, rank 0 merges them into the main store."""
from __future__ import annotations

from pathlib import Path

from ..engine import Engine, resolve_device
from ..store import ScoreStore
from . import distributed
from .config import EvaluateConfig


def make_engine(modules, store, config: EvaluateConfig, device, progress: bool) -> Engine:
    return Engine(modules, store, device=device, batch_size=config.batch_size, num_workers=config.workers,
                  progress=progress, amp=config.amp, channels_last=config.channels_last, compile=config.compile)


def sharded_run(key: str, keys, items, modules, config: EvaluateConfig, rank: int, world: int):
    """This rank's share of the items into its shard store; rank 0 merges them into the run's store
    (``config.store_path``; see :mod:`.distributed`). ``key``: the dataset's; ``keys``: the run's store keys
    (:func:`~iqa_bench.engine.score_keys`)."""
    main = Path(config.store_path)
    results = main.parent
    if rank == 0:  # rank 0 creates (and with --fresh clears) the main store before the others read it
        with ScoreStore(main) as store:
            for score_key in keys.values() if config.fresh else ():
                store.delete(*score_key)
    distributed.barrier()
    with ScoreStore(main) as store:
        known = {spec: set(store.scores(*score_key)) for spec, score_key in keys.items()}
    shard_path = results / "shards" / f"{config.run_name.replace('/', '-')}-rank{rank}.sqlite"
    device = distributed.local_device(resolve_device(config.device))
    with ScoreStore(shard_path) as shard:
        report = make_engine(modules, shard, config, device, config.progress and rank == 0).run(
            key, list(items)[rank::world], known=known)
    reports = distributed.gather(report)
    distributed.barrier()
    if rank == 0:
        with ScoreStore(main) as store:
            for r in range(world):
                path = results / "shards" / f"{config.run_name.replace('/', '-')}-rank{r}.sqlite"
                store.merge_from(path)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
    distributed.barrier()
    merged = reports[0]
    for other in reports[1:]:
        merged.computed += other.computed
        merged.failures += other.failures
    merged.reused = sum(len(items) - sum(1 for it in items if it.item_id not in known[m.spec]) for m in modules)
    return merged
