"""Edits change only what they touch."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.errors import ConfigError, EditError

REPO = Path(__file__).resolve().parents[2]
KK_SAMPLE = REPO / "tests/data/kubekey/config-sample.v1alpha2.yaml"
RANGES = REPO / "tests/data/configs/ranges-flow.yaml"


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_add_host_follows_flow_style_and_quotes() -> None:
    doc = ClusterDocument.load(KK_SAMPLE)
    doc.add_host({"name": "node3", "address": "172.16.0.4", "user": "ubuntu",
                  "password": "s3cret"})
    removed, added = changed_lines(KK_SAMPLE.read_text(), doc.to_text())
    assert removed == []
    assert added == ['  - {name: node3, address: 172.16.0.4, internalAddress: 172.16.0.4, '
                     'user: ubuntu, password: "s3cret"}']
    assert doc.model().host("node3").internal_address == "172.16.0.4"


def test_add_duplicate_or_incomplete_host_is_refused() -> None:
    doc = ClusterDocument.load(KK_SAMPLE)
    with pytest.raises(EditError, match="already exists"):
        doc.add_host({"name": "node1", "address": "172.16.0.9"})
    with pytest.raises(EditError, match="name=... and address"):
        doc.add_host({"name": "node9"})
    with pytest.raises(EditError, match="unknown host field.*adress"):
        doc.add_host({"name": "node9", "adress": "1.2.3.4"})
    assert not doc.is_modified


def test_update_host_changes_one_field() -> None:
    doc = ClusterDocument.load(KK_SAMPLE)
    doc.update_host("node2", user="root", port=2222)
    removed, added = changed_lines(KK_SAMPLE.read_text(), doc.to_text())
    assert removed == ['  - {name: node2, address: 172.16.0.3, internalAddress: 172.16.0.3, '
                       'user: ubuntu, password: "Qcloud@123"}']
    assert added == ['  - {name: node2, address: 172.16.0.3, internalAddress: 172.16.0.3, '
                     'user: root, password: "Qcloud@123", port: 2222}']


def test_remove_host_drops_its_roles_and_own_comments_only() -> None:
    doc = ClusterDocument.load(RANGES)
    doc.remove_host("node3")
    text = doc.to_text()
    assert "node3" not in text
    assert "# the third master" not in text  # directly above node3: it goes with it
    assert "# masters" in text and "# workers" in text and "# first" in text
    assert "# someone else's document, kept as is" in text
    assert doc.model().role_groups["etcd"] == ("node1", "node2")
    assert doc.model().role_groups["worker"] == ("node4", "node5")
    assert "    - node[4:5]\n" in text  # untouched group keeps its range


def test_remove_host_keeps_section_header_of_next_item() -> None:
    doc = ClusterDocument.load(REPO / "tests/data/configs/cjk-block.yaml")
    doc.remove_host("master2")
    text = doc.to_text()
    assert "master2" not in text
    assert "\n\n    # 工作节点\n    - name: worker1\n" in text
    assert "privateKeyPath: ~/.ssh/id_rsa   # 密钥登录\n" in text


def test_rename_updates_role_groups_expanding_only_affected_ranges() -> None:
    doc = ClusterDocument.load(RANGES)
    doc.rename_host("node5", "worker-a")
    model = doc.model()
    assert model.host("worker-a") is not None and model.host("node5") is None
    assert model.role_groups["worker"] == ("node4", "worker-a")
    text = doc.to_text()
    assert "    - node[1:3]\n" in text  # etcd/control-plane groups were not touched
    with pytest.raises(EditError, match="taken"):
        doc.rename_host("node1", "node2")


def test_set_roles_adds_and_removes_memberships() -> None:
    doc = ClusterDocument.load(KK_SAMPLE)
    doc.set_roles("node2", ["etcd", "control-plane"])
    assert doc.model().roles_of("node2") == ("etcd", "control-plane")
    doc.set_roles("node2", [])
    assert doc.model().roles_of("node2") == ()
    with pytest.raises(EditError, match="unknown role"):
        doc.set_roles("node2", ["wroker"])
    with pytest.raises(EditError, match="no host named 'ghost'"):
        doc.set_roles("ghost", ["worker"])


def test_endpoint_modes() -> None:
    doc = ClusterDocument.load(KK_SAMPLE)
    doc.set_control_plane_endpoint("haproxy")
    assert doc.model().lb_mode == "haproxy"
    text = doc.to_text()
    assert "    # internalLoadbalancer: haproxy\n\n    internalLoadbalancer: haproxy\n" in text
    doc.set_control_plane_endpoint("external", address="172.16.0.100", port=8443)
    model = doc.model()
    assert model.lb_mode == "external"
    assert model.kkui.load_balancer.vip == "172.16.0.100"
    assert model.control_plane_endpoint.address == "172.16.0.100"
    assert model.control_plane_endpoint.port == 8443
    assert model.control_plane_endpoint.internal_loadbalancer == ""
    # the kk documents alone carry no kkui document
    assert "kkui/v1alpha1" in doc.to_text() and "kkui/v1alpha1" not in doc.kk_text()


def test_vip_and_endpoint_stay_in_sync() -> None:
    doc = ClusterDocument.from_profile("ha-external-lb")
    doc.set_kkui("loadBalancer.vip", "192.168.233.19")
    assert doc.get("spec.controlPlaneEndpoint.address") == "192.168.233.19"
    doc.set("spec.controlPlaneEndpoint.port", 7443)
    assert doc.model().kkui.load_balancer.port == 7443
    assert not [p for p in doc.validate() if p.severity == "error"]


def test_dotted_set_creates_missing_maps_and_keeps_quote_style() -> None:
    doc = ClusterDocument.load(KK_SAMPLE)
    doc.set("spec.system.timezone", "Asia/Shanghai")
    doc.set("spec.registry.privateRegistry", "dockerhub.kubekey.local")
    text = doc.to_text()
    assert "  system:\n    timezone: Asia/Shanghai\n" in text
    assert '    privateRegistry: "dockerhub.kubekey.local"\n' in text
    with pytest.raises(EditError, match="not a mapping"):
        doc.set("spec.kubernetes.version.major", 1)


def test_save_is_atomic_private_and_keeps_backup(tmp_path: Path) -> None:
    path = tmp_path / "config-sample.yaml"
    path.write_text(KK_SAMPLE.read_text())
    os.chmod(path, 0o644)
    doc = ClusterDocument.load(path)
    doc.set("spec.kubernetes.version", "v1.24.17")
    doc.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    backup = tmp_path / "config-sample.yaml.bak"
    assert backup.read_text() == KK_SAMPLE.read_text()
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "v1.24.17" in path.read_text()
    assert not doc.is_modified
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_failed_save_leaves_the_file_intact(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way (disk full) leaves the old file and no temp file behind."""
    path = tmp_path / "c.yaml"
    path.write_text(KK_SAMPLE.read_text())
    doc = ClusterDocument.load(path)
    doc.set("spec.kubernetes.version", "v1.24.17")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        doc.save()
    assert path.read_text() == KK_SAMPLE.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
    assert doc.is_modified  # the edit is still there to retry


@pytest.mark.parametrize("text,where", [
    ("apiVersion: x\nkind: Cluster\nspec:\n  hosts: [\n", "line"),
    ("kind: Cluster\nspec:\n\thosts: []\n", "line 3"),
    ("kind: Cluster\nspec: {a: 1\n", "line"),
])
def test_malformed_yaml_reports_line_and_column(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        ClusterDocument.from_text(text, source="bad.yaml")
    message = str(info.value)
    assert message.startswith("bad.yaml:") and "malformed YAML" in message
    assert info.value.line > 0 and info.value.column > 0


def test_non_cluster_and_v4_files_are_explained() -> None:
    with pytest.raises(ConfigError, match="no `kind: Cluster` document"):
        ClusterDocument.from_text("apiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(ConfigError, match="kk v4 config"):
        ClusterDocument.from_text("apiVersion: kubekey.kubesphere.io/v1\nkind: Inventory\n")
    with pytest.raises(ConfigError, match="empty"):
        ClusterDocument.from_text("")
