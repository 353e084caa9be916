"""Known kk failure signatures -> what to do about them (kubekey issues in KUBEKEY.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kkui.core.kk.events import KkEvent, PipelineFailed, RawLine


@dataclass(frozen=True)
class Hint:
    key: str
    title: str
    text: str
    live: bool = False  # worth showing while kk still runs (it may hang forever)


HINTS: dict[str, Hint] = {h.key: h for h in (
    Hint("zone", "Downloads from github.com / storage.googleapis.com failed",
         "kk fetches kubeadm, kubelet, etcd, CNI and images at run time. From mainland China "
         "(or any network that cannot reach those hosts) run with the cn zone: "
         "`kkui install --zone cn` or set `spec.kk.zone: cn` in kkui's document, so kk runs "
         "with KKZONE=cn and uses the China mirrors. Behind a proxy, export HTTPS_PROXY "
         "before running kkui. Then run the install again: kk resumes from its download "
         "cache in <workdir>/kubekey."),
    Hint("tools", "conntrack / socat missing on a host",
         "kk refuses to continue while a host lacks conntrack or socat. Install them on the "
         "named hosts (`apt-get install -y conntrack socat` or `yum install -y conntrack-tools "
         "socat`), or let kk do it: `./kk init os -f config-sample.yaml` in the workdir. If "
         "they are installed but still reported missing, they are outside sudo's secure_path "
         "(kk runs `sudo -E /bin/bash -c \"command -v conntrack\"`, kubekey#1167)."),
    Hint("sudo", "sudo asks for a password",
         "kk needs passwordless sudo for a non-root user; otherwise sudo waits for a password "
         "and kk hangs (kubekey#2343). On each host add "
         "`<user> ALL=(ALL) NOPASSWD:ALL` to /etc/sudoers.d/<user> (visudo -f), or use "
         "user: root. `kkui precheck` reports this before kk runs.", live=True),
    Hint("sha256", "SHA256 mismatch of a downloaded component",
         "A file kk downloaded is incomplete or not the expected build (flaky network or "
         "mirror). Delete that component's directory under <workdir>/kubekey/ (e.g. "
         "kubekey/kube/<version>/) and run the install again; if it keeps failing, switch the "
         "zone (`--zone cn` / `--zone global`)."),
    Hint("k8s-version", "Kubernetes version not supported by this kk",
         "kk v3.1.12 installs Kubernetes v1.19.0 ... v1.33.4 (see `./kk version "
         "--show-supported-k8s`). Set spec.kubernetes.version to one of them, for example "
         "v1.23.17 (kk's default) or a v1.28/v1.30 patch release, and run again."),
    Hint("ssh-key", "SSH private key file unreadable",
         "kk (running as you, on this machine) could not read privateKeyPath. Check the path "
         "in spec.hosts (`~` is your home on this machine), that the file exists and is "
         "readable by you, and that it is an unencrypted private key (kk cannot ask for a "
         "passphrase)."),
    Hint("ssh-connect", "kk could not connect to a host over SSH",
         "Check that the host's address and port are right, sshd is running and reachable "
         "from this machine (firewall, security group), and that the user/password or key "
         "are accepted: `ssh -p <port> <user>@<address>`. `kkui precheck` tests exactly "
         "this for every host."),
    Hint("etcd", "etcd health check kept failing",
         "etcd members did not become healthy. Usual causes: clocks out of sync between etcd "
         "hosts (check chrony), ports 2379/2380 blocked between them (firewalld/ufw, security "
         "groups), leftovers of an earlier install in /var/lib/etcd (run `./kk delete cluster "
         "-f config-sample.yaml` first, kubekey#737), or an even/inconsistent member list. "
         "On a host: `journalctl -u etcd --no-pager | tail -50`."),
)}

_SIGNATURES: tuple[tuple[str, str], ...] = (
    ("zone", r"storage\.googleapis\.com|KKZONE|Failed to download|download .* failed"
             r"|curl: \((?:6|7|28|35|56)\)|github\.com.*(?:timed? ?out|refused|reset)"),
    ("tools", r"(?:conntrack|socat) is required"),
    ("sudo", r"\[sudo\] password for|sudo: a (?:terminal|password) is required"
             r"|sudo is required|sudo: no tty present"),
    ("sha256", r"(?i:sha256[^\n]*(?:mismatch|check failed|not match|verify failed))"),
    ("k8s-version", r"(?i:kubernetes version[^\n]*(?:isn't|is not|not) supported)"),
    ("ssh-key", r"(?i:(?:private ?key|privateKeyPath|id_rsa|id_ed25519)[^\n]*"
                r"(?:no such file|permission denied|failed to read|cannot read|unable to read"
                r"|not readable)|failed to parse private key|read private key)"),
    ("ssh-connect", r"(?i:failed to connect to|:22: connect: |ssh: handshake failed"
                    r"|unable to authenticate|ssh: connect to host)"),
    ("etcd", r"(?i:\[HealthCheck\] exec failed|etcd health check|cluster is unhealthy"
             r"|ETCDConfigureModule\] exec failed)"),
)
_ANY = re.compile("|".join(f"(?P<{key.replace('-', '_')}>{rx})" for key, rx in _SIGNATURES))


# Every signature above contains one of these (lower-cased) words. Checking them first is ~20x
# cheaper than the combined regex, and nearly every kk line (image digests included) has none.
_TRIGGERS = ("googleapis", "kkzone", "failed", "curl: (", "github.com", "is required", "sudo",
             "mismatch", "not match", "supported", "private", "id_rsa", "id_ed25519", "connect",
             "authenticate", "handshake", "health check", "unhealthy")


def match_hints(text: str) -> list[Hint]:
    """Every hint whose signature occurs in ``text``, in the order of first occurrence."""
    found: list[Hint] = []
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return found
    for match in _ANY.finditer(text):
        key = (match.lastgroup or "").replace("_", "-")
        hint = HINTS.get(key)
        if hint is not None and hint not in found:
            found.append(hint)
    return found


class HintCollector:
    """Watches the event stream; remembers which hints kk's output triggered."""

    def __init__(self) -> None:
        self.seen: list[Hint] = []
        self.failure: PipelineFailed | None = None

    def feed(self, event: KkEvent) -> list[Hint]:
        """Returns hints seen for the first time with this event."""
        if isinstance(event, PipelineFailed):
            self.failure = event
            text = event.message
        elif isinstance(event, RawLine):
            text = event.text
        else:
            return []
        new = [h for h in match_hints(text) if h not in self.seen]
        self.seen.extend(new)
        return new

    def best(self, limit: int = 2) -> list[Hint]:
        """Hints for the summary: those matching the failure text first, then the rest."""
        first = match_hints(self.failure.message) if self.failure else []
        if first:  # the failure itself says what went wrong: earlier noise would mislead
            return first[:limit]
        return list(reversed(self.seen))[:limit]
