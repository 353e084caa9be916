"""Where kkui runs kk: the config for kk, the kk binary, kk's own ``kubekey/`` and the logs."""

from __future__ import annotations

from pathlib import Path

from kkui.core.config.inputs import CLUSTER_NAME_MAX, CLUSTER_NAME_RE
from kkui.core.errors import ConfigError
from kkui.i18n import L_


def default_workdir(cluster_name: str, config_path: Path | None = None) -> Path:
    """``kkui-work/<metadata.name>`` beside the config file (or here, for a profile).

    kk keeps its download cache in there, so a second run after a failure resumes instead of
    downloading everything again. The name is checked here too, not only by validation: an
    absolute or ``../`` name would put kk, the config with its passwords and the logs anywhere
    (issue #10 item 7).
    """
    name = cluster_name or "cluster"
    if len(name) > CLUSTER_NAME_MAX or not CLUSTER_NAME_RE.match(name):
        raise ConfigError(L_("metadata.name {name} cannot name the work directory: use "
                             "lowercase letters, digits, '-' and '.' (see `kkui validate`)",
                             name=repr(name[:60])))
    base = config_path.resolve().parent if config_path is not None else Path.cwd()
    return base / "kkui-work" / name
