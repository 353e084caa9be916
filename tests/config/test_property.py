"""Property: on files written in any of the styles users write (not only ruamel's), random
edits give (a) exactly the intended documents, (b) byte-identical untouched lines, and (c) a
write guard that refuses exactly the texts that do not read back as intended."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from kkui.core.config import ClusterDocument, roundtrip
from kkui.core.config.guard import UnsafeEditError, plain

ROLE_KEYS = ("etcd", "control-plane", "worker")


@dataclass
class Style:
    indent: int            # mapping indentation: 2, 3 or 4
    seq_offset: int        # dash offset under its key: 0 or `indent`
    rows: str              # "flow", "flow-spaced" or "block"
    groups: str            # "block", "flow" or "flow-spaced"
    quote: str             # how string scalars are written: "", "'" or '"'
    eol_comments: bool
    own_comments: bool
    cjk: bool
    tabs: bool
    crlf: bool
    final_newline: bool
    doc_indent: int        # the whole document shifted right
    trailing_blank: int
    v1alpha1: bool
    second_doc: bool
    empty_spaced: bool     # `[ ]` rather than `[]`


@dataclass
class Cluster:
    """What the file means: the shadow model the edits are checked against."""
    hosts: list[dict[str, str]]
    groups: dict[str, list[str]]
    version: str = "v1.26.15"
    touched: set[str] = field(default_factory=set)


styles = st.builds(
    Style, indent=st.sampled_from([2, 3, 4]), seq_offset=st.sampled_from([0, 1]),
    rows=st.sampled_from(["flow", "flow-spaced", "block"]),
    groups=st.sampled_from(["block", "flow", "flow-spaced"]),
    quote=st.sampled_from(["", "'", '"']), eol_comments=st.booleans(),
    own_comments=st.booleans(), cjk=st.booleans(), tabs=st.booleans(), crlf=st.booleans(),
    final_newline=st.booleans(), doc_indent=st.sampled_from([0, 0, 2, 4]),
    trailing_blank=st.integers(0, 3), v1alpha1=st.booleans(), second_doc=st.booleans(),
    empty_spaced=st.booleans())
RESERVED = {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf"}
names = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda n: n not in RESERVED)


def q(value: str, style: Style) -> str:
    return f"{style.quote}{value}{style.quote}"


def comment(text: str, style: Style) -> str:
    text = f"注释 {text}" if style.cjk else text
    return f"#\t{text}" if style.tabs else f"# {text}"


def render(cluster: Cluster, style: Style) -> str:
    """The config as a person (or an IDE, or a blog) would write it."""
    i = " " * style.indent
    dash = i * style.seq_offset
    cp = "master" if style.v1alpha1 else "control-plane"
    out = []
    if style.own_comments:
        out.append(comment("cluster file", style))
    api = "v1alpha1" if style.v1alpha1 else "v1alpha2"
    out += [f"apiVersion: kubekey.kubesphere.io/{api}", "kind: Cluster", "metadata:",
            f"{i}name: {q('sample', style)}", "spec:", f"{i}hosts:"]
    for host in cluster.hosts:
        name = host["name"]
        eol = f"  {comment('row ' + name, style)}" if style.eol_comments else ""
        if style.own_comments:
            out.append(f"{i}{dash}{comment('host ' + name, style)}")
        fields = [("name", q(name, style)), ("address", host["address"]),
                  ("internalAddress", host["address"]), ("user", q("root", style))]
        if style.rows == "block":
            lead = f"{i}{dash}- "
            for index, (key, value) in enumerate(fields):
                prefix = lead if index == 0 else " " * len(lead)
                out.append(f"{prefix}{key}: {value}" + (eol if index == 0 else ""))
        else:
            pad = " " if style.rows == "flow-spaced" else ""
            inner = ", ".join(f"{k}: {v}" for k, v in fields)
            out.append(f"{i}{dash}- {{{pad}{inner}{pad}}}{eol}")
    out.append(f"{i}roleGroups:")
    empty = "[ ]" if style.empty_spaced else "[]"
    for key in ROLE_KEYS:
        members = cluster.groups.get(key, [])
        written = cp if key == "control-plane" else key
        if not members:
            out.append(f"{i}{i}{written}: {empty}")
        elif style.groups == "block":
            out.append(f"{i}{i}{written}:")
            out += [f"{i}{i}{dash}- {q(m, style)}" for m in members]
        else:
            pad = " " if style.groups == "flow-spaced" else ""
            out.append(f"{i}{i}{written}: [{pad}{', '.join(members)}{pad}]")
    out += [f"{i}kubernetes:", f"{i}{i}version: {q(cluster.version, style)}",
            f"{i}network:", f"{i}{i}plugin: calico", f"{i}addons: {empty}"]
    lines = [" " * style.doc_indent + line for line in out]
    if style.second_doc:
        lines += ["---", "apiVersion: installer.kubesphere.io/v1alpha1",
                  "kind: ClusterConfiguration", "metadata:", f"{i}name: ks-installer",
                  f"{i}labels:", f"{i}{i}version: v3.4.1", "spec:",
                  f"{i}{comment('kept as is', style)}", f"{i}zone: {q('', style)}"]
    lines += [""] * style.trailing_blank
    eol = "\r\n" if style.crlf else "\n"
    return eol.join(lines) + (eol if style.final_newline else "")


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Cluster, Style, list[tuple[Any, ...]]]:
    host_names = draw(st.lists(names, min_size=2, max_size=5, unique=True))
    hosts = [{"name": n, "address": f"10.0.0.{k + 1}"} for k, n in enumerate(host_names)]
    groups = {"etcd": [host_names[0]], "control-plane": [host_names[0]],
              "worker": [n for n in host_names[1:] if draw(st.booleans())]}
    cluster = Cluster(hosts, groups)
    edits: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["set", "add", "remove", "rename", "roles"]))
        edits.append((kind, draw(names), draw(st.sets(st.sampled_from(ROLE_KEYS))),
                      draw(st.integers(0, 10))))
    return cluster, draw(styles), edits


def apply(doc: ClusterDocument, cluster: Cluster, edit: tuple[Any, ...]) -> None:
    """Make one edit through kkui and in the shadow model."""
    kind, name, roles, pick = edit
    current = [h["name"] for h in cluster.hosts]
    victim = current[pick % len(current)]
    if kind == "set":
        cluster.version = f"v1.27.{pick}"
        doc.set("spec.kubernetes.version", cluster.version)
        cluster.touched.add("version:")
    elif kind == "add" and name not in current:
        address = f"10.9.0.{pick + 1}"
        doc.add_host({"name": name, "address": address})
        doc.set_roles(name, roles)
        cluster.hosts.append({"name": name, "address": address})
        for key in ROLE_KEYS:
            if key in roles:
                cluster.groups.setdefault(key, []).append(name)
        cluster.touched |= {name, "roleGroups"}
    elif kind == "remove" and len(current) > 2 and victim not in cluster.groups["etcd"]:
        doc.remove_host(victim)
        cluster.hosts = [h for h in cluster.hosts if h["name"] != victim]
        for members in cluster.groups.values():
            if victim in members:
                members.remove(victim)
        cluster.touched |= {victim, "roleGroups"}
    elif kind == "rename" and name not in current:
        doc.rename_host(victim, name)
        for host in cluster.hosts:
            if host["name"] == victim:
                host["name"] = name
        for members in cluster.groups.values():
            members[:] = [name if m == victim else m for m in members]
        cluster.touched |= {victim, name}
    elif kind == "roles" and victim not in cluster.groups["etcd"]:
        doc.set_roles(victim, roles)
        for key in ROLE_KEYS:
            members = cluster.groups.setdefault(key, [])
            if key in roles and victim not in members:
                members.append(victim)
            elif key not in roles and victim in members:
                members.remove(victim)
        cluster.touched |= {victim, "roleGroups"}


def meaning(text: str) -> tuple[list[tuple[str, str, str]], dict[str, list[str]], str]:
    docs = list(YAML(typ="safe").load_all(text))
    spec = docs[0]["spec"]
    hosts = [(str(h["name"]), str(h["address"]), str(h["internalAddress"]))
             for h in spec["hosts"]]
    groups = {("control-plane" if k == "master" else k): [str(m) for m in v or []]
              for k, v in spec["roleGroups"].items()}
    return hosts, groups, str(spec["kubernetes"]["version"])


def untouched(line: str, cluster: Cluster) -> bool:
    """A line no edit should rewrite: it names nothing that was edited."""
    stripped = line.strip()
    if cluster.touched & set(re.findall(r"[\w.-]+", line)):
        return False  # a touched host's row, its comments, its group lines
    if "version:" in cluster.touched and stripped.startswith("version:"):
        return False
    if cluster.touched - {"version:"} and stripped.startswith(("user:", "address:",
                                                               "internalAddress:")):
        return False  # a block row's other lines do not name their host
    return "roleGroups" not in cluster.touched or not (
        stripped.startswith("- ") and ":" not in stripped
        or re.match(r"(etcd|master|control-plane|worker):", stripped))


# No shrinking: a failure prints its file and edits (note) at once instead of minutes later.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True, phases=PHASES)
@given(scenario=scenarios())
def test_edits_keep_meaning_and_untouched_lines(
        scenario: tuple[Cluster, Style, list[tuple[Any, ...]]]) -> None:
    cluster, style, edits = scenario
    original = render(cluster, style)
    note(f"{style}\n{edits}\n{original}")
    doc = ClusterDocument.from_text(original)
    assert doc.to_text() == original  # the unchanged save is byte-exact
    for edit in edits:
        apply(doc, cluster, edit)
    text = doc.to_text()  # every style above is kept: the guard has nothing to refuse
    # (a) the re-parsed result is the intended model
    expected_hosts = [(h["name"], h["address"], h["address"]) for h in cluster.hosts]
    hosts, groups, version = meaning(text)
    assert hosts == expected_hosts
    assert {k: v for k, v in groups.items() if v} == {
        k: v for k, v in cluster.groups.items() if v}
    assert version == cluster.version
    # (b) untouched lines are byte-identical and in their order
    kept = iter(text.splitlines(keepends=True))
    for line in original.splitlines(keepends=True):
        if untouched(line, cluster):
            assert any(out == line for out in kept), f"lost or changed: {line!r}"
    # the file's conventions: line ending, final newline, `[ ]`
    assert text.endswith("\n") == original.endswith("\n")
    assert ("\r\n" in text) == style.crlf and ("\n" in text.replace("\r\n", "")) != style.crlf
    if style.rows != "flow-spaced":
        assert "{ " not in text.split("---")[0]


@settings(max_examples=80, deadline=None, derandomize=True, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(scenario=scenarios(), seed=st.integers(0, 2**16))
def test_guard_refuses_exactly_the_texts_that_change_meaning(
        scenario: tuple[Cluster, Style, list[tuple[Any, ...]]], seed: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """(c) A corrupted patch (a line dropped, duplicated or two lines swapped) is written only
    when it still reads back as the intended documents."""
    cluster, style, edits = scenario
    note(f"{style}\n{edits}\nseed {seed}")
    doc = ClusterDocument.from_text(render(cluster, style))
    for edit in edits:
        apply(doc, cluster, edit)
    real = roundtrip.patch_original
    chance = random.Random(seed)
    corrupted: list[str] = []

    def corrupt(*args: Any, **kwargs: Any) -> str:
        lines = real(*args, **kwargs).splitlines(keepends=True)
        a, b = chance.randrange(len(lines)), chance.randrange(len(lines))
        how = chance.choice(["drop", "duplicate", "swap"])
        if how == "drop":
            del lines[a]
        elif how == "duplicate":
            lines.insert(a, lines[a])
        else:
            lines[a], lines[b] = lines[b], lines[a]
        corrupted.append("".join(lines))
        return corrupted[-1]

    with monkeypatch.context() as patch:
        patch.setattr(roundtrip, "patch_original", corrupt)
        try:
            doc.to_text()
            refused = False
        except UnsafeEditError:
            refused = True
    if not corrupted:
        return  # no edit changed anything: the original is written, nothing was patched
    try:
        same = [plain(d) for d in YAML(typ="rt").load_all(corrupted[-1])] == [
            plain(d) for d in doc.documents]
    except Exception:
        same = False
    assert refused == (not same)
