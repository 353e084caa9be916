"""What kk v3.1.12's loader makes of a ``kind: Cluster`` document, found before kk runs.

kk converts the YAML to JSON (YAML 1.1) and ``json.Unmarshal``-s it into its Go structs
(cmd/kk/pkg/common/loader.go:208-213).  Go's rules, applied here to the table in
:mod:`kkui.core.config.kk_schema`:

* a value of the wrong JSON type fails the whole load (``Failed to unmarshal configuration``):
  a string into an int (``port: "6443"``), a number into a string (``password: 123456``),
  ``"true"`` into a bool, 1.5 into an int, a scalar into a list or a struct; null fits anything;
* unknown keys are ignored; known keys match case-insensitively (``controlPlaneEndPoint`` is
  read as ``controlPlaneEndpoint``);
* YAML 1.1 reads plain ``yes/no/on/off/y/n`` as booleans.

Type problems are errors (kk stops at once); ignored keys are warnings.
"""

from __future__ import annotations

import difflib
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import ScalarString

from kkui.core.config import kk_schema
from kkui.core.config.problem import Problems
from kkui.i18n import L_, N_

V1ALPHA1 = "kubekey.kubesphere.io/v1alpha1"
# go-yaml v2's (YAML 1.1) booleans (resolve.go), which sigs.k8s.io/yaml v1.3.0 uses; ruamel
# reads the plain words as strings (YAML 1.2)
_YAML11_BOOLS = frozenset(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                           "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off",
                           "OFF"))
_INT64 = (-(2**63), 2**63 - 1)
# What the user reads for each expected Go kind.
_EXPECTED = {"string": N_("a string"), "int": N_("a whole number"), "bool": N_("true or false"),
             "slice": N_("a list"), "map": N_("a mapping"), "struct": N_("a mapping"),
             "object": N_("a mapping")}


@dataclass(frozen=True)
class GoType:
    kind: str  # string | int | bool | any | object | slice | map | struct
    go: str  # the Go spelling, for messages
    elem: str = ""  # element type of a slice or map; struct name for struct


@cache
def go_type(text: str, table: str = "v1alpha2") -> GoType:
    structs = _tables()[table]
    bare = text.lstrip("*")
    if bare.startswith("[]"):
        return GoType("slice", text, bare[2:])
    if bare.startswith("map[string]"):
        return GoType("map", text, bare[len("map[string]"):])
    if bare in ("string", "Time"):
        return GoType("string", text)
    if bare in ("int", "int64"):
        return GoType("int", text)
    if bare == "bool":
        return GoType("bool", text)
    if bare == "Values":
        return GoType("object", text)
    if bare in structs:
        return GoType("struct", text, bare)
    return GoType("any", text)  # RawExtension, interface{}


def _tables() -> dict[str, dict[str, dict[str, str]]]:
    return {"v1alpha2": kk_schema.V1ALPHA2, "v1alpha1": kk_schema.V1ALPHA1}


@cache
def struct_fields(name: str, table: str = "v1alpha2") -> dict[str, str]:
    """JSON key → Go type of a struct, embedded (inline) structs flattened."""
    fields: dict[str, str] = {}
    for key, typ in _tables()[table][name].items():
        if key == "<inline>":
            fields.update(struct_fields(typ, table))
        else:
            fields[key] = typ
    return fields


@cache
def known_paths(table: str = "v1alpha2") -> dict[str, tuple[str, ...]]:
    """Every key name → the dotted paths (from the document root) where kk knows it."""
    found: dict[str, list[str]] = {}

    def walk(struct: str, prefix: str) -> None:
        for key, typ in struct_fields(struct, table).items():
            path = f"{prefix}{key}"
            found.setdefault(key, []).append(path)
            gt = go_type(typ, table)
            inner = go_type(gt.elem, table) if gt.kind in ("slice", "map") else gt
            if inner.kind == "struct":
                walk(inner.elem, f"{path}.")

    walk("Cluster", "")
    return {key: tuple(paths) for key, paths in found.items()}


# -------------------------------------------------------------------- values
def json_kind(value: Any) -> str:
    """The JSON type kk's YAML → JSON conversion gives this (ruamel-loaded) value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "invalid"  # Go's json.Marshal refuses NaN and ±Inf
        # json.Marshal writes an integral float64 without a fraction (6443.0 → 6443)
        return "int" if value.is_integer() and abs(value) < 1e21 else "float"
    if isinstance(value, str):
        if not isinstance(value, ScalarString) and value in _YAML11_BOOLS:
            return "bool"  # plain yes/no/on/off: a boolean to go-yaml v2
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"  # dates and timestamps: go-yaml v2 keeps them as strings


_KIND_WORDS = {"string": N_("a string"), "int": N_("a number"), "float": N_("a fraction"),
               "bool": N_("a boolean"), "object": N_("a mapping"), "array": N_("a list")}


def scalar_text(value: Any, limit: int = 60) -> str:
    """The value as it is written in the file (ruamel keeps the original spelling), cut to
    ``limit`` characters so that a huge value never floods a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]
    yaml = YAML(typ="rt")
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump([value], buffer)
    text = buffer.getvalue().strip()[2:].strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --------------------------------------------------------------- the checker
@dataclass
class Decoder:
    problems: Problems
    v1alpha1: bool

    def document(self, cluster: Mapping[str, Any]) -> None:
        self.value(cluster, go_type("Cluster"), "", "")

    def value(self, value: Any, typ: GoType, path: str, key: str) -> None:
        got = json_kind(value)
        if got == "null" or typ.kind == "any":
            return
        if got == "invalid":
            self.problems.error(path, L_(
                "{key}: .inf/.nan cannot be converted to JSON, so kk stops with \"Unable to "
                "convert configuration to json\"; use a number", key=key))
            return
        if not self._fits(got, value, typ):
            self.problems.error(path, self._type_message(value, got, typ, key))
            return
        if typ.kind == "slice":
            elem = go_type(typ.elem)
            for index, item in enumerate(value):
                self.value(item, elem, f"{path}[{index}]", key)
        elif typ.kind == "map":
            elem = go_type(typ.elem)
            for name, item in value.items():
                self.value(item, elem, f"{path}.{name}", str(name))
        elif typ.kind == "struct":
            self.fields(value, typ.elem, path)

    @staticmethod
    def _fits(got: str, value: Any, typ: GoType) -> bool:
        if typ.kind == "int":
            return got == "int" and _INT64[0] <= int(value) <= _INT64[1]
        wanted = {"string": "string", "bool": "bool", "slice": "array", "map": "object",
                  "struct": "object", "object": "object"}[typ.kind]
        return got == wanted

    def fields(self, node: Mapping[str, Any], struct: str, path: str) -> None:
        known = struct_fields(struct)
        for raw_key, value in node.items():
            key = str(raw_key)
            here = f"{path}.{key}" if path else key
            if key in known:
                self.value(value, go_type(known[key]), here, key)
                continue
            folded = [k for k in known if k.lower() == key.lower()]
            if folded:
                self.case_variant(node, key, folded[0], here)
                self.value(value, go_type(known[folded[0]]), here, key)
                continue
            self.ignored(key, here, known)

    def case_variant(self, node: Mapping[str, Any], key: str, field: str, here: str) -> None:
        # Go's encoding/json matches a key case-insensitively when no exact one exists
        # (https://pkg.go.dev/encoding/json#Unmarshal); kkui's own model reads exact keys.
        both = L_("; the file also has `{field}`: kk applies both, the later one wins",
                  field=field) if field in node else ""
        self.problems.warning(here, L_(
            "kk reads `{key}` as `{field}` (Go's JSON decoding ignores case) but kkui's checks "
            "and edits do not: rename it to `{field}`{both}", key=key, field=field, both=both))

    def ignored(self, key: str, here: str, known: Mapping[str, str]) -> None:
        parent = here.rsplit(".", 1)[0] if "." in here else ""
        parent_generic = _generic_path(parent)
        legacy = self.v1alpha1 and _is_v1alpha1_field(parent_generic, key)
        moved = kk_schema.V1ALPHA1_MOVED.get(f"{parent_generic}.{key}")
        elsewhere = [p for p in known_paths().get(key, ()) if p != _generic_path(here)]
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
        hint: str = ""
        if legacy:
            target = moved or (elsewhere[0] if len(elsewhere) == 1 else "")
            hint = L_(": move it to `{path}`", path=target) if target else L_(": remove it")
            self.problems.warning(here, L_(
                "`{key}` is a kk v1.x (v1alpha1) field that kk v3 no longer reads (it loads "
                "every file as v1alpha2), so the setting is lost{hint}", key=key, hint=hint))
            return
        if key in kk_schema.NEVER_KK:
            hint = L_(": kk's field is `{path}`", path=kk_schema.NEVER_KK[key])
        elif parent_generic in kk_schema.BLOCK_HINTS:
            hint = L_(": {advice}", advice=L_(kk_schema.BLOCK_HINTS[parent_generic]))
        elif len(elsewhere) == 1:
            hint = L_(": `{key}` belongs at `{path}`; check the indentation", key=key,
                      path=elsewhere[0])
        elif close:
            hint = L_(": did you mean `{key}`?", key=close[0])
        self.problems.warning(here, L_("{tool} ignores the unknown key `{key}`{hint}",
                                       tool="kk", key=key, hint=hint))

    def _type_message(self, value: Any, got: str, typ: GoType, key: str) -> str:
        # kk reads `Password:` as password too (case-insensitive keys): compare folded
        secret = key.lower() in {k.lower() for k in kk_schema.SECRET_KEYS}
        shown = L_("the value") if secret or got in ("object", "array") else scalar_text(value)
        wanted = L_(_EXPECTED[typ.kind]) if typ.kind in _EXPECTED else typ.kind
        return L_("{value} is {got} but kk reads `{key}` as {wanted} (Go {go}), so kk stops "
                  "with \"Failed to unmarshal configuration\": {fix}", value=shown,
                  got=L_(_KIND_WORDS[got]), key=key, wanted=wanted, go=typ.go.lstrip("*"),
                  fix=self._fix(value, got, typ, key, secret))

    @staticmethod
    def _fix(value: Any, got: str, typ: GoType, key: str, secret: bool) -> str:
        if typ.kind == "int":
            text = str(value).strip() if got == "string" else ""
            if got == "string" and text.lstrip("-").isdigit():
                return L_("write `{key}: {value}` without quotes", key=key, value=int(text))
            if got == "float":
                return L_("use a whole number, e.g. `{key}: {value}`", key=key,
                          value=round(value))
            return L_("use a whole number, e.g. `{key}: {value}`", key=key, value=1)
        if typ.kind == "string":
            if got in ("int", "float", "bool"):
                example = "\"…\"" if secret else f"\"{scalar_text(value)}\""
                why = L_(" (unquoted yes/no/on/off are booleans to kk's YAML 1.1 reader)") \
                    if got == "bool" and isinstance(value, str) else ""
                return L_("quote it: `{key}: {example}`{why}", key=key, example=example, why=why)
            return L_("write a single text value (`{key}: <text>`) or remove the key", key=key)
        if typ.kind == "bool":
            if got == "string" and str(value).strip().lower() in ("true", "false"):
                return L_("write `{key}: {value}` without quotes", key=key,
                          value=str(value).strip().lower())
            return L_("write `{key}: true` or `{key}: false`", key=key)
        if typ.kind == "slice":
            if got in ("string", "int", "float", "bool") and not secret:
                return L_("write it as a list: `{key}: [{value}]`", key=key,
                          value=scalar_text(value))
            return L_("write it as a list: `{key}: [...]` (one `- item` per line)", key=key)
        return L_("write `{key}:` followed by indented `name: value` lines", key=key)


def _generic_path(path: str) -> str:
    """``spec.hosts[2].port`` → ``spec.hosts.port`` (the schema has no indexes)."""
    out = []
    for part in path.split("."):
        out.append(part.split("[", 1)[0])
    return ".".join(out)


def _is_v1alpha1_field(parent: str, key: str) -> bool:
    """Whether ``parent.key`` is a field of kk v1.x's v1alpha1 Cluster."""
    struct = "Cluster"
    for part in [p for p in parent.split(".") if p]:
        fields = struct_fields(struct, "v1alpha1")
        if part not in fields:
            return False
        typ = go_type(fields[part], "v1alpha1")
        inner = go_type(typ.elem, "v1alpha1") if typ.kind in ("slice", "map") else typ
        if inner.kind != "struct":
            return False
        struct = inner.elem
    return key in struct_fields(struct, "v1alpha1")


def check_cluster(cluster: Mapping[str, Any], problems: Problems) -> None:
    """Type errors and ignored keys of kk's Cluster document, judged as kk v3.1.12 judges."""
    v1alpha1 = str(cluster.get("apiVersion") or "") == V1ALPHA1
    Decoder(problems, v1alpha1).document(cluster)
    check_metadata(cluster, problems)


def check_metadata(cluster: Mapping[str, Any], problems: Problems) -> None:
    # loader.go:215-216 type-asserts metadata to a map and metadata.name to a string: without
    # them kk panics before doing anything (a wrong type is already a type error above)
    metadata = cluster.get("metadata")
    if metadata is None:
        problems.error("metadata", L_("no `metadata:` mapping: kk crashes reading the file "
                                      "(loader.go needs metadata.name); add "
                                      "`metadata: {name: sample}`"))
    elif isinstance(metadata, Mapping) and metadata.get("name") is None:
        problems.error("metadata.name", L_("metadata.name is missing: kk crashes reading the "
                                           "file (loader.go needs it); add `name: sample` under "
                                           "metadata"))


# KubeSphere releases kk v3.1.12 installs (cmd/kk/pkg/version/kubesphere/version_enum.go:28-59)
KUBESPHERE_VERSIONS = ("v2.1.1", "v3.0.0", "v3.1.0", "v3.1.1", "v3.2.0", "v3.2.1", "v3.3.0",
                       "v3.3.1", "v3.3.2", "v3.4.0", "v3.4.1")
_GENERIC = re.compile(r"^v?(\d+\.\d+\.\d+)(?![.\d])")


def kubesphere_version_supported(version: str) -> bool:
    """StabledVersionSupport, LatestRelease or DevRelease (version_enum.go:109-168)."""
    if version in KUBESPHERE_VERSIONS or version in ("latest", "master"):
        return True
    if version.startswith("nightly-") or "release" in version:
        return True
    match = _GENERIC.match(version)
    return match is not None and f"v{match[1]}" in KUBESPHERE_VERSIONS


def check_kubesphere_documents(documents: list[Any], problems: Problems) -> None:
    """kk reads a ``ClusterConfiguration`` (or ``ConfigMap``) document as KubeSphere's
    installer config and needs ``metadata.labels.version`` (loader.go:219-238)."""
    for doc in documents:
        if not isinstance(doc, Mapping) or doc.get("kind") not in ("ClusterConfiguration",
                                                                    "ConfigMap"):
            continue
        prefix = f"{doc.get('kind')}:"
        metadata = doc.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
        if not isinstance(labels, Mapping):
            other = L_(" kk takes every ConfigMap in the file for KubeSphere's; keep other "
                       "ConfigMaps in another file, or") if doc.get("kind") == "ConfigMap" else ""
            problems.error(f"{prefix}metadata.labels", L_(
                "kk crashes reading this document without `metadata.labels` "
                "(loader.go:219-221):{other} add `labels: {{version: v3.4.1}}` (the KubeSphere "
                "version)", other=other))
            continue
        version = labels.get("version")
        if version is None:
            problems.error(f"{prefix}metadata.labels.version", L_(
                "kk stops with \"Unknown version\" (loader.go:224-227): add the KubeSphere "
                "version, e.g. `version: v3.4.1`"))
        elif json_kind(version) != "string":
            problems.error(f"{prefix}metadata.labels.version", L_(
                "the KubeSphere version must be a string (kk crashes otherwise, loader.go:229): "
                "quote it, e.g. `version: \"v3.4.1\"`"))
        elif not kubesphere_version_supported(str(version)):
            problems.error(f"{prefix}metadata.labels.version", L_(
                "kk v3.1.12 cannot install KubeSphere {version} (it stops with \"Unsupported "
                "KubeSphere version\", loader.go:237); use one of {versions}",
                version=repr(str(version)), versions=", ".join(KUBESPHERE_VERSIONS[-3:])))
