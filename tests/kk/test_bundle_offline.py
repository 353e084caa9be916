"""The support bundle's masking and file handling, without SSH (issue #12)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from kkui.core.kk.bundle import BundleContent, BundleError, scrub, write_bundle
from kkui.core.kk.redact import Redactor

ROOT = Path(__file__).resolve().parents[2]
PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
       "QyNTUxOQAAACBhbGxfdGhlX3NlY3JldHNfYXJlX2hlcmVfMTIzNDU2Nzg5MA\n"
       "-----END OPENSSH PRIVATE KEY-----")


def test_scrub_masks_keys_tokens_and_secret_looking_values() -> None:
    text = "\n".join([
        '  - {name: n1, address: 127.0.0.1, password: "Hunter2-long", user: root}',
        "        password: Harbor12345",
        '  "authPass": "vrrp-pass-1"',
        "privateKey: |",
        *("  " + line for line in PEM.splitlines()),
        "kubeadm join lb.kubesphere.local:6443 --token abcdef.0123456789abcdef",
        "kubeadm join --certificate-key " + "f" * 64,
        "[sudo] password for me:",  # a prompt, not a secret: kept readable
    ])
    out = scrub(text, Redactor(["Hunter2-long"]))
    for secret in ("Hunter2-long", "Harbor12345", "vrrp-pass-1", "b3BlbnNzaC1rZXktdjEAAAAA",
                   "abcdef.0123456789abcdef", "f" * 64):
        assert secret not in out
    assert 'password: "******"' in out and "password: ******" in out
    assert "(private key removed)" in out and "--token ******" in out
    assert "[sudo] password for me:" in out


def test_a_surviving_secret_refuses_the_bundle(tmp_path: Path) -> None:
    content = BundleContent({"kk.log": "sshpass -p 'S3cret-long-pw' ssh node1"})
    out = tmp_path / "b.tar.gz"
    with pytest.raises(BundleError, match="kk.log"):
        write_bundle(content, out, ["S3cret-long-pw"])
    assert not out.exists()
    with pytest.raises(BundleError) as exc:
        write_bundle(content, out, ["S3cret-long-pw"])
    assert "S3cret-long-pw" not in str(exc.value)


def test_bundle_without_ssh_takes_the_newest_install_log(tmp_path: Path,
                                                         kkui_env: dict[str, str]) -> None:
    from kk.test_cli import write_config

    cfg = write_config(tmp_path / "cluster.yaml", password="S3cret-Passw0rd-x")
    logs = tmp_path / "work" / "logs"
    logs.mkdir(parents=True)
    old, new = logs / "install-20260101-000000.log", logs / "install-20260102-000000.log"
    old.write_text("old run\n")
    new.write_text((ROOT / "tests" / "data" / "kklogs" / "real" /
                    "kk1331-keyfile-missing.log").read_text())
    os.utime(old, (time.time() - 100, time.time() - 100))
    out = tmp_path / "b.tar.gz"
    result = subprocess.run([sys.executable, "-m", "kkui", "bundle", "-f", str(cfg),
                             "--workdir", str(tmp_path / "work"), "--no-collect", "-o",
                             str(out)], cwd=tmp_path, env=kkui_env, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "support bundle written" in result.stdout and "1 finding(s)" in result.stdout
    with tarfile.open(out) as tar:
        log = tar.extractfile("kkui-bundle/kk.log").read().decode()  # type: ignore[union-attr]
        config = tar.extractfile("kkui-bundle/config.yaml").read().decode()  # type: ignore[union-attr]
        names = tar.getnames()
    assert "Failed to read keyfile" in log
    assert "S3cret-Passw0rd-x" not in config and "kind: Cluster" in config
    assert not any(n.startswith("kkui-bundle/evidence/") for n in names)


def test_bundle_with_a_bad_config_exits_2(tmp_path: Path, kkui_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("spec: [unclosed\n")
    result = subprocess.run([sys.executable, "-m", "kkui", "bundle", "-f", str(bad),
                             "--no-collect"], cwd=tmp_path, env=kkui_env, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("kkui-bundle-*"))
