"""Real sshd hosts for the precheck tests (see tests/support/sshlab.py)."""

from __future__ import annotations

import pytest
from support.sshlab import LabHost, SshLab, sshlab  # noqa: F401  (session fixture)

from kkui.core.ssh import KnownHosts

SLOW_NPROC = "#!/bin/sh\nsleep 20\necho 4\n"


@pytest.fixture
def known_hosts(tmp_path, monkeypatch) -> KnownHosts:
    """A fresh kkui known-hosts file (and an empty 'user' file) for this test only."""
    ours = tmp_path / "kkui_known_hosts"
    user = tmp_path / "user_known_hosts"
    monkeypatch.setenv("KKUI_KNOWN_HOSTS", str(ours))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(user))
    return KnownHosts(ours, user)


@pytest.fixture(scope="session")
def farm(sshlab: SshLab) -> dict[str, LabHost]:  # noqa: F811
    """The scenario hosts of the issue, started together once per session."""
    specs: dict[str, dict] = {
        "healthy": {},
        "nosocat": {"tools_missing": ("socat", "conntrack")},
        "sbinct": {"tools_missing": ("conntrack",), "sbin_tools": ("conntrack",)},
        "selinux": {"selinux": "Enforcing", "active_services": ("firewalld",)},
        "arm": {"arch": "aarch64", "kernel": "5.15.0-91-generic"},
        "pwsudo": {"sudo": "password"},
        "slow": {"stubs": {"nproc": SLOW_NPROC}},
        "busy": {"listening": (22, 6443, 2379)},
        "twin": {"hostname": "healthy"},
        "lbok": {"tools": ("haproxy", "keepalived")},
        "lbinst": {"tools": (), "stubs": {"apt-cache": "#!/bin/sh\nexit 0\n",
                                          "apt-get": "#!/bin/sh\nexit 0\n"}},
        "lbbad": {"tools": (), "listening": (22, 6443), "stubs": {"ping": None}},
    }
    hosts = {name: sshlab.add_host(name, start=False, **spec) for name, spec in specs.items()}
    sshlab.start()
    return hosts
