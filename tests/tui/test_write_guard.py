"""The console's save and Review screen go through the write guard (issue #9)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from .conftest import SIZE

# A group whose key has an end-of-line comment: emptying it makes ruamel write `[]` on a line
# of its own, which is not YAML (tests/config/test_guard.py).  Loopback addresses only.
CONFIG = """apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: guard
spec:
  hosts:
  - {name: m1, address: 127.0.0.11, internalAddress: 127.0.0.11, privateKeyPath: "~/.ssh/k"}
  - {name: w1, address: 127.0.0.21, internalAddress: 127.0.0.21, privateKeyPath: "~/.ssh/k"}
  - {name: w2, address: 127.0.0.22, internalAddress: 127.0.0.22, privateKeyPath: "~/.ssh/k"}
  roleGroups:
    etcd:
    - m1
    control-plane:
    - m1
    worker:
    - w1
    - w2
    registry:   # the local image registry
    - w2
  kubernetes:
    version: v1.28.15
"""


async def test_a_refused_edit_is_shown_and_never_saved(make_app, tmp_path: Path) -> None:
    path = tmp_path / "config-sample.yaml"
    path.write_text(CONFIG)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.document.remove_host("w2")
        app.document_changed()  # no crash: the recovery copy is skipped, not forced
        await pilot.press("ctrl+s")
        await pilot.pause()
        notes = [n.message for n in app._notifications]  # noqa: SLF001
        assert any("nothing written" in n and "registry:" in n for n in notes), notes
        await app.switch_mode("review")
        await pilot.pause()
        preview = app.screen.query_one("#preview", TextArea).text
        assert preview.startswith("# ") and "nothing written" in preview
        assert app.title.endswith("•")  # the edit is kept, unsaved
    assert path.read_text() == CONFIG
    assert not path.with_name(path.name + ".bak").exists()
