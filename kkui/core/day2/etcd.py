"""etcd snapshots of kk's etcd (type ``kubekey``) and the restore that goes with them.

A snapshot is taken on a member that reports itself healthy, with kk's certificates
(``/etc/ssl/etcd/ssl/admin-<host>.pem``), into ``/var/lib/kkui/`` on that host (0600, owned by
the SSH user so SFTP can read it), checked with ``etcdctl snapshot status``, copied back, compared
by sha256 with the host's ``sha256sum``, and removed from the host: the snapshot holds every
Secret of the cluster.  Locally it is kept 0600 with a ``.sha256`` file (``sha256sum -c``
format) and a ``.json`` with the member, revision, key count and etcd version.

The restore follows etcd's disaster-recovery procedure for v3.4/v3.5 (kk v3.1.12 installs
etcd v3.4.13 or v3.5.x): stop etcd on every member, move ``/var/lib/etcd`` aside, ``etcdctl
snapshot restore`` into a fresh ``/var/lib/etcd`` per member with that member's name and peer URL
and the cluster's ``--initial-cluster-token`` (kk writes ``ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd``
in ``/etc/etcd.env``), start etcd everywhere, then verify.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kkui.core.config.model import ClusterModel, Host
from kkui.core.errors import KkuiError, message_of
from kkui.core.fsutil import atomic_write, atomic_write_stream
from kkui.core.ssh import KnownHosts, SshError, SshSession, connect
from kkui.core.verify import gather
from kkui.i18n import L_, joined

REMOTE_DIR = "/var/lib/kkui"
KK_TOKEN = "k8s_etcd"


class SnapshotFailed(KkuiError):
    """No snapshot was kept; the message says which step failed and why."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    sha256: str
    member: str
    size: int
    revision: int | None
    total_keys: int | None
    etcd_version: str

    def as_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "sha256": self.sha256, "member": self.member,
                "size": self.size, "revision": self.revision, "total_keys": self.total_keys,
                "etcd_version": self.etcd_version}


def _etcdctl(member: Host, endpoint: str) -> str:
    ssl = f'"$R"{gather.ETCD_SSL}'
    return (f"ETCDCTL_API=3 etcdctl --endpoints={shlex.quote(endpoint)} "
            f"--cacert {ssl}/ca.pem --cert {ssl}/admin-{shlex.quote(member.name)}.pem "
            f"--key {ssl}/admin-{shlex.quote(member.name)}-key.pem "
            "--dial-timeout=3s --command-timeout=60s")


def snapshot_script(member: Host, name: str) -> str:
    endpoint = f"https://{member.internal_ipv4}:2379"
    ctl = _etcdctl(member, endpoint)
    remote = f'"$R"{REMOTE_DIR}/{name}'
    return gather.PRELUDE + "".join([
        gather.section("health", f"{ctl} endpoint health -w json"),
        gather.section("save", (f'umask 077; mkdir -p "$R"{REMOTE_DIR} && '
                                f"{ctl} snapshot save {remote} >/dev/null && "
                                f"chown {shlex.quote(member.user)} {remote} 2>/dev/null; "
                                f"test -s {remote}")),
        gather.section("status", f"ETCDCTL_API=3 etcdctl snapshot status {remote} -w json"),
        gather.section("sha256", f"sha256sum {remote}"),
        gather.section("version", f"{ctl} version"),
    ])


def take_snapshot(model: ClusterModel, out_dir: Path, *, timeout: float = 120.0,
                  strict_host_keys: bool = False, known_hosts: KnownHosts | None = None,
                  connector: Callable[..., SshSession] = connect,
                  on_step: Callable[[str], None] | None = None) -> Snapshot:
    """Snapshot from the first healthy member; SnapshotFailed (nothing kept) otherwise."""
    if model.etcd_type != "kubekey" or not model.etcd_hosts:
        raise SnapshotFailed(L_("the config has no etcd managed by kk (etcd.type kubekey with "
                                "an etcd group): nothing to snapshot"))
    say = on_step or (lambda _text: None)
    known = known_hosts if known_hosts is not None else KnownHosts()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"etcd-snapshot-{model.name}-{stamp}.db"
    errors: list[str] = []
    for member in model.etcd_hosts:
        try:
            session = connector(member, known_hosts=known, strict_host_keys=strict_host_keys,
                                connect_timeout=5.0)
        except SshError as exc:
            errors.append(message_of(exc))
            continue
        try:
            snap = _snapshot_from(session, member, name, out_dir, timeout, say, errors)
        finally:
            session.close()
        if snap is not None:
            return snap
    raise SnapshotFailed(L_("no healthy etcd member could take a snapshot: {errors}",
                            errors=joined("; ", errors)))


def _snapshot_from(session: SshSession, member: Host, name: str, out_dir: Path,
                   timeout: float, say: Callable[[str], None], errors: list[str]
                   ) -> Snapshot | None:
    """The snapshot, or None (the reason appended to ``errors``) to try the next member."""
    script = snapshot_script(member, name)
    res = session.run(f"/bin/bash -c {shlex.quote(script)}", sudo=True, timeout=timeout)
    sections = gather.parse_sections(res.stdout)
    health = sections.get("health")
    try:
        healthy = bool(health and json.loads(health.stdout)[0].get("health"))
    except (ValueError, IndexError, AttributeError):
        healthy = False
    remote = f"{REMOTE_DIR}/{name}"
    if not healthy:
        errors.append(L_("{host}: not healthy ({why})", host=member.name,
                         why=health.why() if health else L_("no answer")))
        _remove_remote(session, remote)
        return None
    save = sections.get("save")
    if save is None or not save.ok:
        why = save.why() if save is not None else L_("no answer")
        errors.append(L_("{host}: snapshot save failed ({why})", host=member.name, why=why))
        _remove_remote(session, remote)
        return None
    say(L_("snapshot saved on {host}:{path}", host=member.name, path=remote))
    status_sec = sections.get("status")
    status: dict[str, object] = {}
    if status_sec is not None and status_sec.ok:
        try:
            status = json.loads(status_sec.stdout)
        except ValueError:
            status = {}
    sum_sec = sections.get("sha256")
    remote_sum = (sum_sec.stdout.split() or [""])[0] if sum_sec is not None else ""
    version = sections.get("version")
    etcd_version = ""
    if version is not None:
        for line in version.stdout.splitlines():
            if line.lower().startswith("etcdctl version:"):
                etcd_version = line.split(":", 1)[1].strip()
    local = out_dir / name
    root_prefix = _remote_root(session)
    try:
        with session.open_sftp() as sftp, sftp.open(root_prefix + remote, "rb") as handle:
            handle.prefetch()
            path, digest = atomic_write_stream(local, handle.read, mode=0o600)
    except (OSError, SshError) as exc:
        raise SnapshotFailed(L_("copying the snapshot from {host} failed: {why}",
                                host=member.name, why=str(exc))) from None
    finally:
        _remove_remote(session, remote)
    if remote_sum and digest != remote_sum:
        path.unlink(missing_ok=True)
        raise SnapshotFailed(L_("the copy from {host} does not match its sha256 ({local}… vs "
                                "{remote}…): nothing kept", host=member.name,
                                local=digest[:12], remote=remote_sum[:12]))
    say(L_("copied to {path} (sha256 {sha}…, checked against {host})", path=str(path),
           sha=digest[:12], host=member.name))
    snap = Snapshot(path, digest, member.name, path.stat().st_size,
                    _int(status.get("revision")), _int(status.get("totalKey")), etcd_version)
    atomic_write(path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n",
                 mode=0o600, keep_backup=False)
    atomic_write(path.with_name(path.name + ".json"),
                 json.dumps(snap.as_dict(), indent=2) + "\n", mode=0o600, keep_backup=False)
    return snap


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float | str) and str(value).isdigit() else None


def _remote_root(session: SshSession) -> str:
    res = session.run('printf %s "${KKUI_PRECHECK_ROOT:-}"', timeout=10)
    return res.stdout.strip()


def _remove_remote(session: SshSession, remote: str) -> None:
    """The snapshot holds every Secret of the cluster: never leave a copy on the host."""
    script = f'rm -f "${{KKUI_PRECHECK_ROOT:-}}{remote}"'
    with contextlib.suppress(SshError):
        session.run(f"/bin/sh -c {shlex.quote(script)}", sudo=True, timeout=15)


@dataclass(frozen=True)
class RestoreStep:
    host: str
    what: str
    script: str


def read_token(session: SshSession) -> str:
    """``ETCD_INITIAL_CLUSTER_TOKEN`` from kk's /etc/etcd.env, else kk's default."""
    res = session.run('cat "${KKUI_PRECHECK_ROOT:-}/etc/etcd.env" 2>/dev/null', sudo=True,
                      timeout=15)
    for line in res.stdout.splitlines():
        if line.startswith("ETCD_INITIAL_CLUSTER_TOKEN="):
            return line.split("=", 1)[1].strip().strip('"') or KK_TOKEN
    return KK_TOKEN


def restore_steps(model: ClusterModel, snapshot_name: str, token: str = KK_TOKEN,
                  stamp: str | None = None) -> list[RestoreStep]:
    """Every step, in order, as shell run as root on each member (also what --yes runs)."""
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    members = model.etcd_hosts
    initial = ",".join(f"{m.name}=https://{m.internal_ipv4}:2380" for m in members)
    snap = f'"$R"{REMOTE_DIR}/{shlex.quote(snapshot_name)}'
    steps = [RestoreStep(m.name, L_("stop etcd"), "systemctl stop etcd") for m in members]
    for m in members:
        steps.append(RestoreStep(
            m.name, L_("restore the snapshot into a fresh /var/lib/etcd (the old one is kept "
                       "as /var/lib/etcd.before-restore-{stamp})", stamp=stamp),
            f'set -e; if [ -d "$R"/var/lib/etcd ]; then mv "$R"/var/lib/etcd '
            f'"$R"/var/lib/etcd.before-restore-{stamp}; fi; '
            f"ETCDCTL_API=3 etcdctl snapshot restore {snap} --name {shlex.quote(m.name)} "
            f"--initial-cluster {shlex.quote(initial)} "
            f"--initial-cluster-token {shlex.quote(token)} "
            f"--initial-advertise-peer-urls https://{m.internal_ipv4}:2380 "
            '--data-dir "$R"/var/lib/etcd >/dev/null; '
            f"rm -f {snap}"))
    steps += [RestoreStep(m.name, L_("start etcd"), "systemctl start etcd") for m in members]
    return steps


def upload_snapshot(session: SshSession, local: Path, name: str, timeout: float = 300) -> None:
    """Copy the snapshot to the member's /var/lib/kkui/ (0600) through the SSH user's home."""
    staging = f".kkui-restore-{name}"
    try:
        with session.open_sftp() as sftp:
            sftp.put(str(local), staging)
            sftp.chmod(staging, 0o600)
            staged = sftp.normalize(staging)     # absolute: the SSH user's home
    except OSError as exc:
        raise SnapshotFailed(L_("{host}: cannot upload the snapshot: {error}",
                                host=session.host.name, error=str(exc))) from None
    script = (f'umask 077; mkdir -p "$R"{REMOTE_DIR} && '
              f'mv {shlex.quote(staged)} "$R"{REMOTE_DIR}/{shlex.quote(name)}')
    res = session.run(f"/bin/bash -c {shlex.quote('R=${KKUI_PRECHECK_ROOT:-}; ' + script)}",
                      sudo=True, timeout=timeout)
    if not res.ok:
        raise SnapshotFailed(L_("{host}: cannot place the snapshot: {error}",
                                host=session.host.name, error=res.stderr.strip()[-200:]))


def run_restore(model: ClusterModel, snapshot: Path, *, strict_host_keys: bool = False,
                known_hosts: KnownHosts | None = None,
                connector: Callable[..., SshSession] = connect,
                on_step: Callable[[RestoreStep, bool, str], None] | None = None,
                timeout: float = 300) -> bool:
    """Upload, then run :func:`restore_steps`; stops at the first failing step."""
    known = known_hosts if known_hosts is not None else KnownHosts()
    sessions = {m.name: connector(m, known_hosts=known, strict_host_keys=strict_host_keys,
                                  connect_timeout=5.0) for m in model.etcd_hosts}
    try:
        for session in sessions.values():
            upload_snapshot(session, snapshot, snapshot.name, timeout)
        token = read_token(next(iter(sessions.values())))
        for step in restore_steps(model, snapshot.name, token):
            script = "R=${KKUI_PRECHECK_ROOT:-}; " + step.script
            res = sessions[step.host].run(f"/bin/bash -c {shlex.quote(script)}", sudo=True,
                                          timeout=timeout)
            why = "" if res.ok else (res.stderr.strip().splitlines() or ["failed"])[-1]
            if on_step is not None:
                on_step(step, res.ok, why)
            if not res.ok:
                return False
        return True
    finally:
        for session in sessions.values():
            session.close()
