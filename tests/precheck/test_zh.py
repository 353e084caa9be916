"""Precheck in Chinese (issue #16): every check's short title, help, details and fixes, taken
from the registry and from the check functions themselves (never a hand list of strings).

The details and fixes come from a corpus: each check run over the recorded distributions with
each of its gathered sections replaced in turn by every variant below, under several cluster
settings. The test then requires that the corpus reached every message the check functions can
build (so a new branch without a variant here fails), that each message is translated, and that
every placeholder is filled in the Chinese text.
"""

from __future__ import annotations

import itertools
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from kkui.core.config.model import Host
from kkui.core.precheck.checks import REGISTRY, CheckContext
from kkui.core.precheck.gather import Facts, parse_output
from kkui.core.precheck.report import CheckResult
from kkui.i18n import L_, _, shown
from kkui.i18n.width import cells

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).parent / "recorded"
HOSTS_PO = ROOT / "kkui" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "hosts.po"
CHECKS_PY = ROOT / "kkui" / "core" / "precheck" / "checks.py"
T0 = 1767225600.0
# Checks named after the program they look for: their column title is that program's name
# (or its short form) in every language.
PROGRAM_CHECKS = {"ssh", "sudo", "socat", "conntrack", "ebtables", "ipset", "curl", "openssl",
                  "ipvsadm", "chrony", "docker", "containerd", "haproxy", "keepalived"}
CJK = re.compile(r"[\u4e00-\u9fff]")

TOOL_ROWS = ("socat", "conntrack", "ebtables", "ipset", "curl", "openssl", "ipvsadm", "chronyd",
             "docker", "containerd", "haproxy", "keepalived")
LISTEN = "   0: 00000000:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1"
# Each gathered section, in the shapes the gather script prints (kkui/core/precheck/gather.py)
VARIANTS: dict[str, list[list[str]]] = {
    "sudo": [[f"mode={m}", f"msg={msg}"] for m, msg in (
        ("missing", ""), ("root", ""), ("nopasswd", ""), ("password", ""),
        ("wrong-password", "Sorry, try again."), ("wrong-password", ""),
        ("needs-password", "a password is required"), ("denied", "not in the sudoers file"),
        ("requiretty", "you must have a tty"), ("failed", "odd"))],
    "id": [["root", "0"], ["deploy", "1000"]],
    "time": [[str(T0)], [str(T0 + 100)], [str(T0 - 100)], [str(T0 + 10)], [str(T0 - 10)],
             ["not-a-number"]],
    "swaps": [["Filename Type Size Used Priority"],
              ["Filename Type Size Used Priority", "/swap file 2097148 0 -2"]],
    "selinux": [["getenforce=Enforcing"], ["getenforce=Permissive"], []],
    "services": [["firewalld=active"], ["ufw=active", "ufw.conf=yes"],
                 ["firewalld=active", "ufw=active", "ufw.conf=yes"], ["firewalld=inactive"],
                 ["keepalived=active", "haproxy=active"]],
    "cpu": [["1"], ["8"]],
    "mem": [["MemTotal: 524288 kB"], ["MemTotal: 16384000 kB"]],
    "df": [["Filesystem 1024-blocks Used Available Capacity Mounted on",
            "/dev/sda1 100 1 1048576 1% /", "/dev/sdb1 100 1 5242880 1% /var"],
           ["Filesystem 1024-blocks Used Available Capacity Mounted on",
            "/dev/sda1 100 1 52428800 1% /"],
           []],
    "listen": [[LISTEN.format(port=p) for p in (22, 6443, 2379, 10250)],
               [LISTEN.format(port=22)]],
    "kernel": [["br_netfilter=missing"], ["ip_forward=0", "br_netfilter=module"],
               ["ip_forward=1", "br_netfilter=builtin"], []],
    "uname": [["x86_64", "6.1.0"], ["aarch64", "5.15.0"], ["mips", "4.0"]],
    "hostname": [["node1"], ["twin"], ["other"], []],
    "os": [['ID="centos"', 'VERSION_ID="6"', 'PRETTY_NAME="CentOS 6"'],
           ['ID="plan9"', 'VERSION_ID="4"'], [], ['ID="debian"', 'VERSION_ID="12"']],
    "pkgmgr": [["apt-get=/usr/bin/apt-get"], ["yum=/usr/bin/yum"], []],
    "tools": [[f"{t}|/usr/bin/{t}|" for t in TOOL_ROWS],
              [f"{t}||/usr/local/sbin/{t}" for t in TOOL_ROWS],
              [f"{t}||" for t in TOOL_ROWS]],
    "kktools": [[f"{t}|/usr/bin/{t}" for t in TOOL_ROWS], [f"{t}|" for t in TOOL_ROWS]],
    "versions": [["docker=Docker version 24.0.7, build afdd53b", "haproxy=HAProxy 2.6.12"],
                 []],
    "lbpkg": [["haproxy=available", "keepalived=available"],
              ["haproxy=unknown", "keepalived=unknown"]],
    "links": [["lo", "eth0"], ["lo"]],
    "addrs": [["eth0 inet 10.0.0.5/24"], ["eth0 inet 172.16.0.5/24"], []],
    "vip": [["local=yes"], ["local=no", "probe=answered"], ["local=no", "probe=silent"],
            ["local=no", "probe=unknown", "neigh="]],
}
# Cases that need two sections changed together
SCENARIOS: list[dict[str, list[str]]] = [
    {"listen": VARIANTS["listen"][0], "services": ["haproxy=active"]},
    {"os": VARIANTS["os"][1], "pkgmgr": []},
    {"tools": VARIANTS["tools"][0], "versions": VARIANTS["versions"][0]},
]


def contexts() -> Iterator[CheckContext]:
    """The default cluster settings, then each one changed alone."""
    default = {"user": "root", "arch": "amd64", "skip_configure_os": False,
               "container_manager": "containerd", "network_plugin": "calico",
               "roles": ("etcd", "control-plane")}
    changes = [{}, {"user": "deploy"}, {"arch": "arm64"}, {"skip_configure_os": True},
               {"container_manager": "docker"}, {"network_plugin": "flannel"},
               {"roles": ("worker",)}]
    for change in changes:
        c = {**default, **change}
        host = Host(name="node1", address="127.0.0.1", user=c["user"], arch=c["arch"])
        yield CheckContext(host=host, roles=c["roles"],
                           container_manager=c["container_manager"],
                           network_plugin=c["network_plugin"],
                           skip_configure_os=c["skip_configure_os"], sent_at=T0,
                           received_at=T0 + 1, peer_hostnames={"node2": "twin"},
                           lb_vip="10.0.0.100", lb_prefix=24, lb_port=6443, lb_interface="eth0")


def corpus() -> Iterator[tuple[str, CheckResult]]:
    defaults = {section: variants[0] for section, variants in VARIANTS.items()}
    bases = [{**defaults, **parse_output(p.read_text()).sections}
             for p in sorted(RECORDED.glob("*.txt"))]
    for check in REGISTRY:
        if check.fn is None:
            continue
        for base, ctx in itertools.product(bases, list(contexts())):
            yield check.id, check.fn(Facts(sections=dict(base)), ctx)
            for section in check.facts:
                for variant in VARIANTS.get(section, ()):
                    yield check.id, check.fn(Facts(sections={**base, section: variant}), ctx)
            for scenario in SCENARIOS:
                yield check.id, check.fn(Facts(sections={**base, **scenario}), ctx)


def messages(text: object) -> Iterator[L_]:
    """Every L_ message in ``text`` and in its values."""
    if isinstance(text, L_):
        yield text
        for value in text.values.values():
            yield from messages(value)


def literal(template: str) -> str:
    return "".join(lit for lit, *_ in string.Formatter().parse(template))


@pytest.fixture(scope="module")
def results() -> list[tuple[str, CheckResult]]:
    return list(corpus())



@pytest.fixture(scope="module")
def kept_as_is() -> set[str]:
    """Messages hosts.po deliberately leaves as they are (only names and commands in them)."""
    with open(HOSTS_PO, "rb") as f:
        return {m.id for m in read_po(f) if m.id and m.string == m.id}


def test_every_check_title_and_help_is_chinese_and_titles_stay_short(zh) -> None:
    for check in REGISTRY:
        title = REGISTRY.title(check.id)
        if check.id in PROGRAM_CHECKS:
            assert title == check.title, check.id
        else:
            assert title != check.title, f"{check.id}: title {check.title!r} not translated"
        assert cells(title) <= 12, f"{check.id}: {title!r} is wider than 6 CJK characters"
        assert CJK.search(_(check.help)), f"{check.id}: help {check.help!r} not translated"
    help_text = REGISTRY.help_text()
    assert "（负载均衡主机）" in help_text and "  conntrack   " in help_text  # ids stay


def test_the_corpus_reaches_every_message_a_check_can_build(results) -> None:
    """A new branch in checks.py without a variant above fails here, not silently."""
    reached = {m.template for _id, r in results for text in (r.detail, r.fix)
               for m in messages(text)}
    built = {message for _line, message, _comments, _context in extract_from_file(
        "python", str(CHECKS_PY), keywords={"L_": None})}
    assert len(built) > 90
    missing = sorted(built - reached)
    assert not missing, "no corpus case builds these:\n" + "\n".join(missing)
    ids = {check_id for check_id, _r in results}
    assert ids == {c.id for c in REGISTRY if c.fn is not None}


def test_every_detail_and_fix_is_chinese_with_its_placeholders_filled(results, zh,
                                                                      kept_as_is) -> None:
    seen: set[tuple[str, str]] = set()
    for check_id, result in results:
        for text in (result.detail, result.fix):
            key = (check_id, text)
            if key in seen:
                continue
            seen.add(key)
            english = str(text)
            chinese = shown(text)
            # every placeholder filled: no "{name}" left over (the firewalld fix has real braces)
            assert chinese.count("{") == english.count("{"), (check_id, english, chinese)
            for message in messages(text):
                if re.search(r"[A-Za-z]{2}", literal(message.template)) and \
                        message.template not in kept_as_is:
                    assert _(message.template) != message.template, \
                        f"{check_id}: not translated: {message.template!r}"
            if isinstance(text, L_) and re.search(r"[a-z]{3} [a-z]{3}", literal(text.template)):
                assert CJK.search(chinese), (check_id, english, chinese)
            # a detail that is not an L_ message is the host's own data (a path, a hostname,
            # the distribution's name), never a sentence of kkui's left untranslatable
            if text is result.detail and not isinstance(text, L_):
                assert not re.search(r"\b[a-z]{2,} [a-z]{2,}\b", english), (check_id, english)
            # a fix that is not an L_ message is a command, never English prose
            if text is result.fix and not isinstance(text, L_):
                assert not re.search(r"(?<![-\w])(the|and|or|to|of|with|by|for)(?![-\w])",
                                     english), (check_id, english)


def test_english_is_unchanged_and_json_stays_english(results, zh) -> None:
    """The results are English strs whatever the language: --json and the run records."""
    for _id, result in results[:400]:
        data = json.dumps(result.to_dict(), ensure_ascii=False)
        assert not CJK.search(data), data


MARKS = "✓!✗E·…"


def assert_grid_aligned(out: str) -> None:
    """Each host row's status mark sits in the column of its check's title (CJK titles take
    two columns a character)."""
    lines = out.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("host "))
    header = lines[top].split("  (")[0]
    starts = [cells(header[:m.start()]) for m in re.finditer(r"(?<=  )\S+", header)][1:]
    for row in lines[top + 1:]:
        if not row.strip() or row.startswith(("图例", "legend")):
            break
        marks = [cells(row[:m.start()]) for m in re.finditer(f"[{MARKS}]", row)]
        assert marks[:len(starts)] == starts, f"{header}\n{row}"


def test_the_grid_alignment_check_sees_a_misaligned_column() -> None:
    aligned = "host  role  端口  socat\nh1    cp    ✗     ✓\n图例"
    assert_grid_aligned(aligned)
    with pytest.raises(AssertionError):
        assert_grid_aligned("host  role  端口  socat\nh1    cp    ✗   ✓\n图例")


@pytest.mark.sshd
def test_kkui_lang_zh_precheck_shows_chinese_that_fits_80_columns(sshlab, farm, tmp_path,
                                                                 known_hosts) -> None:
    import os
    import subprocess
    import sys

    hosts = [farm["busy"], farm["nosocat"], farm["selinux"]]  # busy: etcd, control plane
    cfg = sshlab.write_config(tmp_path / "c.yaml", hosts)
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
    env.update(COLUMNS="80", NO_COLOR="1", LANG="C")

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=ROOT, text=True,
                              env={**env, **extra}, capture_output=True, timeout=60)

    res = run("--lang", "zh", "precheck", "-f", str(cfg))
    print(res.stdout)
    assert res.returncode == 1, res.stderr
    out = res.stdout
    assert "新的主机密钥 ssh-ed25519 SHA256:" in res.stderr  # first contact with each host
    flat = re.sub(r"\s+", "", out)  # the problems are wrapped to 80 columns
    # titles, details and fixes in Chinese; commands, paths and packages as they are
    for expected in ("防火墙", "端口", "未安装：kk 会以 `socat is required` 报错退出",
                     "apt-get install -y socat", "已被占用：2379 (etcd client)",
                     "如需保留 firewalld，请开放端口：firewall-cmd --permanent",
                     "Enforcing：kk 的 ConfigureOS 会将其设为 disabled"):
        assert re.sub(r"\s+", "", expected) in flat, expected

    def too_wide(text: str) -> list[str]:
        """Lines over 80 columns, but not one unbreakable word (a long command) on its own."""
        return [line for line in text.splitlines()
                if cells(line) > 80 and " " in line.strip()]

    english_wide = too_wide(run("precheck", "-f", str(cfg)).stdout)
    assert len(too_wide(out)) <= len(english_wide), "\n".join(too_wide(out))


@pytest.mark.sshd
def test_precheck_json_is_byte_identical_under_zh_and_c(sshlab, farm, tmp_path,
                                                       known_hosts) -> None:
    import os
    import subprocess
    import sys

    hosts = [farm["busy"], farm["nosocat"], farm["selinux"], farm["arm"]]
    cfg = sshlab.write_config(tmp_path / "c.yaml", hosts)
    base = {k: v for k, v in os.environ.items()
            if k not in ("LINES", "COLUMNS", "KKUI_LANG", "LC_ALL", "LC_MESSAGES")}

    def run(lang: str) -> str:
        return subprocess.run([sys.executable, "-m", "kkui", "precheck", "-f", str(cfg), "--json"],
                              cwd=ROOT, text=True, env={**base, "LANG": lang},
                              capture_output=True, timeout=60).stdout

    run("C")  # records the host keys: the runs compared below see them as known
    english, chinese = run("C"), run("zh_CN.UTF-8")
    # the clock check measures a skew: round it away, everything else is byte for byte
    skew = re.compile(r"clock (is [0-9.]+ s (ahead of|behind)|agrees with) this machine[^\"]*")
    assert skew.sub("clock", chinese) == skew.sub("clock", english)
    assert json.loads(english)["hosts"] and not CJK.search(chinese)


@pytest.mark.sshd
def test_the_plain_zh_grid_keeps_marks_under_their_titles(sshlab, farm, tmp_path,
                                                          known_hosts) -> None:
    import os
    import subprocess
    import sys

    cfg = sshlab.write_config(tmp_path / "c.yaml", [farm["busy"], farm["nosocat"],
                                                    farm["selinux"]])
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
    res = subprocess.run([sys.executable, "-m", "kkui", "--lang", "zh", "precheck", "-f",
                          str(cfg)], cwd=ROOT, text=True, capture_output=True, timeout=60,
                         env={**env, "COLUMNS": "80", "NO_COLOR": "1"})
    assert "端口" in res.stdout
    assert_grid_aligned(res.stdout)
