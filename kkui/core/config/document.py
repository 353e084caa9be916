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
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from kkui.core.config import comments, roundtrip
from kkui.core.config.build import build_model
from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLES, ClusterModel
from kkui.core.config.ranges import expand, expand_all, is_range
from kkui.core.errors import ConfigError, EditError
from kkui.core.fsutil import atomic_write

KKUI_API_VERSION = "kkui/v1alpha1"
KKUI_KIND = "KkuiSettings"
HOST_FIELDS = ("name", "address", "internalAddress", "port", "user", "password", "privateKey",
               "privateKeyPath", "arch", "timeout", "labels")
SECRET_FIELDS = ("password", "privateKey")
_BOM = "\ufeff"


class ClusterDocument:
    """A loaded config file: kk's ``Cluster`` document, any other documents, kkui's own."""

    def __init__(self, text: str, *, source: str = "<config>", path: Path | None = None) -> None:
        self.source = source
        self.path = path
        self._bom = _BOM if text.startswith(_BOM) else ""
        self._original = text[len(self._bom):]
        self._style = roundtrip.guess_indent(self._original)
        self._yaml = roundtrip.make_yaml(self._style)
        self.documents: list[Any] = roundtrip.load_documents(self._yaml, self._original, source)
        self._baseline = roundtrip.dump_documents(self._yaml, self.documents)
        self._cluster_index = self._find_cluster(source)

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ClusterDocument:
        file = Path(path)
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise ConfigError("no such file (create one with `kkui export-config`)",
                              path=str(file)) from None
        except IsADirectoryError:
            raise ConfigError("is a directory, not a config file", path=str(file)) from None
        except PermissionError:
            raise ConfigError("permission denied", path=str(file)) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not UTF-8 text (byte {exc.start})", path=str(file)) from None
        return cls(text, source=str(file), path=file)

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
            raise ConfigError(
                "this is a kk v4 config (Inventory/Config); kkui drives kk v3 (v3.1.x), whose "
                "config is a `kind: Cluster` document. Create one with `kkui export-config`.",
                path=source)
        if not any(isinstance(d, Mapping) for d in self.documents):
            raise ConfigError("the file is empty or holds no YAML mapping; expected a KubeKey "
                              "`kind: Cluster` document", path=source)
        raise ConfigError("no `kind: Cluster` document found (kk only reads that kind); check "
                          "the `kind:` line", path=source)

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
        new = roundtrip.dump_documents(self._yaml, self.documents)
        return self._bom + roundtrip.patch_original(self._original, self._baseline, new)

    def kk_text(self) -> str:
        """Only kk's documents: what kk gets in its work dir."""
        kkui = self.kkui
        docs = [d for d in self.documents if d is not kkui]
        new = roundtrip.dump_documents(self._yaml, docs)
        return roundtrip.patch_original(self._original, self._baseline, new)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise EditError("no file name: give a path to save to")
        text = self.to_text()
        atomic_write(target, text)
        self._reset(text, target)
        return target

    def _reset(self, text: str, path: Path) -> None:
        """After a save the written text is the new original."""
        self.path = path
        self.source = str(path)
        self._original = text[len(self._bom):]
        self._baseline = roundtrip.dump_documents(self._yaml, self.documents)

    # ------------------------------------------------------------- generic set
    def set(self, dotted: str, value: Any) -> None:
        keys = split_path(dotted)
        if not keys:
            raise EditError("empty path")
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
                    raise EditError(f"{dotted}: no list item {key}")
                node = node[int(key)]
                continue
            if not isinstance(node, dict):
                raise EditError(f"{dotted}: `{key}` is under a value that is not a mapping")
            child = node.get(key)
            if child is None:
                child = CommentedMap()
                node[key] = child
            node = child
        if not isinstance(node, (dict, list)):
            raise EditError(f"{dotted}: the parent is not a mapping")
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
            raise EditError(f"unknown endpoint mode {mode!r}: use none, haproxy, kube-vip or "
                            "external")
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
        if lb:
            if not create and self.kkui is None:
                return None
            root = self._ensure_kkui()["spec"] if create else self.kkui["spec"]  # type: ignore[index]
            parent = self._walk_create(root, ["loadBalancer"], "loadBalancer") if create else \
                root.get("loadBalancer")
        else:
            parent = self._walk_create(self.cluster, ["spec"], "spec") if create else \
                self.cluster.get("spec")
        if not isinstance(parent, dict):
            return None
        hosts = parent.get("hosts")
        if not isinstance(hosts, list):
            if not create:
                return None
            hosts = CommentedSeq()
            parent["hosts"] = hosts
        return hosts if isinstance(hosts, CommentedSeq) else None

    def _host_index(self, name: str, *, lb: bool = False) -> int:
        hosts: list[Any] = self._hosts(lb=lb, create=False) or []
        for index, row in enumerate(hosts):
            if isinstance(row, Mapping) and str(row.get("name")) == name:
                return index
        where = "kkui's load-balancer hosts" if lb else "spec.hosts"
        known = ", ".join(str(r.get("name")) for r in hosts if isinstance(r, Mapping)) or "none"
        raise EditError(f"no host named {name!r} in {where} (known: {known})")

    def host_names(self, *, lb: bool = False) -> list[str]:
        hosts: list[Any] = self._hosts(lb=lb, create=False) or []
        return [str(r.get("name")) for r in hosts if isinstance(r, Mapping)]

    def add_host(self, fields: Mapping[str, Any], *, lb: bool = False) -> None:
        check_host_fields(fields)
        name = str(fields.get("name") or "")
        if not name or not fields.get("address"):
            raise EditError("a new host needs at least name=... and address=...")
        if name in self.host_names(lb=lb):
            raise EditError(f"a host named {name!r} already exists; use update or pick "
                            "another name")
        hosts = self._hosts(lb=lb)
        assert hosts is not None
        existing = [r for r in hosts if isinstance(r, CommentedMap)]
        values = {"internalAddress": fields["address"], **fields}
        row = CommentedMap()
        for key in HOST_FIELDS:
            if values.get(key) is not None:
                row[key] = values[key]
        if not existing or existing[-1].fa.flow_style():
            row.fa.set_flow_style()
        quote_like_siblings(row, existing)
        hosts.append(row)

    def update_host(self, name: str, *, lb: bool = False, **fields: Any) -> None:
        check_host_fields(fields)
        hosts = self._hosts(lb=lb)
        assert hosts is not None
        row = hosts[self._host_index(name, lb=lb)]
        if "name" in fields and fields["name"] != name:
            new_name = fields.pop("name")
            self.rename_host(name, str(new_name), lb=lb)
        for key, value in fields.items():
            if value is None:
                row.pop(key, None)
            else:
                set_preserving_style(row, key, value)

    def remove_host(self, name: str, *, lb: bool = False) -> None:
        hosts = self._hosts(lb=lb)
        assert hosts is not None
        comments.delete_seq_item(hosts, self._host_index(name, lb=lb))
        if not lb:
            for group in list(self._iter_groups()):
                self._group_remove(group, name)

    def rename_host(self, old: str, new: str, *, lb: bool = False) -> None:
        if new in self.host_names(lb=lb):
            raise EditError(f"cannot rename {old!r} to {new!r}: that name is taken")
        hosts = self._hosts(lb=lb)
        assert hosts is not None
        set_preserving_style(hosts[self._host_index(old, lb=lb)], "name", new)
        if lb:
            return
        for group in list(self._iter_groups()):
            members = self._group_seq(group)
            if members is None or old not in expand_all([str(x) for x in members]):
                continue
            if old in [str(x) for x in members]:
                idx = [str(x) for x in members].index(old)
                set_preserving_style(members, idx, new)
            else:
                self._expand_group(group)
                members = self._group_seq(group)
                assert members is not None
                set_preserving_style(members, [str(x) for x in members].index(old), new)

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
        if role == ROLE_CONTROL_PLANE and self.uses_master_group:
            return "master"
        return role

    def _iter_groups(self) -> Iterable[str]:
        groups = self._role_groups(create=False)
        return [str(k) for k in groups] if groups is not None else []

    def _group_seq(self, key: str) -> CommentedSeq | None:
        groups = self._role_groups(create=False)
        value = groups.get(key) if groups is not None else None
        return value if isinstance(value, CommentedSeq) else None

    def _expand_group(self, key: str) -> None:
        members = self._group_seq(key)
        if members is None:
            return
        names = expand_all([str(x) for x in members])
        members.clear()
        members.extend(names)

    def _group_remove(self, key: str, name: str) -> None:
        members = self._group_seq(key)
        if members is None:
            return
        literal = [str(x) for x in members]
        if name in literal:
            comments.delete_seq_item(members, literal.index(name))
        elif any(is_range(x) and name in expand(x) for x in literal):
            self._expand_group(key)
            self._group_remove(key, name)

    def set_roles(self, name: str, roles: Iterable[str]) -> None:
        wanted = {ROLE_CONTROL_PLANE if r == "master" else r for r in roles}
        unknown = wanted - set(ROLES)
        if unknown:
            raise EditError(f"unknown role(s) {', '.join(sorted(unknown))}: use "
                            f"{', '.join(ROLES)}")
        if name not in self.host_names():
            self._host_index(name)  # raises with the list of known hosts
        groups = self._role_groups(create=True)
        assert groups is not None
        for role in ROLES:
            key = self._group_key(role)
            members = self._group_seq(key)
            current = expand_all([str(x) for x in members]) if members is not None else []
            if role in wanted and name not in current:
                if members is None:
                    members = CommentedSeq()
                    groups[key] = members
                members.append(name)
            elif role not in wanted and name in current:
                self._group_remove(key, name)

    def set_role_members(self, role: str, names: Iterable[str]) -> None:
        """Replace a whole group (ranges are written out as names)."""
        groups = self._role_groups(create=True)
        assert groups is not None
        key = self._group_key(role)
        members = self._group_seq(key)
        if members is None:
            members = CommentedSeq()
            groups[key] = members
        members.clear()
        members.extend(names)


# ---------------------------------------------------------------------- helpers
def split_path(dotted: str) -> list[str]:
    return [part for part in dotted.strip().split(".") if part]


def flow_map(values: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap(values)
    node.fa.set_flow_style()
    return node


def check_host_fields(fields: Mapping[str, Any]) -> None:
    unknown = [k for k in fields if k not in HOST_FIELDS]
    if unknown:
        raise EditError(f"unknown host field(s) {', '.join(unknown)}; kk knows "
                        f"{', '.join(HOST_FIELDS)}")


def set_preserving_style(parent: Any, key: Any, value: Any) -> None:
    """Set a value, keeping the old scalar's quote style (``""`` stays double-quoted)."""
    old = parent[key] if (isinstance(parent, dict) and key in parent) or (
        isinstance(parent, list) and isinstance(key, int) and key < len(parent)) else None
    if isinstance(old, ScalarString) and isinstance(value, str) and \
            not isinstance(value, ScalarString):
        value = type(old)(value)
    parent[key] = value


def quote_like_siblings(row: CommentedMap, siblings: list[CommentedMap]) -> None:
    """kk writes passwords double-quoted; a new row follows the rows already there."""
    for key in SECRET_FIELDS:
        if key in row and any(isinstance(s.get(key), DoubleQuotedScalarString) for s in siblings):
            row[key] = DoubleQuotedScalarString(str(row[key]))
