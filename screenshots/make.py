#!/usr/bin/env python3
"""Write an SVG of every kkui screen into screenshots/ (headless, deterministic).

    .venv/bin/python screenshots/make.py            # all scenes
    .venv/bin/python screenshots/make.py --png      # also PNGs (needs rsvg-convert)
    .venv/bin/python screenshots/make.py --lang zh  # the Chinese set, into screenshots/zh/
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from scenes import SCENES, SIZE, Scene  # noqa: E402


async def shoot(scene: Scene, out: Path, size: tuple[int, int] = SIZE) -> Path:
    # scenes edit documents: their recovery copies go to a throw-away directory per scene
    state = tempfile.TemporaryDirectory(prefix="kkui-shots-")
    os.environ["XDG_STATE_HOME"] = state.name
    # ... and the History screen reads an empty run history there, never the user's
    os.environ["KKUI_DB"] = os.path.join(state.name, "kkui.db")
    app = scene.make_app()
    async with app.run_test(size=size) as pilot:
        await scene.run_before(pilot)
        await pilot.pause()
        svg = app.export_screenshot(title=f"kkui — {scene.name}")
    path = out / f"{scene.name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--png", action="store_true", help="also convert to PNG")
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="the console's language (zh: written to screenshots/zh/)")
    parser.add_argument("--size", default="", help="COLUMNSxROWS (default 100x32)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from kkui import i18n

    i18n.set_language(args.lang)
    out = args.out or (HERE / "zh" if args.lang == "zh" else HERE)
    out.mkdir(parents=True, exist_ok=True)
    columns, _x, rows = args.size.partition("x")
    size = (int(columns), int(rows)) if args.size else SIZE
    for scene in SCENES:
        path = asyncio.run(shoot(scene, out, size))
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
        if args.png and shutil.which("rsvg-convert"):
            subprocess.run(["rsvg-convert", str(path), "-o", str(path.with_suffix(".png"))],
                           check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
