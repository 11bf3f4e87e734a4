"""``python -m iqa_bench`` is the ``iqa-bench`` command (also the torchrun entry point)."""
from .cli import main

if __name__ == "__main__":
    main()
