"""The install plan: everything decided before anything is written or started.

One place decides the zone, the workdir, the log name, kk's argv and kk's environment, so
that ``kkui install`` and the TUI cannot disagree (issue #11: the TUI dropped KKZONE and named
its logs differently).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kkui.core.config import ClusterDocument, ClusterModel
from kkui.core.config.problem import Problem
from kkui.core.download.release import resolve_zone
from kkui.core.errors import ConfigError
from kkui.core.kk.process import KK_CONFIG_NAME, create_cluster_argv, kk_environment
from kkui.core.kk.workdir import default_workdir
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.kk.events import KkEvent, PromptShown
    from kkui.core.kk.process import KkProcess

LOG_DIR_NAME = "logs"


def log_name(now: float | None = None) -> str:
    """The one naming scheme of install logs (CLI and TUI): ``install-YYYYmmdd-HHMMSS.log``."""
    return time.strftime("install-%Y%m%d-%H%M%S.log", time.localtime(now))


class InstallRefused(ConfigError):
    """The config has errors: nothing was written or started. ``problems`` lists them all."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class InstallOptions:
    """What the operator chose (CLI flags, or the TUI's start-up options)."""

    workdir: Path | None = None
    kk_binary: Path | None = None  # --kk PATH: no download
    zone: str | None = None  # --zone; None: KKZONE, else the document, else global
    base_url: str | None = None  # a mirror with the release layout
    log_path: Path | None = None  # --log FILE
    log_dir: Path | None = None  # default WORKDIR/logs
    extra_args: tuple[str, ...] = ()  # after `--`, for kk create cluster
    skip_precheck: bool = False


@dataclass(frozen=True)
class InstallPlan:
    model: ClusterModel
    kk_text: str  # kk's documents of the config: what WORKDIR/config-sample.yaml gets
    source: Path | None  # the config file, when there is one
    warnings: tuple[Problem, ...]
    zone: str  # "cn" or "global"
    zone_source: str  # "--zone", "KKZONE", "the document" or "default"
    kk_version: str
    kk_binary: Path | None
    base_url: str | None
    workdir: Path
    log_path: Path
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False)
    skip_precheck: bool = False

    @property
    def kk_config_path(self) -> Path:
        return self.workdir / KK_CONFIG_NAME

    @property
    def kk_path(self) -> Path:
        return self.workdir / "kk"

    @property
    def kkzone(self) -> str | None:
        """KKZONE as kk will see it."""
        return self.env.get("KKZONE")

    def process(self, *, on_event: Callable[[KkEvent], None],
                on_prompt: Callable[[PromptShown], bool | None] | None = None,
                on_tick: Callable[[], None] | None = None, tick: float = 0.5) -> KkProcess:
        """kk create cluster in the workdir, with the plan's environment and redaction."""
        from kkui.core.kk.process import KkProcess

        return KkProcess(self.argv, workdir=self.workdir, on_event=on_event,
                         on_prompt=on_prompt, zone=self.zone, secrets=self.secrets,
                         log_path=self.log_path, on_tick=on_tick, tick=tick, env=self.env)


def plan_install(doc: ClusterDocument, options: InstallOptions = InstallOptions(), *,
                 env: Mapping[str, str] | None = None, now: float | None = None,
                 preview: bool = False) -> InstallPlan:
    """Validate and decide; raises :class:`InstallRefused` on config errors and
    :class:`ConfigError` when the workdir would overwrite the config itself.

    ``preview`` skips rendering kk's config (a full dump of the document): for showing what
    would run, never for running it."""
    environ = os.environ if env is None else env
    problems = doc.validate()
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InstallRefused(L_("{count} error(s) in the config; fix them (see `kkui "
                                "validate`) before installing", count=len(errors)), problems)
    model = doc.model()
    zone = resolve_zone(options.zone, environ, model.kkui.zone)
    source = Path(doc.path) if doc.path is not None else None
    workdir = options.workdir.expanduser() if options.workdir else \
        default_workdir(model.name, source)
    _refuse_overwriting_source(source, workdir)
    log_dir = options.log_dir or workdir / LOG_DIR_NAME
    log_path = options.log_path.expanduser() if options.log_path else log_dir / log_name(now)
    extra = tuple(a for a in options.extra_args if a != "--")
    return InstallPlan(
        model=model, kk_text="" if preview else doc.kk_text(), source=source,
        warnings=tuple(p for p in problems if p.severity != "error"), zone=zone,
        zone_source=_zone_source(options.zone, environ, model.kkui.zone),
        kk_version=model.kkui.kk_version, kk_binary=options.kk_binary,
        base_url=options.base_url, workdir=workdir, log_path=log_path,
        argv=tuple(create_cluster_argv(extra)), env=kk_environment(zone, environ),
        secrets=tuple(secrets_of(model)), skip_precheck=options.skip_precheck)


def describe(plan: InstallPlan) -> str:
    """Which kk runs where: ``kk v3.1.12 (download, zone cn from KKZONE) on 3 host(s)``."""
    if plan.kk_binary is not None:
        which = L_("kk at {path} (your binary; version not checked)", path=str(plan.kk_binary))
    else:
        which = L_("kk {version}", version=plan.kk_version)
    zone = L_("zone {zone}", zone=plan.zone) if plan.zone_source == "default" else \
        L_("zone {zone} from {source}", zone=plan.zone, source=plan.zone_source)
    return L_("{which} create cluster on {count} host(s) ({zone})", which=which,
              count=len(plan.model.hosts), zone=zone)


def secrets_of(model: ClusterModel) -> list[str]:
    """What must never be shown: SSH passwords, inline private keys, kkui's LB passwords."""
    hosts = (*model.hosts, *model.kkui.load_balancer.hosts)
    found = [s for h in hosts for s in (h.password, h.private_key) if s]
    lb = model.kkui.load_balancer.secrets
    return found + [s for s in (lb.auth_pass, lb.stats_password) if s]


def _zone_source(cli_zone: str | None, env: Mapping[str, str], doc_zone: str | None) -> str:
    if cli_zone:
        return "--zone"
    if env.get("KKZONE", "").strip():
        return "KKZONE"
    if doc_zone and doc_zone.strip().lower() == "cn":  # the model's default is "global"
        return "the document"
    return "default"


def _refuse_overwriting_source(source: Path | None, workdir: Path) -> None:
    target = workdir / KK_CONFIG_NAME
    if source and target.exists() and source.resolve() == target.resolve():
        raise ConfigError(L_("workdir {workdir} would overwrite your config {source} with kk's "
                             "part of it; choose another workdir (--workdir)",
                             workdir=str(workdir), source=str(source)))
