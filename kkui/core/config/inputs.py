"""Rules against hostile config files: bounded YAML shape, scalars where kk wants scalars,
and a ``metadata.name`` that is safe to use in a path (issue #10 items 5, 7, 13).

- Shape (checked right after parsing, before anything walks the documents): aliases may not
  expand beyond ``MAX_EXPANDED_NODES`` (a 4 KB "billion laughs" file expands to ~10⁹ nodes),
  nesting may not exceed ``MAX_DEPTH``, and a structure may not contain itself. Anything else
  makes every later recursive walk (``str()``, validation, the dump) blow up.
- Fields kk reads as strings or numbers must not hold a list or mapping.
- ``metadata.name``: kk joins it into paths (``filepath.Join(workDir, "config-"+name)``,
  cmd/kk/pkg/k3s/k3s_status.go:114, cmd/kk/pkg/addons/tasks.go:114) and uses it as a Kubernetes
  object name (``<name>-kubeconfig`` ConfigMap, cmd/kk/pkg/kubernetes/tasks.go:1055), so it must
  be an RFC 1123 subdomain of at most 253 - len("-kubeconfig") characters; kkui also names the
  install workdir after it (``kkui-work/<name>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kkui.core.config.problem import Problem, Problems
from kkui.core.errors import ConfigError
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config.document import ClusterDocument

MAX_DEPTH = 64  # kk's deepest key is ~8 levels; addons' values rarely pass 20
MAX_EXPANDED_NODES = 1_000_000  # a 5,000-host config is ~100,000 nodes
_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
CLUSTER_NAME_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
CLUSTER_NAME_MAX = 253 - len("-kubeconfig")


# ------------------------------------------------------------------- shape
def _nested(node: Any) -> bool:
    return isinstance(node, (Mapping, list, tuple)) and len(node) > 0


def _children(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return [*node.keys(), *node.values()]
    if isinstance(node, (list, tuple)):
        return list(node)
    return []


def check_shape(documents: list[Any], source: str) -> None:
    """Raise ConfigError (exit 2) for alias bombs, too-deep nesting and self-containing
    structures. Linear in the number of *distinct* nodes: sizes are counted per object and
    reused, so an alias bomb is measured without being expanded."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(doc, False) for doc in documents]
    total = 0
    while stack:
        node, finished = stack.pop()
        kids = _children(node)
        key = id(node)
        if finished:
            open_nodes.discard(key)
            containers = [k for k in kids if _nested(k)]
            size[key] = 1 + len(kids) - len(containers) + sum(size[id(k)] for k in containers)
            height[key] = 1 + max((height[id(k)] for k in containers), default=0)
            if size[key] > MAX_EXPANDED_NODES:
                raise ConfigError(_alias_bomb(), path=source)
            if height[key] > MAX_DEPTH:
                raise ConfigError(_too_deep(), path=source)
            continue
        if not kids or key in size:
            continue
        if key in open_nodes:
            raise ConfigError(L_("a YAML alias refers to a mapping or list that contains it "
                                 "(a recursive structure): kk cannot read that"), path=source)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if _nested(k) and id(k) not in size)
    for doc in documents:
        total += size.get(id(doc), 1)
    if total > MAX_EXPANDED_NODES:
        raise ConfigError(_alias_bomb(), path=source)


def _alias_bomb() -> L_:
    return L_("YAML aliases expand to more than {limit} values (an alias bomb?): write the "
              "values out instead of nesting aliases", limit=f"{MAX_EXPANDED_NODES:,}")


def _too_deep() -> L_:
    return L_("nested more than {limit} levels deep: a KubeKey config is never that deep; "
              "check the file", limit=MAX_DEPTH)


def check_flow_depth(text: str, source: str) -> None:
    """Refuse flow nesting (``[[[[...`` / ``{{{{...``) deeper than MAX_DEPTH before parsing.

    ruamel's scanner slows down quadratically with the flow level and its composer recurses
    once per level: 5,000 levels took 12 s to end in a RecursionError. One linear pass over
    the text, skipping quoted strings and comments, finds the depth first. Brackets inside
    plain scalars may be miscounted, but never 64 deep in a real config."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # the usual case: not even MAX_DEPTH brackets in the whole file
    depth = 0
    quote = ""
    prev = "\n"
    chars = iter(text)
    for ch in chars:
        if quote:
            if ch == "\\" and quote == '"':
                next(chars, "")
            elif ch == quote:
                quote = ""
        elif ch in "\"'" and prev in " \t\n[{,:":
            quote = ch
        elif ch == "#" and prev in " \t\n":
            for ch in chars:  # a comment: skip to the end of the line
                if ch == "\n":
                    break
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(_too_deep(), path=source)
        elif ch in "]}":
            depth = max(depth - 1, 0)
        prev = ch


# ----------------------------------------------------------------- scalars
_HOST_SCALARS = ("name", "address", "internalAddress", "port", "user", "password",
                 "privateKey", "privateKeyPath", "arch", "timeout")
CLUSTER_SCALARS: tuple[str, ...] = (
    "apiVersion", "kind", "metadata.name",
    *(f"spec.hosts[].{k}" for k in _HOST_SCALARS),
    "spec.roleGroups.*[]",
    *(f"spec.controlPlaneEndpoint.{k}" for k in ("internalLoadbalancer", "domain", "address",
                                                 "port")),
    *(f"spec.kubernetes.{k}" for k in ("version", "clusterName", "containerManager",
                                       "proxyMode")),
    *(f"spec.network.{k}" for k in ("plugin", "kubePodsCIDR", "kubeServiceCIDR")),
    "spec.etcd.type",
)
KKUI_SCALARS: tuple[str, ...] = (
    "spec.kk.version", "spec.kk.zone",
    *(f"spec.loadBalancer.{k}" for k in ("vip", "prefix", "port", "interface",
                                         "virtualRouterId")),
    *(f"spec.loadBalancer.hosts[].{k}" for k in _HOST_SCALARS),
    "spec.loadBalancer.secrets.authPass", "spec.loadBalancer.secrets.statsPassword",
)


def _resolve(node: Any, parts: list[str], path: str) -> Iterator[tuple[str, Any]]:
    """Every (concrete path, value) that the pattern ``parts`` names under ``node``."""
    if not parts:
        yield path, node
        return
    head, rest = parts[0], parts[1:]
    list_item = head.endswith("[]")
    key = head[:-2] if list_item else head
    if not isinstance(node, Mapping):
        return
    keys = [str(k) for k in node] if key == "*" else [key]
    for name in keys:
        if name not in node:
            continue
        child, here = node[name], f"{path}.{name}" if path else name
        if list_item:
            if isinstance(child, list):
                for index, item in enumerate(child):
                    yield from _resolve(item, rest, f"{here}[{index}]")
        else:
            yield from _resolve(child, rest, here)


def scalar_problems(doc: ClusterDocument) -> list[Problem]:
    """A list or mapping where kk expects a string or number (often a stray alias or a
    missing quote), as one error per field."""
    problems = Problems()
    sources: list[tuple[Any, tuple[str, ...], str]] = [(doc.cluster, CLUSTER_SCALARS, "")]
    if doc.kkui is not None:
        sources.append((doc.kkui, KKUI_SCALARS, "kkui:"))
    for root, patterns, prefix in sources:
        for pattern in patterns:
            for path, value in _resolve(root, pattern.split("."), ""):
                if isinstance(value, (Mapping, list)):
                    what = L_("a mapping") if isinstance(value, Mapping) else L_("a list")
                    problems.error(f"{prefix}{path}", L_(
                        "{what} where a single value belongs (a stray `*alias` or a missing "
                        "quote?): write one string or number", what=what))
    return problems


# ------------------------------------------------------------ metadata.name
def cluster_name_problems(doc: ClusterDocument) -> list[Problem]:
    problems = Problems()
    metadata = doc.cluster.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if name is None or isinstance(name, (Mapping, list)):
        return problems  # absent: kkui uses "cluster"; non-scalars: scalar_problems
    text = str(name)
    if len(text) > CLUSTER_NAME_MAX or not CLUSTER_NAME_RE.match(text):
        problems.error("metadata.name", L_(
            "{name} is not a valid cluster name: kk uses it in file paths and as a Kubernetes "
            "object name, so use lowercase letters, digits, '-' and '.' (at most {limit} "
            "characters), e.g. sample", name=_shown(text), limit=CLUSTER_NAME_MAX))
    return problems


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def input_problems(doc: ClusterDocument) -> list[Problem]:
    """Everything this module finds in a loaded document (hooked into validation)."""
    return [*scalar_problems(doc), *cluster_name_problems(doc)]
