"""A real second kkui process for the history tests: runs ``recorded_run`` on a config and holds
it open until told how to end.

usage: holder.py CONFIG COMMAND [--lock] [--stages]
Prints ``ready <run id>`` once the record (and the lock) is taken, then reads one line from
stdin: ``ok`` finishes with exit 0, ``fail`` raises an error inside the block; EOF finishes
with 0.  ``--stages`` keeps writing stages until killed (a crash in the middle of writes).
SIGTERM stops it like kkui's CLI does (kkui.core.signals).
"""

from __future__ import annotations

import sys

from kkui.core import signals
from kkui.core.config.document import ClusterDocument
from kkui.core.runs import recorded_run


def main() -> int:
    config, command, *flags = sys.argv[1:]
    signals.install_cli_handlers()
    doc = ClusterDocument.load(config)
    with recorded_run(command, model=doc.model(), config_text=doc.to_text(),
                      config_path=config, argv=[command, "-f", config],
                      lock="--lock" in flags) as run:
        run.stage("kk: GreetingsModule")
        print(f"ready {run.id}", flush=True)
        if "--stages" in flags:
            n = 0
            while True:
                n += 1
                run.stage(f"kk: Module{n}")
        how = sys.stdin.readline().strip()
        if how == "fail":
            raise RuntimeError("the holder failed on purpose")
        return run.finish(0)


if __name__ == "__main__":
    sys.exit(main())
