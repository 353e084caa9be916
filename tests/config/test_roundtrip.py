"""Saving an unchanged document reproduces the file byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument

REPO = Path(__file__).resolve().parents[2]
KK_SAMPLES = sorted((REPO / "tests/data/kubekey").glob("*.yaml"))
OWN_SAMPLES = sorted((REPO / "tests/data/configs").glob("*.yaml"))
PROFILES = sorted((REPO / "profiles").glob("*.yaml"))
SHARED = REPO.parent / "shared" / "kubekey"


def test_kk_samples_are_the_shared_ones() -> None:
    """tests/data/kubekey is a copy of ../shared/kubekey (kk v3.1.12 and v1.2.0 output)."""
    if not SHARED.is_dir():
        pytest.skip("../shared/kubekey is not beside this checkout")
    for sample in KK_SAMPLES:
        assert sample.read_bytes() == (SHARED / sample.name).read_bytes(), sample.name


@pytest.mark.parametrize("path", KK_SAMPLES + OWN_SAMPLES + PROFILES, ids=lambda p: p.name)
def test_unchanged_document_is_byte_exact(path: Path, tmp_path: Path) -> None:
    original = path.read_bytes()
    doc = ClusterDocument.load(path)
    assert doc.to_text().encode() == original
    assert not doc.is_modified
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    ClusterDocument.load(copy).save()
    assert copy.read_bytes() == original


def test_kk_sample_details_survive_an_edit() -> None:
    """The leading blank line, `control-plane: ` trailing space, comments and the two final
    blank lines (KUBEKEY.md) stay when an unrelated field changes."""
    path = REPO / "tests/data/kubekey/config-sample.v1alpha2.yaml"
    doc = ClusterDocument.load(path)
    doc.set("spec.kubernetes.version", "v1.24.17")
    text = doc.to_text()
    original = path.read_text()
    assert text == original.replace("version: v1.23.17", "version: v1.24.17")
    assert text.startswith("\napiVersion:")
    assert "    control-plane: \n" in text
    assert "    ## Internal loadbalancer for apiservers \n    # internalLoadbalancer: haproxy\n\n" \
        in text
    assert text.endswith("  addons: []\n\n\n")


def test_kubesphere_document_is_kept_when_cluster_is_edited() -> None:
    path = REPO / "tests/data/kubekey/config-sample.v1alpha2-kubesphere.yaml"
    original = path.read_text()
    doc = ClusterDocument.load(path)
    doc.set("spec.network.plugin", "cilium")
    text = doc.to_text()
    cluster_part, _, ks_part = original.partition("\n---\n")
    assert text.partition("\n---\n")[2] == ks_part  # odd indentation and comments included
    assert text == original.replace("plugin: calico", "plugin: cilium", 1)


def test_v1alpha1_master_group_is_edited_in_place() -> None:
    path = REPO / "tests/data/kubekey/config-sample.v1alpha1.yaml"
    doc = ClusterDocument.load(path)
    assert doc.model().control_plane_hosts[0].name == "node1"
    doc.set_roles("node2", ["control-plane", "worker"])
    text = doc.to_text()
    assert "control-plane" not in text
    assert "    master: \n    - node1\n    - node2\n" in text
    assert "password: Qcloud@123}" in text  # unquoted passwords stay unquoted
    assert "    ##Internal loadbalancer for apiservers \n" in text


def test_cjk_comments_and_block_style_hosts_survive(tmp_path: Path) -> None:
    path = REPO / "tests/data/configs/cjk-block.yaml"
    doc = ClusterDocument.load(path)
    doc.add_host({"name": "worker2", "address": "10.0.0.22", "user": "root",
                  "privateKeyPath": "~/.ssh/id_rsa"})
    doc.set_roles("worker2", ["worker"])
    text = doc.to_text()
    for comment in ("# 生产集群配置 —— 请勿随意修改   \n", "name: 生产 # 集群名称",
                    "# 主节点（控制平面）", "# 工作节点", "# 内置负载均衡",
                    "  unknownField: kept   \n"):
        assert comment in text
    # the new row follows the file's block style and 4-space sequence indentation
    assert "    - name: worker2\n      address: 10.0.0.22\n      internalAddress: 10.0.0.22\n" \
        in text
    assert "      - worker1\n      - worker2\n" in text
    assert "      - master[1:2]\n" in text  # the range is kept: that group was not edited


def test_bom_and_crlf_free_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    body = (REPO / "tests/data/kubekey/config-sample.v1alpha2.yaml").read_text()
    path.write_bytes("\ufeff".encode() + body.encode())
    doc = ClusterDocument.load(path)
    doc.set("spec.kubernetes.version", "v1.25.16")
    assert doc.to_text().startswith("\ufeff\napiVersion")
