"""Background workers: each is a ``run_once(runtime) -> int`` driven by :mod:`berth.workers.runner`."""
