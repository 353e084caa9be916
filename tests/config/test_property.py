"""Property: load → edit → save → load gives the edited model and keeps every comment."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kkui.core.config import ClusterDocument
from kkui.core.config.model import ROLES

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "tests/data/kubekey/config-sample.v1alpha2.yaml",
           REPO / "tests/data/configs/cjk-block.yaml",
           REPO / "profiles/ha-external-lb.yaml"]

names = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
role_sets = st.sets(st.sampled_from(ROLES))
new_hosts = st.lists(st.tuples(names, role_sets, st.booleans()), max_size=8,
                     unique_by=lambda t: t[0])


def comments_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), hosts=new_hosts, data=st.data())
def test_edit_save_load_round_trip(source: Path, hosts: list[tuple[str, set[str], bool]],
                                   data: st.DataObject) -> None:
    doc = ClusterDocument.load(source)
    original_comments = comments_of(source.read_text())
    existing = set(doc.host_names())
    expected_roles: dict[str, tuple[str, ...]] = {n: doc.model().roles_of(n) for n in existing}
    for index, (name, roles, with_password) in enumerate(hosts):
        if name in existing:
            continue
        fields = {"name": name, "address": f"10.99.{index // 250}.{index % 250 + 1}"}
        if with_password:
            fields["password"] = f"pw-{name}"
        doc.add_host(fields)
        doc.set_roles(name, roles)
        expected_roles[name] = tuple(r for r in ROLES if r in roles)
    # re-assign roles of a few existing hosts too
    for name in sorted(existing):
        if data.draw(st.booleans(), label=f"reassign {name}"):
            roles = data.draw(role_sets, label=f"roles {name}")
            doc.set_roles(name, roles)
            expected_roles[name] = tuple(r for r in ROLES if r in roles)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        doc.save(path)
        text = path.read_text()
        reloaded = ClusterDocument.load(path).model()
    assert {h.name for h in reloaded.hosts} == set(expected_roles)
    for name, roles in expected_roles.items():
        assert reloaded.roles_of(name) == roles, name
    for name, _, with_password in hosts:
        if name not in existing and with_password:
            assert reloaded.host(name).password == f"pw-{name}"
    assert comments_of(text) == original_comments
    # untouched top-of-file lines are byte-identical
    assert text.splitlines()[:4] == source.read_text().splitlines()[:4]
    assert not re.search(r"\t", text)
