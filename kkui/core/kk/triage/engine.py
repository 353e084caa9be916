"""The triage engine: kk console text in (a line at a time, live or offline), a report out.

It reads every format kk has printed (see tests/data/kklogs/real/SOURCES.md):

- kk v3.1: ``HH:MM:SS ZONE [Module] Task``, ``message: [host]`` blocks, and at the end
  ``error: Pipeline[P] execute failed: Module[M] exec failed:`` followed by
  ``failed: [host] [Task] exec failed after N retries: reason`` (kk v3.1.12
  cmd/kk/pkg/core/pipeline/pipeline.go:93, cmd/kk/pkg/core/task/remote_task.go:214);
- kk v2.x-v3.0.x: the same with the misspelling ``retires`` (v3.0.7 remote_task.go:215);
- host lines without a task (``failed: [h] failed to connect to ...``) and task timeouts
  (``failed: [h] execute task timeout, Timeout=1m30s``, v3.1.12 remote_task.go:113);
- kk v1.x logrus: ``INFO[10:53:02 CST] ...``, ``ERRO[..] message  node=10.0.0.4``, no modules;
- partial pastes (only the ``failed:`` lines, only a kubeadm body): whatever is there is used;
- a sudo password prompt inside an open ``message: [node201]`` block: kk hangs, and the host
  of that block is the culprit;
- curl's progress meter glued to the next output (``--:--:--     0curl: (6) ...``).

A line is tested against a signature only when one of its trigger words occurs in it, so feeding
every line of a live install costs little.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kkui.core.kk.triage.signatures import BY_ID, SIGNATURES, Signature
from kkui.i18n import L_

_STAMP = re.compile(r"^(\d{1,2}:\d{2}:\d{2}) (?:[A-Za-z]{1,6}|[+-]\d{2}(?:\d{2})?) (.*)$")
_LOGRUS = re.compile(r"^(INFO|WARN|ERRO|FATA|PANI|DEBU)\[[^\]]*\] ?(.*)$")
# kk v1's own lines carry the time (INFO[19:38:10 CST]); crictl's inside a block do not
# (FATA[0000]) and belong to the block
_LOGRUS_TIMED = re.compile(r"^(?:INFO|WARN|ERRO|FATA|PANI|DEBU)\[\d{1,2}:\d{2}:\d{2}")
_TASK = re.compile(r"^\[([^\]]+)\] (.+)$")
_STATUS = re.compile(r"^(success|failed|skipped|retry|rollback): \[([^\]]*)\]\s*$")
_BLOCK = re.compile(r"^(message|stdout|stderr|command): \[([^\]]*)\]\s*$")
# kk v3.1.12 cmd/kk/pkg/pipelines/create_cluster.go:117; v1.2.0 pkg/cluster/install/install.go:161
_PIPELINE_OK = re.compile(r"Pipeline\[[^\]]+\] execute successfully|Installation is complete"
                          r"|Installation is successful")
_PIPELINE_FAILED = re.compile(
    r"(?:error: )?Pipeline\[([^\]]+)\] execute failed: ?(?:Module\[([^\]]+)\] exec failed: ?)?")
_FAILED_HOST = re.compile(r"^\s*failed: \[([^\]]+)\] ?(?:\[([^\]]+)\] )?(.*)$")
_RETRIES = re.compile(r"exec failed after \d+ (?:retries|retires): ?")  # v2.x-v3.0.x: retires
_LEVEL_HOST = re.compile(r"^\[(?:ERRO|FATA)\] ([\w.-]+): ")
_NODE = re.compile(r"\bnode=(\S+)\s*$")
# kk v1 prints a host's command output under "[name address] MSG:" (v1.2.0
# pkg/util/runner/runner.go:44,62) and names hosts by address in "node=" fields
_V1_BLOCK = re.compile(r"^\[(\S+) (\S+)\] MSG:\s*$")
_V1_ERROR = re.compile(r"^Error: (.+)$")
_PASSWORD_PROMPT = re.compile(r"(?:\[sudo\] password for [^:]*|^[Pp]assword):\s*$")
_VERSION = re.compile(r'GitVersion:"(v[\d.]+[^"]*)"|version\.BuildInfo\{Version:"v?([\d.]+[^"]*)"'
                      r"|^kk version: (v[\d.]+\S*)")
# the cn zone in effect: the operator's own `export KKZONE=cn` (not kk's hint that suggests it)
# or the mirrors kk only uses with KKZONE=cn (kk v3.1.12 cmd/kk/pkg/files/file.go:99-140,
# cmd/kk/pkg/images/images.go:34,62)
_ZONE_CN = re.compile(r"^\s*(?:\$ |# )?(?:export )?KKZONE=cn\b|pek3b\.qingstor\.com"
                      r"|registry\.cn-beijing\.aliyuncs\.com")
# curl's meter ends with the speed column; what follows on the same line is the next output
_METER_GLUE = re.compile(r"((?:--:--:--|\d{1,2}:\d{2}:\d{2})\s+\d+[kMG]?)(?=curl: )")
_GLUED_STAMP = re.compile(r"(?<=[^\s\d:])(?=\d{1,2}:\d{2}:\d{2} [A-Z]{2,5} (?:\[|message:|"
                          r"failed:|success:|stdout:|retry:))")

_TRIGGERS: dict[str, tuple[Signature, ...]] = {}
for _sig in SIGNATURES:
    for _t in _sig.triggers:
        _TRIGGERS[_t] = (*_TRIGGERS.get(_t, ()), _sig)


def trie_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One regex for many literals, factored by common prefixes: Python's re tries every branch
    of a flat alternation at every position (~22 µs for a kk line with 120 triggers); the
    factored form is ~4x cheaper."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items())
                    if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie))


_ANY_TRIGGER = trie_pattern(_TRIGGERS)
MAX_EVIDENCE = 3
EVIDENCE_CHARS = 300


@dataclass
class Finding:
    id: str
    title: str
    cause: str
    fix: str
    hosts: list[str]
    evidence: list[str]
    confidence: str
    group: str = ""
    links: tuple[str, ...] = ()
    score: int = 0

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "cause": self.cause, "fix": self.fix,
                "hosts": list(self.hosts), "evidence": list(self.evidence),
                "confidence": self.confidence}


@dataclass
class TriageReport:
    outcome: str  # success | failed | hang | incomplete
    kk_version: str | None
    failed_module: str | None
    failed_task: str | None
    failed_hosts: list[str]
    findings: list[Finding]
    pipeline: str | None = None
    zone_cn: bool = False

    def to_json(self) -> dict[str, object]:
        """The stable ``kkui triage --json`` contract (README, "kkui triage")."""
        return {"outcome": self.outcome, "kk_version": self.kk_version,
                "failed_module": self.failed_module, "failed_task": self.failed_task,
                "failed_hosts": list(self.failed_hosts),
                "findings": [f.to_json() for f in self.findings]}


@dataclass
class _Match:
    hosts: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    decisive: bool = False  # seen in the failure itself, or on a host that failed
    order: int = 0


class Triage:
    """Feed kk's lines (``feed_line``) or a whole paste (``feed_text``); read ``report()``.

    ``zone`` is what the caller knows about KKZONE (``"cn"``, ``"global"`` or None); the log
    itself also shows the cn zone (its mirror URLs), and either is enough to withhold
    "use --zone cn" advice.
    """

    def __init__(self, zone: str | None = None) -> None:
        self.zone = zone
        self.zone_cn = zone == "cn"
        self.kk_version: str | None = None
        self.module: str | None = None
        self.task: str | None = None
        self.block_host: str | None = None
        self.block_prompt = False  # the open block ends in a password prompt
        self.failure_host: str | None = None  # host of the current "failed: [h]" reason
        self.in_failure = False
        self.pipeline: str | None = None
        self.failed_module: str | None = None
        self.failed_task: str | None = None
        self.failed: dict[str, str] = {}  # host -> task, in order of appearance
        self.status_failed: list[str] = []
        self.succeeded = False
        self.errors = False
        self.lines = 0
        self.last_text = ""
        self.matches: dict[str, _Match] = {}
        self.unattributed: list[_Match] = []  # matched since the last stamp, host unknown
        self._structural = False  # the current line is kk's bookkeeping, not a message
        self.v1_names: dict[str, str] = {}  # kk v1: address -> host name, from MSG headers
        self.v1_error_open = False  # kk v1: an ERRO message whose node= is still to come

    # -- input -------------------------------------------------------------------------
    def feed_text(self, text: str) -> None:
        for line in split_lines(text):
            self.feed_line(line)

    def feed_line(self, line: str) -> list[Signature]:
        """One line of kk output; returns the signatures it matched for the first time."""
        line = line.rstrip("\r\n")
        self.lines += 1
        if line.strip():
            self.last_text = line
        self._structural = False
        host = self._track(line)
        if self._structural:  # "10:53:02 CST success: [node1]" and the like name no cause
            return []
        return self._match(line, host)

    def feed_evidence(self, host: str, text: str) -> None:
        """Output gathered on ``host`` after the failure (journal, crictl, df...): every match
        in it counts as decisive for that host, and its evidence names the host."""
        saved = (self.in_failure, self.failure_host, self.block_host)
        self.in_failure, self.failure_host, self.block_host = True, host, None
        try:
            for line in split_lines(text):
                if line.strip():
                    self._match(line, host, prefix=f"{host}: ")
        finally:
            self.in_failure, self.failure_host, self.block_host = saved
            self.unattributed = []

    # -- structure: which host, module and task a line belongs to -------------------------
    def _track(self, line: str) -> str | None:
        if self.kk_version is None and ("Version" in line or line.startswith("kk version")):
            found = _VERSION.search(line)
            if found:
                self.kk_version = next(g for g in found.groups() if g)
                if not self.kk_version.startswith("v"):
                    self.kk_version = "v" + self.kk_version
        if not self.zone_cn and ("KKZONE" in line or "pek3b" in line or "cn-beijing" in line) \
                and _ZONE_CN.search(line):
            self.zone_cn = True
        stamped = _STAMP.match(line)
        if stamped is not None:
            return self._stamped(stamped.group(2))
        if line.startswith("[") and line.rstrip().endswith("] MSG:"):
            v1_block = _V1_BLOCK.match(line)
            if v1_block is not None:
                self.v1_names[v1_block.group(2)] = v1_block.group(1)
                self.block_host, self.block_prompt = v1_block.group(1), False
                self._structural = True
                return None
        if self.block_host is not None and not line.lstrip().startswith(("failed: [",
                                                                         "error: Pipeline")) \
                and not _LOGRUS_TIMED.match(line):
            # a block's body: crictl's own "FATA[0000] ..." lines are not kk v1 logrus lines
            if "assword" in line and _PASSWORD_PROMPT.search(line):
                self.block_prompt = True
            elif line.strip():
                self.block_prompt = False
            return self.block_host
        logrus = _LOGRUS.match(line)
        if logrus is not None:
            return self._logrus(logrus.group(1), logrus.group(2))
        failed = _PIPELINE_FAILED.search(line) if "execute failed" in line else None
        if failed is not None:
            self.in_failure, self.errors = True, True
            self.block_host = None
            self.pipeline = failed.group(1)
            self.failed_module = failed.group(2) or self.failed_module
            rest = line[failed.end():]
            return self._failed_host_line(rest) if rest.lstrip().startswith("failed: [") \
                else None
        if line.lstrip().startswith("failed: ["):
            self.block_host = None
            return self._failed_host_line(line)
        if self.v1_error_open and "node=" in line:
            node = _NODE.search(line)
            if node is not None:
                host = self.v1_names.get(node.group(1), node.group(1))
                self.failed.setdefault(host, "")
                self.v1_error_open = False
                for match in self.unattributed:
                    if host not in match.hosts:
                        match.hosts.append(host)
                return host
        if _V1_ERROR.match(line):
            self.errors = True
            self.in_failure = True
        elif line.startswith("Installation is complete"):  # stdout, after the pipeline's line
            self.succeeded = True
        if self.failure_host is not None:
            return self.failure_host
        return None

    def _stamped(self, rest: str) -> str | None:
        self.block_host, self.block_prompt, self.failure_host = None, False, None
        if not _STATUS.match(rest):
            self.unattributed = []
        if rest.startswith("["):
            if rest.startswith(("[ERRO]", "[FATA]")):
                self.errors = True
                named = _LEVEL_HOST.match(rest)  # "[ERRO] node2: conntrack is required."
                if named is not None and named.group(1) not in self.failed:
                    self.failed[named.group(1)] = ""
                    if self.failed_module is None:
                        self.failed_module, self.failed_task = self.module, self.task
                return named.group(1) if named else None
            task = _TASK.match(rest)
            if task is not None and not rest.startswith("[WARN"):
                self.module, self.task = task.group(1), task.group(2).strip()
                self._structural = True
            return None
        status = _STATUS.match(rest)
        if status is not None:
            self._structural = True
            if status.group(1) in ("failed", "retry"):
                # a paste that starts inside a block: its body is this host's (kk prints the
                # status right after the body of the command that failed)
                for match in self.unattributed:
                    if status.group(2) not in match.hosts:
                        match.hosts.append(status.group(2))
            self.unattributed = []
            if status.group(1) == "failed":
                host = status.group(2)
                if host not in self.status_failed:
                    self.status_failed.append(host)
                if self.failed_module is None:
                    self.failed_module = self.module
                    self.failed_task = self.task
            return None
        block = _BLOCK.match(rest)
        if block is not None:
            # kk names its own machine "LocalHost" in statuses but "localhost" in messages
            host = block.group(2)
            self.block_host = "LocalHost" if host == "localhost" else host
            self._structural = True
            return None
        if _PIPELINE_OK.search(rest):
            self.succeeded = True
        return None

    def _logrus(self, level: str, rest: str) -> str | None:
        self.block_host, self.failure_host = None, None
        node = _NODE.search(rest)
        host = self.v1_names.get(node.group(1), node.group(1)) if node else None
        self.v1_error_open = False
        if level in ("ERRO", "FATA", "PANI") or (level == "WARN" and rest.startswith("error:")):
            self.errors, self.in_failure = True, True
            if host is not None and host not in self.failed:
                self.failed[host] = ""
            # a multi-line message (the command's stderr) carries node= on its last line
            self.v1_error_open = host is None and level != "WARN"
        if _PIPELINE_OK.search(rest):
            self.succeeded = True
        return host

    def _failed_host_line(self, line: str) -> str:
        found = _FAILED_HOST.match(line)
        assert found is not None  # callers checked the prefix
        host, task = found.group(1), found.group(2) or ""
        self.errors = True
        if host not in self.failed or (task and not self.failed[host]):
            self.failed[host] = task
        if task and (self.failed_task is None or next(iter(self.failed)) == host):
            self.failed_task = task  # kk's task id of the first failed host wins
        self.failure_host = host
        return host

    # -- signatures -----------------------------------------------------------------------
    def _match(self, line: str, host: str | None, prefix: str = "") -> list[Signature]:
        lowered = line.lower()
        if _ANY_TRIGGER.search(lowered) is None:
            return []
        candidates: list[Signature] = []
        for trigger, sigs in _TRIGGERS.items():
            if trigger in lowered:
                candidates.extend(s for s in sigs if s not in candidates)
        new: list[Signature] = []
        for sig in candidates:
            if sig.regex.search(line) is None:
                continue
            match = self.matches.get(sig.id)
            if match is None:
                match = self.matches[sig.id] = _Match(order=self.lines)
                new.append(sig)
            if host and host not in match.hosts:
                match.hosts.append(host)
            elif not host and match not in self.unattributed:
                self.unattributed.append(match)
            if self.in_failure or self.failure_host is not None:
                match.decisive = True
            text = prefix + _evidence(line)
            if len(match.evidence) < MAX_EVIDENCE and text not in match.evidence:
                match.evidence.append(text)
        return new

    # -- the report -------------------------------------------------------------------------
    def outcome(self) -> str:
        if self.succeeded and not self.in_failure:
            return "success"
        if self.errors or self.failed or self.status_failed:
            return "failed"
        if (self.block_prompt or _PASSWORD_PROMPT.search(self.last_text)) and self.lines:
            return "hang"
        return "incomplete"

    def failed_hosts(self) -> list[str]:
        hosts = list(self.failed)
        hosts += [h for h in self.status_failed if h not in hosts]
        if not hosts and self.outcome() == "hang" and self.block_host:
            hosts.append(self.block_host)
        return hosts

    def report(self) -> TriageReport:
        outcome = self.outcome()
        failed_hosts = self.failed_hosts()
        findings = [] if outcome == "success" else self._findings(failed_hosts, outcome)
        task = self.failed_task
        if task is None and outcome == "failed" and self.failed_module and \
                self.failed_module == self.module:
            task = self.task
        module = self.failed_module
        if module is None and outcome == "hang":
            module, task = self.module, self.task
        return TriageReport(outcome, self.kk_version, module, task, failed_hosts, findings,
                            self.pipeline, self.zone_cn)

    def _findings(self, failed_hosts: list[str], outcome: str) -> list[Finding]:
        matched = {sid: m for sid, m in self.matches.items() if _applies(BY_ID[sid],
                                                                       self.zone_cn)}
        for m in matched.values():
            if not m.decisive and set(m.hosts) & set(failed_hosts):
                m.decisive = True
            if not m.decisive and not failed_hosts and outcome != "failed":
                m.decisive = True  # a partial paste or a hang: what is there is all we have
        suppressed = {victim for sid, m in matched.items() for victim in BY_ID[sid].suppresses
                      if victim in matched and m.decisive >= matched[victim].decisive}
        findings = []
        for sid, m in matched.items():
            if sid in suppressed:
                continue
            sig = BY_ID[sid]
            score = sig.weight + (100 if m.decisive else 0) + \
                (20 if outcome == "hang" and sig.live else 0)
            hosts = list(m.hosts)
            if not hosts and m.decisive and len(failed_hosts) >= 1 and sig.group not in \
                    ("download",):
                hosts = list(failed_hosts)
            # the registry's English (N_-marked) as L_ messages: --json gets English, the
            # CLI and the TUI show them with kkui.i18n.shown()
            findings.append(Finding(sig.id, L_(sig.title), L_(sig.cause),
                                    L_(sig.fix_for(self.zone_cn)), hosts, list(m.evidence),
                                    sig.confidence, sig.group, sig.links, score))
        findings.sort(key=lambda f: (-f.score, self.matches[f.id].order))
        return findings


def _applies(sig: Signature, zone_cn: bool) -> bool:
    if sig.zone == "global":
        return not zone_cn
    if sig.zone == "cn":
        return zone_cn
    return True


def _evidence(line: str) -> str:
    text = line.strip()
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS - 1] + "…"


def split_lines(text: str) -> list[str]:
    """Lines of a saved or pasted log: CR-redrawn progress lines split, and curl's meter
    separated from the output glued to it."""
    text = text.replace("\r\n", "\n")
    out: list[str] = []
    for raw in text.split("\n"):
        for part in raw.split("\r"):
            out.extend(unglue(part))
    return out


def unglue(line: str) -> list[str]:
    """``...--:--:--     0curl: (6) ...`` -> the meter and ``curl: (6) ...`` as two lines."""
    if "--:--" not in line:  # curl's meter always shows "--:--:--" (time left) when it ends
        return [line]
    line = _METER_GLUE.sub(lambda m: m.group(1) + "\n", line)
    line = _GLUED_STAMP.sub("\n", line)
    return line.split("\n")


def triage_text(text: str, zone: str | None = None) -> TriageReport:
    engine = Triage(zone)
    engine.feed_text(text)
    return engine.report()


def triage_lines(lines: Iterable[str], zone: str | None = None) -> TriageReport:
    engine = Triage(zone)
    for line in lines:
        for part in unglue(line):
            engine.feed_line(part)
    return engine.report()
