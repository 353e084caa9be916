"""Where kkui runs kk: the config for kk, the kk binary, kk's own ``kubekey/`` and the logs."""

from __future__ import annotations

from pathlib import Path


def default_workdir(cluster_name: str, config_path: Path | None = None) -> Path:
    """``kkui-work/<metadata.name>`` beside the config file (or here, for a profile).

    kk keeps its download cache in there, so a second run after a failure resumes instead of
    downloading everything again.
    """
    base = config_path.resolve().parent if config_path is not None else Path.cwd()
    return base / "kkui-work" / (cluster_name or "cluster")
