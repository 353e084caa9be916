"""The cluster document: a KubeKey config file held as ruamel round-trip documents.

This is the single source of truth and the only thing kkui writes to disk.  Edits touch only
the nodes they change; ``to_text`` keeps every other byte of the original file (see
:mod:`kkui.core.config.roundtrip`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kkui.core.config import comments, guard, hostrows, linestyle, rolegroups, roundtrip
from kkui.core.config.build import build_model
from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLES, ClusterModel
from kkui.core.config.nodes import flow_map, set_preserving_style, split_path
from kkui.core.errors import ConfigError, EditError
from kkui.core.fsutil import atomic_write, fingerprint, read_input
from kkui.i18n import L_

KKUI_API_VERSION = "kkui/v1alpha1"
KKUI_KIND = "KkuiSettings"
_BOM = "\ufeff"


class ClusterDocument:
    """A loaded config file: kk's ``Cluster`` document, any other documents, kkui's own."""

    def __init__(self, text: str, *, source: str = "<config>", path: Path | None = None) -> None:
        self.source = source
        self.path = path
        self._bom = _BOM if text.startswith(_BOM) else ""
        self._original = text[len(self._bom):]
        self._style = roundtrip.guess_indent(self._original)
        self._file_style = linestyle.detect(self._original)
        self._yaml = roundtrip.make_yaml(self._style)
        self.documents: list[Any] = roundtrip.load_documents(self._yaml, self._original, source)
        self._baseline = roundtrip.dump_documents(self._yaml, self.documents)
        self._cluster_index = self._find_cluster(source)
        # what was on disk when loaded: a save refuses to overwrite someone else's newer edit
        self.disk_fingerprint: str | None = None

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ClusterDocument:
        file = Path(path)
        raw = read_input(file)  # regular files only, size-capped: never hangs on a FIFO
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(L_("not UTF-8 text (byte {offset})", offset=exc.start),
                              path=str(file)) from None
        doc = cls(text, source=str(file), path=file)
        doc.disk_fingerprint = fingerprint(raw)
        return doc

    @classmethod
    def from_text(cls, text: str, source: str = "<text>") -> ClusterDocument:
        return cls(text, source=source)

    @classmethod
    def from_profile(cls, name: str) -> ClusterDocument:
        from kkui.core.config.profiles import profile_path

        return cls(profile_path(name).read_text(encoding="utf-8"), source=f"profile:{name}")

    def _find_cluster(self, source: str) -> int:
        kinds = [(d.get("apiVersion"), d.get("kind")) if isinstance(d, Mapping) else (None, None)
                 for d in self.documents]
        for index, (_, kind) in enumerate(kinds):
            if kind == "Cluster":
                return index
        if any(str(api or "").startswith("kubekey.kubesphere.io/v1") and kind in
               ("Inventory", "Config") for api, kind in kinds):
            raise ConfigError(L_(
                "this is a kk v4 config (Inventory/Config); kkui drives kk v3 (v3.1.x), whose "
                "config is a `kind: Cluster` document. Create one with `kkui export-config`."),
                path=source)
        if not any(isinstance(d, Mapping) for d in self.documents):
            raise ConfigError(L_("the file is empty or holds no YAML mapping; expected a "
                                 "KubeKey `kind: Cluster` document"), path=source)
        raise ConfigError(L_("no `kind: Cluster` document found (kk only reads that kind); "
                             "check the `kind:` line"), path=source)

    # ------------------------------------------------------------------ access
    @property
    def cluster(self) -> CommentedMap:
        return self.documents[self._cluster_index]

    @property
    def kkui(self) -> CommentedMap | None:
        for doc in self.documents:
            if isinstance(doc, Mapping) and (doc.get("apiVersion") == KKUI_API_VERSION
                                             or doc.get("kind") == KKUI_KIND):
                return doc  # type: ignore[return-value]
        return None

    @property
    def uses_master_group(self) -> bool:
        """kk v1.x files call the control-plane group ``master``."""
        groups = self._role_groups(create=False)
        return groups is not None and "master" in groups and ROLE_CONTROL_PLANE not in groups

    def model(self) -> ClusterModel:
        return build_model(self.cluster, self.kkui)

    def validate(self) -> list[Any]:
        from kkui.core.config.validate import validate_document

        return validate_document(self)

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.cluster
        for key in split_path(dotted):
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return default
        return node

    def get_kkui(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.kkui
        for key in ["spec", *split_path(dotted)]:
            if not isinstance(node, Mapping) or key not in node:
                return default
            node = node[key]
        return node

    @property
    def is_modified(self) -> bool:
        return roundtrip.dump_documents(self._yaml, self.documents) != self._baseline

    # ------------------------------------------------------------------ output
    def to_text(self) -> str:
        """The whole file as it would be written (raises UnsafeEditError, see _render)."""
        return self._render(self.documents)

    def kk_text(self) -> str:
        """Only kk's documents: what kk gets in its work dir."""
        kkui = self.kkui
        return self._render([d for d in self.documents if d is not kkui])

    def _render(self, documents: list[Any]) -> str:
        """The only place that produces text to write: the patched original, checked by the
        write guard against ``documents`` (every write path goes through here)."""
        new = roundtrip.dump_documents(self._yaml, documents)
        if new == self._baseline:
            # the documents serialize exactly as loaded from the original: nothing to check
            return self._bom + self._original
        text = roundtrip.patch_original(self._original, self._baseline, new, self._file_style)
        guard.check(text, documents, original=self._original, source=self.source)
        return self._bom + text

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise EditError(L_("no file name: give a path to save to"))
        text = self.to_text()
        same_file = self.path is not None and os.path.abspath(target) == os.path.abspath(self.path)
        atomic_write(target, text, expect=self.disk_fingerprint if same_file else None)
        self.disk_fingerprint = fingerprint(text.encode("utf-8"))
        self._reset(text, target)
        return target

    def replace_with(self, text: str) -> None:
        """Take the documents of ``text`` as one edit (a recovery copy restored): the file's
        original stays the baseline, so the title shows unsaved changes and saving patches
        only what differs."""
        other = ClusterDocument(text, source=self.source)
        self.documents = other.documents
        self._cluster_index = other._cluster_index

    def _reset(self, text: str, path: Path) -> None:
        """After a save the written text is the new original."""
        self.path = path
        self.source = str(path)
        self._original = text[len(self._bom):]
        self._file_style = linestyle.detect(self._original)
        self._baseline = roundtrip.dump_documents(self._yaml, self.documents)

    # ------------------------------------------------------------- generic set
    def set(self, dotted: str, value: Any) -> None:
        keys = split_path(dotted)
        if not keys:
            raise EditError(L_("empty path"))
        parent = self._walk_create(self.cluster, keys[:-1], dotted)
        set_preserving_style(parent, keys[-1], value)
        self._sync_lb_from_cluster(keys)

    def set_kkui(self, dotted: str, value: Any) -> None:
        keys = split_path(dotted)
        spec = self._ensure_kkui()["spec"]
        parent = self._walk_create(spec, keys[:-1], f"kkui spec.{dotted}")
        set_preserving_style(parent, keys[-1], value)
        if keys[0] == "loadBalancer" and keys[-1] in ("vip", "port"):
            self._sync_cluster_from_lb()

    def remove_kkui(self, dotted: str) -> Any:
        """Remove a key from kkui's document spec; returns the removed node (or None)."""
        keys = split_path(dotted)
        parent = self.get_kkui(".".join(keys[:-1])) if len(keys) > 1 else self.get_kkui("")
        if isinstance(parent, dict) and keys and keys[-1] in parent:
            return parent.pop(keys[-1])
        return None

    def delete(self, dotted: str) -> bool:
        keys = split_path(dotted)
        parent = self.get(".".join(keys[:-1])) if len(keys) > 1 else self.cluster
        if isinstance(parent, dict) and keys[-1] in parent:
            del parent[keys[-1]]
            return True
        return False

    def _walk_create(self, root: Any, keys: list[str], dotted: str) -> Any:
        node = root
        for key in keys:
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    raise EditError(L_("{path}: no list item {index}", path=dotted,
                                       index=key))
                node = node[int(key)]
                continue
            if not isinstance(node, dict):
                raise EditError(L_("{path}: `{key}` is under a value that is not a mapping",
                                   path=dotted, key=key))
            child = node.get(key)
            if child is None:
                child = CommentedMap()
                node[key] = child
            node = child
        if not isinstance(node, (dict, list)):
            raise EditError(L_("{path}: the parent is not a mapping", path=dotted))
        return node

    def _ensure_kkui(self) -> CommentedMap:
        doc = self.kkui
        if doc is None:
            doc = CommentedMap()
            doc["apiVersion"] = KKUI_API_VERSION
            doc["kind"] = KKUI_KIND
            name = self.get("metadata.name") or "sample"
            doc["metadata"] = flow_map({"name": name})
            doc["spec"] = CommentedMap()
            doc.yaml_set_start_comment(
                "kkui's own settings (kk ignores documents of other kinds).\n"
                "kk version/zone and the external HAProxy + Keepalived load-balancer pair.")
            self.documents.append(doc)
        if not isinstance(doc.get("spec"), dict):
            doc["spec"] = CommentedMap()
        return doc

    # --------------------------------------------------------- load balancing
    def _sync_lb_from_cluster(self, keys: list[str]) -> None:
        if keys[:2] != ["spec", "controlPlaneEndpoint"] or keys[-1] not in ("address", "port"):
            return
        if self.model().lb_mode != "external":
            return
        field = "vip" if keys[-1] == "address" else "port"
        value = self.get(".".join(keys))
        lb = self.get_kkui("loadBalancer")
        if isinstance(lb, dict):
            set_preserving_style(lb, field, value)

    def _sync_cluster_from_lb(self) -> None:
        vip, port = self.get_kkui("loadBalancer.vip"), self.get_kkui("loadBalancer.port")
        cpe = self._walk_create(self.cluster, ["spec", "controlPlaneEndpoint"], "")
        if vip is not None:
            set_preserving_style(cpe, "address", str(vip))
        if port is not None:
            set_preserving_style(cpe, "port", port)
        if "internalLoadbalancer" in cpe:
            del cpe["internalLoadbalancer"]

    def set_control_plane_endpoint(self, mode: str, *, address: str | None = None,
                                   port: int | None = None, domain: str | None = None) -> None:
        """Choose the endpoint design: ``none``, ``haproxy``, ``kube-vip`` or ``external``.

        ``external`` is kkui's HAProxy + Keepalived pair: ``address``/``port`` become its VIP and
        frontend port in kkui's document, and the Cluster's endpoint follows them.
        """
        cpe = self._walk_create(self.cluster, ["spec", "controlPlaneEndpoint"],
                                "spec.controlPlaneEndpoint")
        if mode not in ("none", "haproxy", "kube-vip", "external"):
            raise EditError(L_("unknown endpoint mode {mode}: use none, haproxy, kube-vip or "
                               "external", mode=repr(mode)))
        if mode in ("haproxy", "kube-vip"):
            if "internalLoadbalancer" in cpe:
                set_preserving_style(cpe, "internalLoadbalancer", mode)
            else:
                cpe.insert(0, "internalLoadbalancer", mode)
        elif "internalLoadbalancer" in cpe:
            del cpe["internalLoadbalancer"]
        if domain is not None:
            set_preserving_style(cpe, "domain", domain)
        if mode == "haproxy":
            set_preserving_style(cpe, "address", "")  # kk refuses haproxy together with an address
        elif address is not None:
            set_preserving_style(cpe, "address", address)
        if port is not None:
            set_preserving_style(cpe, "port", port)
        if mode == "external":
            if address is not None:
                self.set_kkui("loadBalancer.vip", address)
            self.set_kkui("loadBalancer.port", port if port is not None else cpe.get("port", 6443))
        elif mode == "none":
            set_preserving_style(cpe, "address", address or "")

    # ------------------------------------------------------------------ hosts
    def _hosts(self, *, lb: bool = False, create: bool = True) -> CommentedSeq | None:
        """``spec.hosts``, or kkui's ``loadBalancer.hosts`` with ``lb``."""
        if lb:
            if not create and self.kkui is None:
                return None
            root = self._ensure_kkui()["spec"] if create else self.get_kkui("")
            parent = self._walk_create(root, ["loadBalancer"], "loadBalancer") if create \
                else self.get_kkui("loadBalancer")
        else:
            parent = self._walk_create(self.cluster, ["spec"], "spec") if create else \
                self.cluster.get("spec")
        if not isinstance(parent, dict):
            return None
        hosts = parent.get("hosts")
        if not isinstance(hosts, CommentedSeq) and create:
            hosts = CommentedSeq()
            parent["hosts"] = hosts
        return hosts if isinstance(hosts, CommentedSeq) else None

    def _host_row(self, name: str, *, lb: bool) -> tuple[CommentedSeq, int]:
        hosts = self._hosts(lb=lb, create=False)
        where = "kkui's load-balancer hosts" if lb else "spec.hosts"
        return hosts if hosts is not None else CommentedSeq(), \
            hostrows.host_index(hosts or [], name, where)

    def host_names(self, *, lb: bool = False) -> list[str]:
        return hostrows.host_names(self._hosts(lb=lb, create=False) or [])

    def add_host(self, fields: Mapping[str, Any], *, lb: bool = False) -> None:
        existing: list[Any] = self._hosts(lb=lb, create=False) or []
        row = hostrows.new_host_row(fields, existing)  # raises before anything changes
        hosts = self._hosts(lb=lb)
        assert hosts is not None
        hosts.append(row)

    def update_host(self, name: str, /, *, lb: bool = False, **fields: Any) -> None:
        # positional-only: a rename passes the new name as fields["name"]
        hostrows.check_host_fields(fields)
        hosts, index = self._host_row(name, lb=lb)
        if "name" in fields and fields["name"] != name:
            self.rename_host(name, str(fields.pop("name")), lb=lb)
        row = hosts[index]
        for key, value in fields.items():
            if value is None:
                row.pop(key, None)
            else:
                set_preserving_style(row, key, value)

    def remove_host(self, name: str, *, lb: bool = False) -> None:
        hosts, index = self._host_row(name, lb=lb)
        comments.delete_seq_item(hosts, index)
        groups = self._role_groups(create=False)
        if not lb and groups is not None:
            for key in list(groups):
                rolegroups.remove_member(groups, str(key), name)

    def rename_host(self, old: str, new: str, *, lb: bool = False) -> None:
        hosts, index = self._host_row(old, lb=lb)
        if new in self.host_names(lb=lb):
            raise EditError(L_("cannot rename {old} to {new}: that name is taken",
                               old=repr(old), new=repr(new)))
        set_preserving_style(hosts[index], "name", new)
        groups = self._role_groups(create=False)
        if not lb and groups is not None:
            for key in list(groups):
                rolegroups.rename_member(groups, str(key), old, new)

    # ------------------------------------------------------------------ roles
    def _role_groups(self, *, create: bool) -> CommentedMap | None:
        spec = self.cluster.get("spec")
        if not isinstance(spec, dict):
            if not create:
                return None
            spec = self._walk_create(self.cluster, ["spec"], "spec")
        groups = spec.get("roleGroups")
        if not isinstance(groups, dict):
            if not create:
                return None
            groups = CommentedMap()
            spec["roleGroups"] = groups
        return groups

    def _group_key(self, role: str) -> str:
        return "master" if role == ROLE_CONTROL_PLANE and self.uses_master_group else role

    def set_roles(self, name: str, roles: Iterable[str], *, host_order: bool = False) -> None:
        """``host_order``: a group ``name`` joins is kept in spec.hosts' order (the console's
        toggles); otherwise it is appended (a scripted edit changes one line)."""
        wanted = {ROLE_CONTROL_PLANE if r == "master" else r for r in roles}
        unknown = wanted - set(ROLES)
        if unknown:
            raise EditError(L_("unknown role(s) {roles}: use {known}",
                               roles=", ".join(sorted(unknown)), known=", ".join(ROLES)))
        self._host_row(name, lb=False)  # raises with the list of known hosts
        groups = self._role_groups(create=True)
        for role in ROLES:
            if role in wanted:
                rolegroups.add_member(groups, self._group_key(role), name,
                                      order=self.host_names() if host_order else ())
            else:
                rolegroups.remove_member(groups, self._group_key(role), name)

    def set_role_members(self, role: str, names: Iterable[str]) -> None:
        """Replace a whole group (ranges are written out as names)."""
        groups = self._role_groups(create=True)
        rolegroups.replace_members(groups, self._group_key(role), list(names))
