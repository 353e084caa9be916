"""No English prose left in kkui's Chinese output (issue #16 sweep): every command run the way
a user runs it under LANG=zh_CN.UTF-8 -- offline, against the stand-in kk, against a loopback
HTTP server and against real sshd hosts on loopback -- and each output line checked by
support/english_prose.py (three English words in a row that are not a command, path, field,
check id or kk's own text).

What may stay English, and why (each entry is used by a scenario below):
- kk's own words: the stand-in kk's transcript lines and the bundled kk logs that triage
  quotes (a line is kk's when every English run in it is in kk's text);
- the pipe form's column headers and row words of precheck, certs and history: kept English on
  purpose for grep (kkui/commands/precheck.py `# grep: English`; the terminal form translates
  them), and history's command/outcome columns are run-record data;
- text of other programs quoted as a reason: the YAML parser's message, the remote kubectl /
  etcdctl error ("no such file or directory"), Python's tarfile message.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.english_prose import english_lines, english_runs
from support.sshlab import SshLab, sshlab  # noqa: F401  (session fixture)
from support.zh_cluster import BROKEN, REFUSED, ZH, kkui

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FAKE_KK = ROOT / "tests" / "support" / "fake_kk.py"
TRANSCRIPTS = ROOT / "tests" / "support" / "kk_transcripts"
CONFIGS = sorted((DATA / "configs").glob("**/*.yaml"))
KK_LOGS = sorted((DATA / "kklogs").glob("*/*.log"))

# the pipe form's headers and history rows: English for grep / record data (see docstring)
PIPE_HEADERS = ("status   days  expires (UTC)", "   ID  STARTED              COMMAND")
PIPE_ROWS = re.compile(r"^host +role |^\s+\d+  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ")
YAML_PARSER = ("YAML 格式错误：",)
REMOTE_TOOL = ("no such file or directory",)
TARFILE = ("file could not be opened successfully",)


def english_left(output: str, *, allowed: tuple[str, ...] = (), kk_text: str = "") -> list[str]:
    """The lines of ``output`` still in English, minus the allowed ones and kk's own words."""
    return [line for line in english_lines(output, PIPE_HEADERS + allowed)
            if not PIPE_ROWS.match(line)
            and not (kk_text and all(run in kk_text for run in english_runs(line)))]


def assert_chinese(english: list[str]) -> None:
    assert not english, "English left in the Chinese output:\n" + "\n".join(english)


def run_zh(args: list[str], cwd: Path, **env: str) -> str:
    res = kkui(args, {**ZH, **env}, cwd)
    assert "Traceback" not in res.stderr, res.stderr
    assert "内部错误" not in res.stderr, res.stderr  # a crash is one line, and a failure here
    return res.stdout + res.stderr


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "refused.yaml").write_text(REFUSED)
    (tmp_path / "broken.yaml").write_text(BROKEN)
    return tmp_path


def test_detector_flags_english_and_spares_what_stays_english() -> None:
    """The helper itself: English prose is flagged, commands/paths/fields/kk lines are not."""
    assert english_runs("kkui: error: nonexist.yaml: no such file (create one)")
    assert english_runs("error  master1 (127.0.0.11): not scanned: nothing listens on port 1")
    assert english_runs("错误: 主机 master1: connection refused: nothing listens on port 1")
    for fine in ("错误: spec.roleGroups.etcd: 成员数为偶数",
                 "修复：在该节点上执行：systemctl status etcd；journalctl -u etcd --since -1h",
                 "用法: kkui export-config --profile NAME -o config-sample.yaml",
                 "10:53:02 CST [ERRO] The Kubernetes version: v1.99.0 isn't supported.",
                 "ERROR etcd-health       etcd             未检查：没有可访问的 etcd 节点",
                 "修复建议：执行 `./kk delete cluster -f config-sample.yaml` 然后重新运行"):
        assert english_runs(fine) == [], fine


def test_validate_every_corpus_config_in_chinese(work: Path) -> None:
    found = []
    for config in [*CONFIGS, work / "broken.yaml", work / "nothere.yaml", work]:
        found += english_left(run_zh(["validate", "-f", str(config)], work),
                              allowed=YAML_PARSER)
    assert_chinese(found)


def test_config_commands_in_chinese(work: Path) -> None:
    (work / "afile").write_text("x")
    (work / "link.yaml").symlink_to(work / "refused.yaml")
    out = "".join(run_zh(args, work) for args in (
        ["profiles"],
        ["export-config", "--profile", "all-in-one", "-o", "new.yaml"],
        ["export-config", "-f", "refused.yaml", "-o", "refused.yaml"],
        ["export-config", "--profile", "all-in-one", "-o", "link.yaml", "--force"],
        ["export-config", "--profile", "all-in-one", "-o", "afile/x.yaml"],
        ["export-config", "--profile", "nope", "-o", "-"],
        ["report", "-f", "refused.yaml", "-o", "afile/r.md"],
    ))
    assert "是符号链接" in out and "已存在且不是目录" in out  # the write refusals, translated
    assert_chinese(english_left(out))


def test_offline_day2_refusals_in_chinese(work: Path) -> None:
    """Every command that reaches for the hosts, with nothing listening (SSH port 1)."""
    out = "".join(run_zh(args, work) for args in (
        ["lb", "render", "-f", "refused.yaml", "-o", "lb"],
        ["lb", "status", "-f", "refused.yaml"],
        ["lb", "deploy", "-f", "refused.yaml"],
        ["lb", "drill", "-f", "refused.yaml"],
        ["precheck", "-f", "refused.yaml"],
        ["install", "-f", "refused.yaml", "--plan"],
        ["verify", "-f", "refused.yaml"],
        ["drill", "reference", "-f", "refused.yaml"],
        ["drill", "node", "-f", "refused.yaml", "--target", "worker1", "--yes"],
        ["certs", "-f", "refused.yaml"],
        ["delete", "-f", "refused.yaml", "--scan-only"],
        ["delete", "-f", "refused.yaml", "--kk", str(FAKE_KK)],
        ["nodes", "add", "-f", "refused.yaml", "--kk", str(FAKE_KK), "--dry-run"],
        ["nodes", "delete", "-f", "refused.yaml", "--kk", str(FAKE_KK), "worker1"],
        ["upgrade", "-f", "refused.yaml", "--check"],
        ["etcd", "snapshot", "-f", "refused.yaml"],
        ["etcd", "restore", "-f", "refused.yaml", "nothere.db"],
        ["triage", "--collect", "refused.yaml"],
    ))
    assert "连接被拒绝：端口 1 上没有服务监听" in out
    assert_chinese(english_left(out))


def test_nodes_add_preview_in_chinese(work: Path) -> None:
    """The preview's one-word labels (new/touched/changed) are below the detector's three
    words: checked by name. The applied config lacks worker1 and has master1 as a worker."""
    applied = "\n".join(line for line in REFUSED.splitlines() if "name: worker1" not in line)
    applied = applied.replace("worker: [worker1]", "worker: [master1]")
    (work / "kkui-work" / "prod").mkdir(parents=True)
    (work / "kkui-work" / "prod" / "config-sample.yaml").write_text(applied + "\n")
    out = run_zh(["nodes", "add", "-f", "refused.yaml", "--kk", str(FAKE_KK), "--dry-run"],
                 work)
    lines = out.splitlines()
    assert "  新增：   worker1" in lines
    assert any(line.startswith("  受影响： master1, master2, master3 （") for line in lines)
    assert any(line.startswith("  有改动： master1 （") for line in lines)
    assert_chinese(english_left(out))


def test_failing_installs_history_and_bundle_in_chinese(work: Path) -> None:
    kk_text = "\n".join(p.read_text() for p in TRANSCRIPTS.glob("*.txt"))
    kk_text += FAKE_KK.read_text()  # the banner, the precheck table and the prompt
    env = {"FAKE_KK_TRANSCRIPTS": str(TRANSCRIPTS)}
    out = ""
    for n, scenario in enumerate(("etcd-failure", "download-failure", "conntrack")):
        out += run_zh(["install", "-f", "refused.yaml", "--kk", str(FAKE_KK),
                       "--skip-precheck", "-y", "--workdir", f"wd{n}"], work,
                      FAKE_KK_SCENARIO=scenario, **env)
    out += "".join(run_zh(args, work) for args in (
        ["history"], ["history", "show", "1"], ["history", "diff", "1", "2"],
        ["bundle", "-f", "refused.yaml", "-o", "b.tar.gz", "--workdir", "wd0", "--no-collect"],
        ["report", "-f", "refused.yaml", "-o", "-"],
    ))
    assert "ETCDConfigureModule" in out
    assert_chinese(english_left(out, kk_text=kk_text))


def test_triage_of_every_bundled_log_in_chinese(work: Path) -> None:
    found = []
    for log in KK_LOGS:
        found += english_left(run_zh(["triage", str(log)], work), kk_text=log.read_text())
    ports = run_zh(["triage", str(DATA / "kklogs" / "synthetic" / "init-ports-in-use.log")], work)
    assert "Kubernetes 端口已被占用" in ports
    found += english_left(run_zh(["triage", "nothere.log"], work))
    assert_chinese(found)


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server serving ``tmp_path/www``: a broken kk tarball at kk's path."""
    www = tmp_path / "www"
    (www / "v3.1.12").mkdir(parents=True)
    (www / "v3.1.12" / "kubekey-v3.1.12-linux-amd64.tar.gz").write_bytes(b"not a tarball")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(www), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", www
    finally:
        server.shutdown()
        server.server_close()


def test_download_errors_in_chinese(work: Path, http_root: tuple[str, Path]) -> None:
    url, www = http_root
    tarball = www / "v3.1.12" / "kubekey-v3.1.12-linux-amd64.tar.gz"
    out = "".join(run_zh(args, work) for args in (
        ["download", "--base-url", url + "nothere/", "--dest", "d1"],
        ["download", "--base-url", url, "--dest", "d2"],
        ["download", "--base-url", url, "--dest", "d3", "--sha256", "a" * 64],
        ["download", "--from-file", str(tarball), "--dest", "d5"],
        ["download", "--from-file", "nothere.tar.gz"],
    ))
    assert "HTTP 404" in out
    assert_chinese(english_left(out, allowed=TARFILE))


def test_against_real_ssh_hosts_in_chinese(sshlab: SshLab, tmp_path: Path) -> None:  # noqa: F811
    """precheck with failing hosts, lb, certs, leftovers, verify, etcd and upgrade against
    real sshd hosts on loopback (nothing of a cluster is installed on them)."""
    specs: dict[str, dict] = {
        "zhok": {}, "zhnosocat": {"tools_missing": ("socat", "conntrack")},
        "zhselinux": {"selinux": "Enforcing", "active_services": ("firewalld",)},
        "zharm": {"arch": "aarch64"}, "zhpwsudo": {"sudo": "password"},
        "zhsmall": {"cpus": 1, "mem_kib": 1024 * 1024, "swap_kib": 1024,
                    "disk_free_kib": 1024, "br_netfilter": False},
        "zhlbok": {"tools": ("haproxy", "keepalived")},
        "zhlbbad": {"tools": (), "listening": (22, 6443), "stubs": {"ping": None}},
    }
    hosts = {name: sshlab.add_host(name, start=False, **spec) for name, spec in specs.items()}
    sshlab.start()
    masters = ["zhok", "zhnosocat", "zhselinux"]
    sshlab.write_config(
        tmp_path / "c.yaml", [hosts[n] for n in specs if "lb" not in n],
        roles={"etcd": masters, "control-plane": masters,
               "worker": ["zharm", "zhpwsudo", "zhsmall"]},
        lb_hosts=[hosts["zhlbok"], hosts["zhlbbad"]],
        lb={"vip": f"{sshlab.block}.240", "prefix": 24, "port": 6443, "interface": "lo",
            "virtualRouterId": 51})
    env = {"KKUI_KNOWN_HOSTS": str(tmp_path / "kh"),
           "KKUI_USER_KNOWN_HOSTS": str(tmp_path / "ukh")}
    out = "".join(run_zh(args, tmp_path, **env) for args in (
        ["precheck", "-f", "c.yaml"], ["precheck", "-f", "c.yaml", "--strict"],
        ["lb", "status", "-f", "c.yaml"], ["lb", "deploy", "-f", "c.yaml"],
        ["certs", "-f", "c.yaml"], ["delete", "-f", "c.yaml", "--scan-only"],
        ["verify", "-f", "c.yaml"], ["etcd", "snapshot", "-f", "c.yaml"],
        ["upgrade", "-f", "c.yaml", "--check"],
    ))
    assert "未安装：kk 会以 `socat is required` 报错退出" in out  # precheck's details
    assert "zhok：不健康（" in out  # etcd snapshot's reasons
    assert_chinese(english_left(out, allowed=REMOTE_TOOL))
