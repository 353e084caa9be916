"""Known kk failures as data: one :class:`Signature` per cause, grouped as in issue #12.

Every signature was established from a public kubesphere/kubekey (or kubernetes) thread where a
user pasted the failing output and the cause was confirmed; ``links`` names those threads and
``kk_versions`` the kk versions they were seen with.  ``example`` is a line from such a paste
(it must match) and ``near_miss`` a line that looks similar but means something else (it must
not): ``tests/kk/test_triage_signatures.py`` runs both for every entry, so adding a signature
is adding a record here.

Matching is per line.  ``triggers`` are lower-case literals, one of which every match contains:
the engine tests a line against a signature's regexes only when a trigger occurs in it (most kk
lines contain none, so live triage costs a few µs per line).  ``zone`` restricts advice to a
context: ``"global"`` signatures tell the operator to switch to the China mirrors and are never
shown to someone who already runs with ``KKZONE=cn``; ``"cn"`` ones are their counterpart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from kkui.i18n import N_

Confidence = Literal["high", "medium", "low"]
Zone = Literal["any", "global", "cn"]

KK = "https://github.com/kubesphere/kubekey/issues/"

GROUPS = ("ssh", "sudo", "tools", "download", "images", "runtime", "etcd", "kubeadm", "join",
          "network", "ports", "time", "disk", "hostname", "locale", "leftovers")


@dataclass(frozen=True)
class Signature:
    id: str
    group: str
    title: str
    patterns: tuple[str, ...]
    triggers: tuple[str, ...]
    cause: str
    fix: str
    example: str
    near_miss: str
    links: tuple[str, ...] = ()
    kk_versions: tuple[str, ...] = ()
    confidence: Confidence = "high"
    weight: int = 50          # specific causes high, catch-all wordings low: ranks findings
    zone: Zone = "any"
    fix_cn: str = ""          # the fix when KKZONE=cn is in effect (defaults to ``fix``)
    suppresses: tuple[str, ...] = ()  # less specific signatures this one explains
    live: bool = False        # worth showing while kk still runs (kk may hang for ever)
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile("|".join(f"(?:{p})" for p in self.patterns)))

    def fix_for(self, zone_cn: bool) -> str:
        return self.fix_cn if zone_cn and self.fix_cn else self.fix


S = Signature
SIGNATURES: tuple[Signature, ...] = (
    # ------------------------------------------------------------------ ssh / auth
    S("ssh-refused", "ssh", N_("SSH connection refused"),
      (r"[Ff]ailed to connect to [^:]+:.*connect: connection refused",
       r"dial tcp [^ ]+:22: connect: connection refused"),
      ("connection refused",),
      N_("kk could not open an SSH connection: nothing listens on the host's SSH port (sshd "
         "stopped, wrong port or address in spec.hosts, or a firewall rejecting it)."),
      N_("Check the row in spec.hosts (address, port) and sshd on the host: `systemctl status "
         "sshd`, `ss -ltnp | grep :22`; from this machine: `ssh -p <port> <user>@<address> true`. "
         "`kkui precheck -f config-sample.yaml` tests exactly this for every host."),
      example="failed: [rust] failed to connect to 172.25.144.171: could not establish "
              "connection to 172.25.144.171:22: dial tcp 172.25.144.171:22: connect: "
              "connection refused",
      near_miss="Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial "
                "tcp 192.168.1.104:2379: connect: connection refused",
      links=(KK + "2019", KK + "1212"), kk_versions=("v3.0.10", "v3.1.x"), weight=70),
    S("ssh-unreachable", "ssh", N_("Host unreachable over SSH"),
      (r"[Ff]ailed to connect to [^:]+:.*(?:i/o timeout|no route to host|network is unreachable"
       r"|connect: connection timed out)",),
      ("failed to connect to",),
      N_("kk's SSH connection timed out or had no route: the address is wrong, the host is down, "
         "or a firewall/security group drops port 22 from this machine."),
      N_("From the machine running kk: `ping <address>`, `nc -vz <address> <port>`; fix the "
         "address in spec.hosts or open the port; then run `kkui precheck -f config-sample.yaml`."),
      example="failed: [node2] failed to connect to 10.0.0.5: could not establish connection "
              "to 10.0.0.5:22: dial tcp 10.0.0.5:22: i/o timeout",
      near_miss="dial tcp 10.0.0.5:6443: i/o timeout",
      links=(KK + "1288",), kk_versions=("v2.x", "v3.x"), weight=70),
    S("ssh-auth", "ssh", N_("SSH authentication failed"),
      (r"ssh: handshake failed: ssh: unable to authenticate",
       r"unable to authenticate, attempted methods"),
      ("unable to authenticate",),
      N_("The host rejected the user/password or key in spec.hosts (wrong password, key not in "
         "~/.ssh/authorized_keys, PasswordAuthentication no, or root login disabled)."),
      N_("Test the same credentials: `ssh -p <port> <user>@<address> true`. Fix password / "
         "privateKeyPath in spec.hosts, or `ssh-copy-id -p <port> <user>@<address>`; for root "
         "check `PermitRootLogin` in /etc/ssh/sshd_config on the host."),
      example="failed: [node1] failed to connect to 10.0.0.2: ssh: handshake failed: ssh: "
              "unable to authenticate, attempted methods [none password], no supported methods "
              "remain",
      near_miss="unable to authenticate to registry: basic auth not configured",
      links=(KK + "2335", KK + "2359", KK + "1", "https://github.com/kubesphere/kubesphere/issues/6035"),
      kk_versions=("v1.0", "v3.0.13", "v3.1.1"), weight=75),
    S("ssh-key-file", "ssh", N_("SSH private key file unreadable"),
      (r"Failed to read keyfile", r"failed to parse private key",
       r"(?:privateKeyPath|id_rsa|id_ed25519|id_ecdsa)[^\n]*(?:no such file|permission denied)",
       r"this private key is passphrase protected"),
      ("keyfile", "private key", "id_rsa", "id_ed25519", "id_ecdsa", "privatekeypath"),
      N_("kk (running on this machine as the user who started it) could not read the key named by "
         "privateKeyPath (default ~/.ssh/id_rsa); with sudo, ~ is root's home. kk cannot use a "
         "passphrase-protected key."),
      N_("Point privateKeyPath at an existing, readable, unencrypted key (`ls -l ~/.ssh/`), or "
         "create one: `ssh-keygen -t ed25519 -N '' -f ~/.ssh/id_ed25519 && ssh-copy-id -i "
         "~/.ssh/id_ed25519 <user>@<address>`."),
      example='failed: [duubee7] failed to connect to 10.0.80.7: Failed to validate ssh '
              'connection parameters: Failed to read keyfile "/root/.ssh/id_rsa": open '
              '/root/.ssh/id_rsa: no such file or directory',
      near_miss="scp: /etc/ssl/etcd/ssl/admin-node1.pem: no such file or directory",
      links=(KK + "1331",), kk_versions=("v2.1", "v3.x"), weight=80),
    S("sftp-packet-too-long", "ssh", N_("sftp session broken by login-script output"),
      (r"sftp client failed: packet too long", r"new sftp client failed",
       r"packet too long"),
      ("packet too long", "sftp client failed"),
      N_("kk copies files over sftp; the host's shell start-up files (~/.bashrc, /etc/profile.d/*, "
         "/etc/bash.bashrc) print text for non-interactive sessions, which corrupts the sftp "
         "stream (or the sftp subsystem is missing from sshd_config)."),
      N_("On the host, make start-up files silent for non-interactive shells (wrap echo/banner "
         "lines in `[[ $- == *i* ]] && ...`); check with `ssh <user>@<address> true | wc -c` "
         "(must print 0) and that /etc/ssh/sshd_config has `Subsystem sftp "
         "/usr/lib/openssh/sftp-server` (or `internal-sftp`)."),
      example="failed: [ip-172-31-40-178] failed to connect to 172.31.40.178: new sftp client "
              "failed: packet too long: packet too long",
      near_miss="[WARN] packet loss to 10.0.0.5 is high",
      links=(KK + "1331", "https://github.com/pkg/sftp/issues/529"),
      kk_versions=("v3.1.x",), weight=85, suppresses=("ssh-refused", "ssh-unreachable")),
    S("task-timeout", "ssh", N_("A kk task timed out on the host"),
      (r"execute task timeout, Timeout=\w+",),
      ("execute task timeout",),
      N_("A command kk ran on the host did not finish within the task's timeout (GreetingsModule: "
         "1m30s). Seen with slow SSH logins (sshd reverse-DNS lookups), a sudo that waits for "
         "something, or a non-English system locale on Ubuntu (kubekey#2046)."),
      N_("On the host: time a login (`time ssh <user>@<address> sudo -n true`); if slow set "
         "`UseDNS no` in /etc/ssh/sshd_config and `systemctl restart sshd`; set an English locale "
         "(`update-locale LANG=en_US.UTF-8`, reboot); raise `timeout:` in the host row."),
      example="failed: [node1] execute task timeout, Timeout=1m30s",
      near_miss="[kubelet-check] Initial timeout of 40s passed.",
      links=(KK + "2046", KK + "1645", KK + "2066"), kk_versions=("v3.0.7", "v3.0.x", "v3.1.x"),
      confidence="medium", weight=40),
    # ------------------------------------------------------------------ sudo
    S("sudo-password", "sudo", N_("sudo asks for a password"),
      (r"\[sudo\] password for", r"sudo: a (?:terminal|password) is required",
       r"sudo: no tty present", r"^Sorry, try again\.$"),
      ("[sudo] password", "sudo: a ", "no tty present", "sorry, try again"),
      N_("The SSH user is not root and sudo wants a password; kk runs everything through "
         "`sudo -E /bin/bash -c` and cannot type one, so it hangs or fails (kubekey#2343)."),
      N_("On each host: `echo '<user> ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/<user> && "
         "sudo chmod 0440 /etc/sudoers.d/<user>` (check with `sudo -n true`), or use user: root. "
         "`kkui precheck` reports this before kk runs."),
      example="[sudo] password for me:",
      near_miss="sudo: unable to resolve host node1: Name or service not known",
      links=(KK + "2343", KK + "1313"), kk_versions=("v3.0.x", "v3.1.x"), weight=90, live=True,
      suppresses=("task-timeout",)),
    S("sudo-denied", "sudo", N_("the SSH user may not use sudo"),
      (r"is not in the sudoers file", r"is not allowed to (?:execute|run sudo)",
       r"sudo: Permission denied", r"sudo: .*: command not found"),
      ("sudoers", "is not allowed to", "sudo: permission denied", "sudo: "),
      N_("The user in spec.hosts has no sudo rights (or sudo itself is broken or missing); kk "
         "needs root for every step."),
      N_("As root on the host: `usermod -aG wheel <user>` (RHEL) / `usermod -aG sudo <user>` "
         "(Debian) and a NOPASSWD rule in /etc/sudoers.d/<user>; or use user: root."),
      example="me is not in the sudoers file.  This incident will be reported.",
      near_miss="Permission denied (publickey,password).",
      links=(KK + "2876", KK + "2412"), kk_versions=("v3.1.6", "v3.1.11"), weight=85),
    # ------------------------------------------------------------------ packages / tools
    S("tools-required", "tools", N_("conntrack / socat missing on a host"),
      (r"\b(?:conntrack|socat) is required",),
      ("is required",),
      N_("kk's precheck stops when a host lacks conntrack or socat, looked up through sudo "
         "(`sudo -E /bin/bash -c \"command -v conntrack\"`), so a binary outside sudo's "
         "secure_path counts as missing (kubekey#1167)."),
      N_("On the named hosts: `apt-get install -y conntrack socat` or `yum install -y "
         "conntrack-tools socat` (or `kkui precheck -f config-sample.yaml --fix`); if installed "
         "in /usr/sbin only, add it to secure_path in /etc/sudoers."),
      example="[ERRO] node2: conntrack is required.",
      near_miss="socat is installed",
      links=(KK + "1167", KK + "1592", KK + "854"), kk_versions=("v2.0.0", "v3.x"), weight=90),
    S("kubeadm-conntrack", "tools", N_("kubeadm preflight: conntrack not found"),
      (r"\[ERROR FileExisting-conntrack\]: conntrack not found in system path",),
      ("fileexisting-conntrack",),
      N_("kubeadm's preflight needs conntrack on the host; kk's own check was skipped (`-y` / "
         "older kk) or conntrack lives outside the PATH kubeadm sees (kubekey#1592, #406)."),
      N_("On the host: `apt-get install -y conntrack` or `yum install -y conntrack-tools`, check "
         "`sudo -E /bin/bash -c 'command -v conntrack'`, then run the install again."),
      example="        [ERROR FileExisting-conntrack]: conntrack not found in system path",
      near_miss="        [WARNING FileExisting-socat]: socat not found in system path",
      links=(KK + "1592", KK + "406", KK + "160"), kk_versions=("v1.0", "v1.1", "v3.0.x"),
      weight=90, suppresses=("tools-required",)),
    S("kubeadm-tool-missing", "tools", N_("kubeadm preflight: a required tool is missing"),
      (r"\[ERROR FileExisting-(?!conntrack)[\w-]+\]: [\w-]+ not found in system path",),
      ("[error fileexisting-",),
      N_("kubeadm's preflight stops because a tool it requires (ip, iptables, mount, nsenter, "
         "ebtables, ethtool...) is not on the host's PATH."),
      N_("Install the named tool on the host (e.g. `apt-get install -y iptables iproute2 "
         "ebtables ethtool` / `yum install -y iptables iproute ebtables ethtool`) and run the "
         "install again."),
      example="        [ERROR FileExisting-iptables]: iptables not found in system path",
      near_miss="        [WARNING FileExisting-ethtool]: ethtool not found in system path",
      links=("https://github.com/kubernetes/minikube/issues/9965", "https://github.com/labring/sealos/issues/1272"),
      kk_versions=("any: kubeadm's preflight",),
      weight=80),
    S("arch-mismatch", "tools", N_("binaries of the wrong CPU architecture"),
      (r"cannot execute binary file: Exec format error", r"exec format error"),
      ("exec format error",),
      N_("kk copied amd64 binaries to an arm64 host (or the reverse): kk never detects the "
         "architecture, spec.hosts[].arch defaults to amd64 (kubekey#2361, #2615)."),
      N_("Set `arch: arm64` on the arm64 rows of spec.hosts (`uname -m` on the host: aarch64 = "
         "arm64), remove ./kubekey/ in the work dir's cached binaries for that arch, and run "
         "again."),
      example="/usr/local/bin/kubeadm: cannot execute binary file: Exec format error",
      near_miss="unknown format for config file",
      links=(KK + "2361", KK + "2615", KK + "747"), kk_versions=("v1.2.0", "v3.x"), weight=85),
    S("command-not-found", "tools", N_("a command kk needs is missing on the host"),
      (r"/bin/(?:ba)?sh: (?:line \d+: )?(?:tar|curl|openssl|systemctl|iptables|ipvsadm|"
       r"modprobe|chronyc|docker|crictl): command not found",),
      ("command not found",),
      N_("A script kk runs on the host calls a tool that is not installed there (minimal images "
         "lack tar, curl, openssl or modprobe)."),
      N_("Install the named tool on the host (`apt-get install -y <tool>` / `yum install -y "
         "<tool>`), or let kk prepare the OS first: `./kk init os -f config-sample.yaml`."),
      example='/bin/bash: line 1: tar: command not found',
      near_miss="bash: kubectl: command not found",
      links=(KK + "1247", "https://github.com/kubesphere/kubekey/pull/564", "https://github.com/labring/sealos/issues/405"),
      kk_versions=("v2.1.0-alpha.1",), confidence="medium", weight=60),
    # ------------------------------------------------------------------ download / mirror
    S("download-blocked", "download",
      N_("Downloads from github.com / storage.googleapis.com failed"),
      (r"Having a problem with accessing https://storage\.googleapis\.com",
       r"curl: \((?:7|28|35|56)\)[^\n]*(?:github|googleapis|dl\.k8s\.io|storage)",
       r"Failed to connect to (?:github\.com|storage\.googleapis\.com|dl\.k8s\.io)",
       r"(?:github\.com|storage\.googleapis\.com|dl\.k8s\.io)[^\n]*(?:timed? ?out|refused"
       r"|reset by peer)"),
      ("googleapis", "github.com", "dl.k8s.io", "curl: ("),
      N_("kk downloads kubeadm/kubelet/etcd/CNI from github.com and storage.googleapis.com at run "
         "time; this network cannot reach them (typical in mainland China)."),
      N_("Run with the China mirrors: `kkui install -f config-sample.yaml --zone cn` (or "
         "`spec.kk.zone: cn`; plain kk: `export KKZONE=cn`), or export HTTPS_PROXY; kk then "
         "resumes from ./kubekey."),
      example="Having a problem with accessing https://storage.googleapis.com? You can try "
              "again after setting environment 'export KKZONE=cn'",
      near_miss="failed to download kube binaries: failed to connect to 10.0.0.3: ssh: "
                "handshake failed",
      links=(KK + "2356", KK + "1774", KK + "2681"), kk_versions=("v3.x",), zone="global",
      weight=60),
    S("mirror-unreachable", "download", N_("the China mirror (qingstor/aliyun) unreachable"),
      (r"curl: \((?:7|28|35|56)\)[^\n]*(?:qingstor|aliyuncs)",
       r"Failed to connect to [\w.-]*(?:qingstor\.com|aliyuncs\.com)",
       r"(?:qingstor\.com|aliyuncs\.com)[^\n]*(?:timed? ?out|refused|reset by peer)"),
      ("qingstor", "aliyuncs"),
      N_("KKZONE=cn is in effect and the China mirrors (kubernetes-release.pek3b.qingstor.com, "
         "registry.cn-beijing.aliyuncs.com) do not answer from this network."),
      N_("Check outbound HTTPS from the kk machine: `curl -I https://kubernetes-release.pek3b."
         "qingstor.com`; set HTTPS_PROXY if the network needs one; outside China run with "
         "`--zone global` instead."),
      example="curl: (28) Failed to connect to kubernetes-release.pek3b.qingstor.com port 443: "
              "Connection timed out",
      near_miss="downloading image: registry.cn-beijing.aliyuncs.com/kubesphereio/pause:3.6",
      links=(KK + "2222", KK + "2627"), kk_versions=("v3.0.13", "v3.1.x"), zone="cn",
      weight=60),
    S("dns-resolve", "download", N_("DNS cannot resolve a download or registry host"),
      (r"Could not resolve host", r"dial tcp: lookup [^\s:]+[^\n]*(?:no such host|server "
       r"misbehaving|Temporary failure in name resolution)",
       # not sudo's own "unable to resolve host <its hostname>": that is /etc/hosts
       r"^(?![^\n]*unable to resolve host)[^\n]*Temporary failure in name resolution"),
      ("resolve host", "lookup ", "name resolution"),
      N_("The machine (or host) has no working DNS for the download / registry name: this is a "
         "resolver problem, not a blocked site, so switching zones does not help."),
      N_("Check /etc/resolv.conf and `getent hosts <name>` (e.g. `getent hosts "
         "kubernetes-release.pek3b.qingstor.com`); add a working nameserver (`nameserver "
         "223.5.5.5` or your LAN's) and run the install again."),
      example="  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     "
              "0curl: (6) Could not resolve host: kubernetes-release.pek3b.qingstor.com",
      near_miss="sudo: unable to resolve host node1: Temporary failure in name resolution",
      links=(KK + "2215",), kk_versions=("v3.1.1",), weight=85,
      suppresses=("download-blocked", "mirror-unreachable", "registry-unreachable")),
    S("tls-name-mismatch", "download", N_("TLS certificate does not match the mirror's name"),
      # curl's wording only: an apiserver's "x509: certificate is valid for ..., not ..." is a
      # SAN problem of the cluster, not of a download mirror
      (r"curl: \(51\)", r"no alternative certificate subject name matches target host name"),
      ("curl: (51)", "subject name matches"),
      N_("The server answering for the download host presents a certificate for another name: a "
         "transparent proxy / DNS hijack in this network, or a wrong /etc/hosts entry for the "
         "mirror."),
      N_("Compare `getent hosts <name>` with public DNS, remove stale /etc/hosts entries for the "
         "mirror, and check `curl -v https://<name>` for who answers; set HTTPS_PROXY to a proxy "
         "that passes TLS through. Do not disable verification."),
      example="curl: (51) SSL: no alternative certificate subject name matches target host "
              "name 'kubernetes-release.pek3b.qingstor.com'",
      near_miss="x509: certificate is valid for 10.0.0.11, lb.kubesphere.local, not 10.0.0.18",
      links=(KK + "1990",), kk_versions=("v3.0.10",), weight=85,
      suppresses=("download-blocked", "mirror-unreachable")),
    S("tls-untrusted", "download", N_("TLS certificate not trusted"),
      (r"curl: \(60\)", r"SSL certificate problem",
       r"x509: certificate signed by unknown authority"),
      ("curl: (60)", "ssl certificate problem", "unknown authority"),
      N_("The download or registry server's certificate is not trusted on this machine: a "
         "private registry with its own CA, an intercepting proxy, or a missing ca-certificates "
         "package."),
      N_("Install the CA (`cp ca.crt /usr/local/share/ca-certificates/ && update-ca-certificates`"
         " / `update-ca-trust`); for a private registry put it under registry.insecureRegistries "
         "or give containerd its CA (/etc/containerd/certs.d/<registry>/ca.crt)."),
      example="x509: certificate signed by unknown authority",
      near_miss="x509: certificate has expired or is not yet valid",
      links=(KK + "1213", KK + "1847", "https://github.com/kubesphere/kubesphere/issues/3272"),
      kk_versions=("v2.1.0", "v3.0.7"), weight=75),
    S("sha256-mismatch", "download", N_("downloaded file has the wrong SHA256"),
      (r"SHA256 no match", r"(?i:sha256[^\n]*(?:mismatch|check failed|not match|verify failed))"),
      ("no match", "mismatch", "check failed", "not match", "verify failed"),  # not "sha256":
      # image digests (sha256:...) are everywhere in kk's pull output
      N_("A file kk downloaded does not have the checksum built into kk: an interrupted download "
         "left a partial file in ./kubekey, or the mirror serves a different file."),
      N_("Delete the named file under the work dir's ./kubekey/ (the path in the curl -o of the "
         "message, e.g. `rm -f ./kubekey/kube/v1.23.14/amd64/kubelet`) and run again; kk "
         "downloads it afresh."),
      example="error: SHA256 no match. f2bef00508790f632d035a6cfdd31539115611bfc93c5a3266ceb95bb"
              "2f27b76 not equal dc032d714b76144adc7056d749bd3960a3f13c95e9158befeb9f421177ce96fb",
      near_miss="No SHA256 found for kubeadm. v1.28.2 is not supported.",
      fix_cn=N_("Delete the named file under ./kubekey/ and run again. If it fails again with the "
                "same hash, the China mirror itself serves a wrong file (kubekey#1640, #1809: a "
                "JSON error page or a rebuilt binary): pick a Kubernetes patch version whose files "
                "the mirror has, or download that file through a proxy into the same path."),
      links=(KK + "1640", KK + "1809", KK + "1009", KK + "101", KK + "2178"),
      kk_versions=("v1.0", "v1.2.1", "v3.0.2", "v3.1.0-alpha"), weight=80),
    S("k8s-version-unsupported", "download", N_("Kubernetes version not supported by this kk"),
      (r"No SHA256 found for \w+", r"(?i:kubernetes version[^\n]*(?:isn't|is not|not) "
       r"supported)", r"v\d+\.\d+\.\d+ is not supported"),
      ("sha256 found", "supported"),
      N_("kk only installs the Kubernetes versions compiled into it (their checksums); the "
         "configured version is not one of them."),
      N_("List them with `./kk version --show-supported-k8s` and set spec.kubernetes.version to "
         "one (kk v3.1.12: v1.19.0 … v1.33.4, default v1.23.17); or use a newer kk."),
      example="error: No SHA256 found for kubeadm. v1.28.2 is not supported.",
      near_miss="this Docker version is not on the list of validated versions",
      links=(KK + "2079", KK + "1273", KK + "2030"), kk_versions=("v2.1.0", "v3.0.13"),
      weight=90, suppresses=("sha256-mismatch",)),
    S("mirror-file-missing", "download", N_("the file is missing on the mirror"),
      (r"object_not_exists", r"The object you are accessing does not exist",
       r"curl: \(22\)[^\n]*(?:404|403)"),
      ("object", "curl: (22)"),
      N_("The mirror has no file at that URL (HTTP 404 or a QingStor JSON error stored in place "
         "of the binary): the version is not mirrored."),
      N_("Check the URL from the log with `curl -sI <url> | head -1`; pick another patch version "
         "of the component (spec.kubernetes.version, or the component's version) that the mirror "
         "has, or place the file downloaded elsewhere at the same path under ./kubekey/ and run "
         "again."),
      example='{"code":"object_not_exists","message":"The object you are accessing does not '
              'exist."}',
      near_miss="Error from server (NotFound): object not found",
      links=(KK + "1809", KK + "2974"), kk_versions=("v3.0.x",), weight=85,
      suppresses=("sha256-mismatch",)),
    # ------------------------------------------------------------------ images / registry
    S("image-not-found", "images", N_("image or tag missing on the registry"),
      (r"manifest for \S+ not found", r"manifest unknown",
       r"failed to resolve reference [^\n]*: not found"),
      ("manifest", "resolve reference"),
      N_("The registry kk pulls from has no such image:tag. With KKZONE=cn that is kk's Aliyun "
         "mirror (registry.cn-beijing.aliyuncs.com/kubesphereio), which lacks some versions; with "
         "a private registry the image was never pushed."),
      N_("Check the exact image with `crictl pull <image>` (or `docker pull`) on the host; choose "
         "a Kubernetes / component version whose images exist there, or push the image into your "
         "registry (registry.privateRegistry) under that name and run again."),
      example="Error response from daemon: manifest for registry.cn-beijing.aliyuncs.com/"
              "kubesphereio/kube-ovn:v1.10.5 not found: manifest unknown: manifest unknown",
      near_miss="downloading image: registry.cn-beijing.aliyuncs.com/kubesphereio/pause:3.6",
      fix_cn=N_("kk's China mirror (registry.cn-beijing.aliyuncs.com/kubesphereio) lacks this "
                "image:tag (kubekey#1487, #1811, #3078). Pick a Kubernetes/plugin version whose "
                "images it has (`crictl pull <image>` on a host shows which), or pull the image "
                "elsewhere and push it into a private registry set as registry.privateRegistry."),
      links=(KK + "1487", KK + "1811", KK + "900", KK + "3078", KK + "2238"),
      kk_versions=("v2.3.0-rc.1", "v3.0.7", "v3.1.1", "v3.1.12"), weight=85,
      suppresses=("registry-unreachable",)),
    S("registry-auth", "images", N_("the registry wants credentials"),
      (r"pull access denied", r"unauthorized: authentication required",
       r"requested access to the resource is denied", r"no basic auth credentials"),
      ("access denied", "unauthorized", "access to the resource", "basic auth"),
      N_("The registry refuses anonymous pulls of that image (private project, or a wrong image "
         "name that only looks private)."),
      N_("Add the credentials under registry.auths in the config (`\"<registry>\": {username: "
         "..., password: ...}`) or make the project public; check the name with `crictl pull "
         "--creds user:pass <image>`."),
      example="Error response from daemon: pull access denied for dockerhub.kubekey.local/"
              "kubesphere/pause, repository does not exist or may require 'docker login'",
      near_miss="Permission denied (publickey).",
      links=(KK + "1741", KK + "1140"), kk_versions=("v2.x", "v3.0.x"), weight=80),
    S("registry-rate-limit", "images", N_("Docker Hub pull rate limit"),
      (r"toomanyrequests", r"You have reached your (?:unauthenticated )?pull rate limit"),
      ("toomanyrequests", "pull rate limit"),
      N_("Docker Hub limits anonymous pulls per IP; this network has used its quota."),
      N_("Wait, log in to Docker Hub on the hosts, or use a mirror: registry.registryMirrors "
         "in the config, or `--zone cn` for kk's mirrored images."),
      example="toomanyrequests: You have reached your pull rate limit.",
      near_miss="too many open files",
      fix_cn=N_("Wait or log in to Docker Hub on the hosts, or set registry.registryMirrors to a "
                "mirror you can use; the image is not on kk's Aliyun mirror."),
      links=(KK + "1817",),
      kk_versions=("v3.0.7",), weight=85),
    S("registry-http", "images", N_("registry speaks plain HTTP"),
      (r"server gave HTTP response to HTTPS client",),
      ("http response to https",),
      N_("The private registry serves plain HTTP but the runtime talks HTTPS to it."),
      N_("List it under registry.insecureRegistries in the config (`insecureRegistries: "
         "[\"<registry>:<port>\"]`; for containerd also `plainHTTP: true`), then run again; or "
         "give the registry TLS."),
      example='http: server gave HTTP response to HTTPS client',
      near_miss="HTTP/1.1 200 OK",
      links=(KK + "1229", "https://github.com/TimeBye/kubeadm-ha/issues/53"),
      kk_versions=("v2.1.0",), weight=85),
    S("registry-unreachable", "images", N_("registry not reachable while pulling"),
      (r"(?:pull image failed|pulling image|PullImage)[^\n]*(?:i/o timeout|TLS handshake "
       r"timeout|context deadline exceeded|connection reset by peer|connection refused)",
       r"Get \"?https://(?:registry-1\.docker\.io|k8s\.gcr\.io|registry\.k8s\.io|quay\.io)"
       r"[^\n]*(?:timeout|exceeded|refused|reset)"),
      ("i/o timeout", "handshake timeout", "deadline exceeded", "reset by peer",
       "connection refused", "registry-1.docker.io", "k8s.gcr.io", "registry.k8s.io",
       "quay.io"),
      N_("The hosts cannot reach the image registry (blocked, slow or proxied network)."),
      N_("From a host: `curl -I https://registry-1.docker.io/v2/`; in mainland China run with "
         "`--zone cn` (kk's Aliyun mirror) or set registry.registryMirrors; behind a proxy "
         "configure it for containerd/docker (systemd drop-in with HTTPS_PROXY)."),
      example='Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: '
              'TLS handshake timeout',
      near_miss="registry-1.docker.io is listed in registryMirrors",
      fix_cn=N_("The hosts cannot reach the registry even with KKZONE=cn: check outbound HTTPS "
                "from a host (`curl -I https://registry.cn-beijing.aliyuncs.com/v2/`) and the "
                "runtime's proxy settings (systemd drop-in with HTTPS_PROXY)."),
      links=(KK + "93", KK + "1774"), kk_versions=("v1.0", "v3.x"), confidence="medium",
      weight=55),
    # ------------------------------------------------------------------ container runtime
    S("cri-plugin-disabled", "runtime", N_("containerd runs without its CRI plugin"),
      (r"unknown service runtime\.v1(?:alpha2)?\.(?:ImageService|RuntimeService)",),
      ("unknown service runtime",),
      N_("containerd's /etc/containerd/config.toml disables the CRI plugin (`disabled_plugins = "
         "[\"cri\"]`, the default of Docker's containerd.io package) or is too old for this "
         "crictl/kubelet, so crictl and kubelet cannot talk to it (kubekey#1352)."),
      N_("On the host: `containerd config default > /etc/containerd/config.toml && sed -i "
         "'s/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml && "
         "systemctl restart containerd`; check `crictl info`."),
      example='FATA[0000] pulling image: rpc error: code = Unimplemented desc = unknown service '
              'runtime.v1alpha2.ImageService: Process exited with status 1',
      near_miss="rpc error: code = NotFound desc = an error occurred when try to find container",
      links=(KK + "1352", "https://github.com/containerd/containerd/issues/4581"),
      kk_versions=("v2.2", "v3.x"), weight=90),
    S("containerd-down", "runtime", N_("containerd is not running"),
      (r"dial unix /(?:var/)?run/containerd/containerd\.sock: connect: (?:no such file|"
       r"connection refused)", r"\[ERROR CRI\]: container runtime is not running"),
      ("containerd.sock", "[error cri]"),
      N_("Nothing listens on containerd's socket: containerd is stopped, crashed at start, or "
         "uses another socket path."),
      N_("On the host: `systemctl status containerd`, `journalctl -u containerd -n 50`; fix its "
         "config and `systemctl restart containerd`; then `crictl info`."),
      example='validate service connection: CRI v1 runtime API is not implemented for endpoint '
              '"unix:///run/containerd/containerd.sock": rpc error: code = Unavailable desc = '
              'connection error: desc = "transport: Error while dialing dial unix '
              '/run/containerd/containerd.sock: connect: no such file or directory"',
      near_miss="unix:///run/containerd/containerd.sock is the default endpoint",
      links=("https://github.com/kubernetes/kubernetes/issues/110383",),
      kk_versions=("any: kubeadm's preflight",), weight=80),
    S("docker-down", "runtime", N_("Docker is not running"),
      (r"Cannot connect to the Docker daemon at unix:///var/run/docker\.sock",),
      ("docker daemon",),
      N_("kk uses docker as container manager and the docker daemon is not running on the host."),
      N_("On the host: `systemctl enable --now docker`, `journalctl -u docker -n 50` if it fails "
         "to start; or set spec.kubernetes.containerManager: containerd."),
      example="Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the "
              "docker daemon running?",
      near_miss="docker service is not enabled, please run 'systemctl enable docker.service'",
      links=(KK + "1554",),
      kk_versions=("v2.3.0-rc.3",), weight=80),
    S("cgroup-driver", "runtime", N_("kubelet and runtime use different cgroup drivers"),
      (r"kubelet cgroup driver: \"?\w+\"? is different from docker cgroup driver",
       r"misconfiguration: kubelet cgroup driver"),
      ("cgroup driver",),
      N_("kubelet refuses to start because its cgroup driver differs from the runtime's (systemd "
         "vs cgroupfs); kubeadm then times out waiting for the control plane (kubekey#1346)."),
      N_("Make both systemd: docker `/etc/docker/daemon.json` with `\"exec-opts\": "
         "[\"native.cgroupdriver=systemd\"]` (containerd: `SystemdCgroup = true`), restart the "
         "runtime, `kubeadm reset -f`, then run the install again."),
      example='failed to run Kubelet: misconfiguration: kubelet cgroup driver: "systemd" is '
              'different from docker cgroup driver: "cgroupfs"',
      near_miss='[WARNING IsDockerSystemdCheck]: detected "cgroupfs" as the Docker cgroup '
                'driver. The recommended driver is "systemd".',
      links=(KK + "1346", "https://github.com/kubernetes/kubernetes/issues/43805"),
      kk_versions=("v2.2", "v3.x"), weight=95, suppresses=("kubeadm-wait-control-plane",)),
    # ------------------------------------------------------------------ etcd
    S("etcd-unhealthy", "etcd", N_("etcd health check kept failing"),
      (r"\[(?:Exist)?ETCDHealthCheck\] exec failed", r"\[HealthCheck\] exec failed",
       r"etcd health check failed", r"Failed to start etcd cluster",
       r"etcd cluster is unavailable or misconfigured", r"exceeded header timeout"),
      ("healthcheck]", "etcd health check", "start etcd cluster", "etcd cluster is",
       "header timeout"),
      N_("etcd did not report healthy on all members: peers cannot reach each other on "
         "2379/2380 (firewalld, security groups), clocks differ, a member did not start (stale "
         "/var/lib/etcd or certificates), or the member list in the config changed."),
      N_("On the etcd hosts: `journalctl -u etcd -n 50 --no-pager`, `ss -ltnp | grep -E "
         "':(2379|2380)'`, `chronyc tracking`; open 2379-2380/tcp between them "
         "(`firewall-cmd --permanent --add-port=2379-2380/tcp && firewall-cmd --reload`); for a "
         "fresh install remove leftovers with `./kk delete cluster -f config-sample.yaml` first."),
      example="failed: [k8s-master3] [ExistETCDHealthCheck] exec failed after 20 retries: etcd "
              "health check failed: Failed to exec command",
      near_miss="16:00:02 CST [ETCDConfigureModule] Health check on all etcd",
      links=(KK + "2244", KK + "352", KK + "2464", KK + "2316"),
      kk_versions=("v1.0", "v3.0.x", "v3.1.0-alpha.5", "v3.1.x"), confidence="medium",
      weight=50),
    S("etcd-stale-certs", "etcd", N_("etcd certificates do not match the hosts"),
      (r"(?:etcd|2379|2380)[^\n]*x509: certificate is valid for",
       r"(?:etcd|2379|2380)[^\n]*remote error: tls: bad certificate"),
      ("x509", "bad certificate"),
      N_("kk reused etcd certificates from ./kubekey/pki/etcd generated for other addresses (an "
         "IP change or a re-used work dir, kubekey#2112)."),
      N_("Remove ./kubekey/pki/etcd in the work dir and /etc/ssl/etcd/ssl on the etcd hosts "
         "(after `./kk delete cluster -f config-sample.yaml`), then run the install again."),
      example='etcd: dial tcp 10.0.0.5:2379: x509: certificate is valid for 10.0.0.9, '
              '127.0.0.1, not 10.0.0.5',
      near_miss="x509: certificate is valid for 10.0.0.9, not 10.0.0.5 (apiserver)",
      links=(KK + "2112", KK + "2449"),
      kk_versions=("v3.1.7", "v3.x"), weight=90,
      suppresses=("etcd-unhealthy", "tls-name-mismatch")),
    S("etcd-already-bootstrapped", "etcd", N_("etcd data from an earlier cluster"),
      (r"member [0-9a-f]+ has already been bootstrapped",),
      ("already been bootstrapped",),
      N_("/var/lib/etcd holds the data of an earlier cluster, so the member refuses to join the "
         "new one."),
      N_("On that host after `systemctl stop etcd`: `mv /var/lib/etcd /var/lib/etcd.old` (or "
         "`./kk delete cluster -f config-sample.yaml`), then run the install again."),
      example="etcdmain: member 8e9e05c52164694d has already been bootstrapped",
      near_miss="etcd cluster bootstrapped in 2.1 s",
      links=(KK + "737", "https://github.com/etcd-io/etcd/issues/2780", "https://github.com/etcd-io/etcd/issues/5422"),
      kk_versions=("any: etcd",), weight=90,
      suppresses=("etcd-unhealthy",)),
    # ------------------------------------------------------------------ kubeadm init
    S("kubeadm-wait-control-plane", "kubeadm", N_("kubeadm: control plane did not come up"),
      # not the bare "timed out waiting for the condition": kubectl wait and add-on
      # installers print it too, and kubeadm advice would be wrong there
      (r"error execution phase wait-control-plane",
       r"\[kubelet-check\] It seems like the kubelet isn't running or healthy",
       r"couldn't initialize a Kubernetes cluster"),
      ("wait-control-plane", "kubelet isn't running", "couldn't initialize a kubernetes"),
      N_("kubeadm init waited 4 minutes for kubelet to start the static pods and gave up: kubelet "
         "is not running (cgroup driver mismatch, swap, bad flags) or the apiserver/etcd "
         "containers crash (images missing, etcd endpoint, certificates)."),
      N_("On the failed host: `journalctl -xeu kubelet -n 100 --no-pager` and `crictl ps -a | "
         "grep kube | grep -v pause` then `crictl logs <id>`; `kkui triage --collect -f "
         "config-sample.yaml` gathers both; fix, `kubeadm reset -f`, run again."),
      example="error execution phase wait-control-plane: couldn't initialize a Kubernetes "
              "cluster",
      near_miss="error: timed out waiting for the condition on deployments/ks-installer",
      links=(KK + "2221", KK + "2165", KK + "1600"), kk_versions=("v3.0.x", "v3.1.x"),
      confidence="medium", weight=45),
    S("kubeadm-swap", "kubeadm", N_("swap is on"),
      (r"\[ERROR Swap\]", r"running with swap on is not supported"),
      ("[error swap]", "swap on is not supported"),
      N_("kubelet (before 1.28 without extra config) refuses to run with swap enabled."),
      N_("On the host: `swapoff -a && sed -i '/ swap / s/^/#/' /etc/fstab`, then run again."),
      example="        [ERROR Swap]: running with swap on is not supported. Please disable "
              "swap",
      near_miss="vm.swappiness = 1",
      links=(KK + "1212", "https://github.com/kubernetes/kubeadm/issues/610"),
      kk_versions=("v2.0",),
      weight=90),
    S("kubeadm-resources", "kubeadm", N_("host below kubeadm's CPU / memory minimum"),
      (r"\[ERROR NumCPU\]", r"\[ERROR Mem\]"),
      ("[error numcpu]", "[error mem]"),
      N_("kubeadm requires 2 CPUs and 1700 MB of memory on control-plane nodes."),
      N_("Give the host at least 2 vCPUs and 2 GiB RAM (`nproc`, `free -m`), then run again."),
      example="        [ERROR NumCPU]: the number of available CPUs 1 is less than the "
              "required 2",
      near_miss="the number of available CPUs 4",
      links=("https://github.com/solidnerd/terraform-k8s-hcloud/issues/19",),
      kk_versions=("any: kubeadm's preflight",),
      weight=90),
    S("kubeadm-netfilter", "kubeadm", N_("bridge netfilter / ip_forward not enabled"),
      (r"\[ERROR FileContent--proc-sys-net-(?:bridge-bridge-nf-call-iptables|ipv4-ip_forward)"
       r"\]",),
      ("[error filecontent--proc-sys-net",),
      N_("The br_netfilter module is not loaded or ip_forward is 0, which kubeadm requires."),
      N_("On the host: `modprobe br_netfilter && echo br_netfilter > /etc/modules-load.d/k8s.conf"
         " && sysctl -w net.bridge.bridge-nf-call-iptables=1 net.ipv4.ip_forward=1`."),
      example="        [ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: "
              "/proc/sys/net/bridge/bridge-nf-call-iptables does not exist",
      near_miss="net.bridge.bridge-nf-call-iptables = 1",
      links=("https://github.com/kubernetes/kubeadm/issues/312", "https://github.com/rootsongjc/kubernetes-vagrant-centos-cluster/issues/12"),
      kk_versions=("any: kubeadm's preflight",),
      weight=90),
    # ------------------------------------------------------------------ join
    S("join-api-unreachable", "join", N_("joining node cannot reach the API server"),
      (r"couldn't validate the identity of the API Server",
       r"unable to fetch the kubeadm-config ConfigMap"),
      ("identity of the api server", "kubeadm-config configmap"),
      N_("kubeadm join could not reach https://<controlPlaneEndpoint.domain>:<port>: the domain "
         "resolves (via /etc/hosts written by kk) to an address where no apiserver or load "
         "balancer listens, or a firewall blocks 6443."),
      N_("On the joining host: `getent hosts lb.kubesphere.local` (must be the LB/VIP or a "
         "control-plane address), `curl -k https://lb.kubesphere.local:6443/healthz`; fix "
         "controlPlaneEndpoint.address or the LB, open 6443/tcp, `kubeadm reset -f`, run again."),
      example='error execution phase preflight: couldn\'t validate the identity of the API '
              'Server: Get "https://lb.kubesphere.local:6443/api/v1/namespaces/kube-public/'
              'configmaps/cluster-info?timeout=10s": dial tcp 172.17.0.1:6443: connect: '
              'connection refused',
      near_miss="[preflight] Running pre-flight checks",
      links=(KK + "1812", "https://github.com/kubernetes/kubeadm/issues/2740"),
      kk_versions=("v3.0.x",), weight=85),
    S("join-token", "join", N_("join token expired or unknown"),
      (r"could not find a JWS signature in the cluster-info ConfigMap",
       r"token id \"?\w+\"? is invalid"),
      ("jws signature", "token id"),
      N_("The bootstrap token kk gave kubeadm join is expired or was deleted (a long pause "
         "between init and join)."),
      N_("Run the install again (kk creates a new token), or `kubeadm token create "
         "--print-join-command` on a control plane."),
      example='could not find a JWS signature in the cluster-info ConfigMap for token ID '
              '"abcdef"',
      near_miss="[bootstrap-token] Using token: abcdef.0123456789abcdef",
      links=("https://github.com/kubernetes/kubeadm/issues/668",),
      kk_versions=("any: kubeadm join",),
      weight=90),
    S("join-certs-key", "join", N_("control-plane certificates no longer downloadable"),
      (r"Secret \"kubeadm-certs\" was not found", r"error downloading certs"),
      ("kubeadm-certs", "error downloading certs"),
      N_("A joining control plane downloads certificates from the kubeadm-certs secret, which "
         "kubeadm deletes after 2 hours."),
      N_("Run the install again (kk uploads the certificates anew), or on the first control "
         "plane: `kubeadm init phase upload-certs --upload-certs`."),
      example='error downloading certs: error downloading the secret: Secret "kubeadm-certs" '
              'was not found in the "kube-system" Namespace',
      near_miss='[download-certs] Downloading the certificates in Secret "kubeadm-certs"',
      links=("https://github.com/kubernetes/kubeadm/issues/1886", "https://github.com/kubernetes/kubernetes/pull/75218"),
      kk_versions=("any: kubeadm join",), weight=90),
    # ------------------------------------------------------------------ network plugin
    S("cni-apply-failed", "network", N_("network plugin manifest could not be applied"),
      (r"network-plugin\.yaml[^\n]*(?:unable to recognize|no matches for kind|error)",
       r"deploy network plugin failed"),
      ("network-plugin.yaml", "deploy network plugin"),
      N_("kubectl apply of kk's CNI manifest failed: the apiserver was not reachable yet, the "
         "plugin version does not fit this Kubernetes version (removed API kinds), or a "
         "network-plugin.yaml left in ./kubekey from an earlier run is used instead of the "
         "configured plugin (kubekey#161)."),
      N_("On the first control plane: `kubectl get --raw /readyz` and `kubectl apply -f "
         "/etc/kubernetes/network-plugin.yaml` to see the full error; remove a stale "
         "./kubekey/network-plugin.yaml; choose a network plugin version kk supports for this "
         "Kubernetes version."),
      example='error: unable to recognize "/etc/kubernetes/network-plugin.yaml": no matches '
              'for kind "PodDisruptionBudget" in version "policy/v1beta1"',
      near_miss="[DeployNetworkPluginModule] Generate calico",
      links=(KK + "161",),
      kk_versions=("v1.0",), weight=80),
    S("cni-not-ready", "network", N_("network plugin not ready"),
      (r"cni plugin not initialized", r"network plugin is not ready: cni config "
       r"uninitialized", r"NetworkPluginNotReady"),
      ("cni plugin not initialized", "cni config uninitialized", "networkpluginnotready"),
      N_("kubelet reports no working CNI: the calico/flannel pods are not running (images not "
         "pulled, pod CIDR overlapping the host network, or wrong interface autodetection)."),
      N_("`kubectl -n kube-system get pods -o wide | grep -E 'calico|flannel|cilium'` and "
         "`kubectl -n kube-system logs <pod>`; make kubePodsCIDR/kubeServiceCIDR disjoint from the"
         " hosts' networks (`kkui validate`)."),
      example='"Container runtime network not ready" networkReady="NetworkReady=false '
              'reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin '
              'not initialized"',
      near_miss="calico-node-abcde 1/1 Running",
      links=(KK + "1141", KK + "1282"),
      kk_versions=("v2.0", "v2.1.0"), confidence="medium", weight=60),
    # ------------------------------------------------------------------ ports
    S("port-in-use", "ports", N_("a Kubernetes port is already in use"),
      (r"\[ERROR Port-\d+\]: Port \d+ is in use",),
      ("[error port-",),
      N_("kubeadm's preflight found a port it needs (10250 kubelet, 6443 apiserver, 2379/2380 "
         "etcd, 10257/10259) already taken: a kubelet or control plane from an earlier install "
         "still runs, or another service uses it."),
      N_("On the host: `ss -ltnp | grep -E ':(6443|2379|2380|10250|10257|10259) '` shows who; "
         "for kk leftovers `./kk delete cluster -f config-sample.yaml` (or `kubeadm reset -f && "
         "systemctl stop kubelet`), then run again."),
      example="        [ERROR Port-10250]: Port 10250 is in use",
      near_miss="        [WARNING Port-10250]: Port 10250 is in use",
      links=(KK + "227", KK + "1637", "https://github.com/kubernetes/kubeadm/issues/2974"),
      kk_versions=("v1.0", "v3.0.2"), weight=85),
    S("bind-in-use", "ports", N_("a service cannot bind its port"),
      (r"bind: address already in use",),
      ("address already in use",),
      N_("A service kk starts (etcd, haproxy, kube-vip, kubelet) cannot listen because another "
         "process holds the port."),
      N_("On the host: `ss -ltnp` to find the process holding the port, stop it (or the earlier "
         "install: `./kk delete cluster -f config-sample.yaml`), run again."),
      example="listen tcp 0.0.0.0:2379: bind: address already in use",
      near_miss="address is already in the hosts list",
      links=(KK + "2449", "https://github.com/etcd-io/etcd/issues/13005"),
      kk_versions=("v3.1.7",), weight=75),
    # ------------------------------------------------------------------ time
    S("clock-skew", "time", N_("clocks differ between hosts"),
      # Go's x509 says which: "current time T is before NotBefore" is a clock behind; "is
      # after NotAfter" is a really expired certificate (cert-expired)
      (r"x509: certificate has expired or is not yet valid: current time \S+ is before",
       r"certificate is not yet valid",
       r"clock skew: \S+ differs from this machine by \d+ s"),  # from kkui's host evidence
      ("not yet valid", "clock skew"),
      N_("A certificate kk just generated is \"not yet valid\" on a host whose clock is behind "
         "(or the machine running kk is ahead): clocks are not synchronised."),
      N_("Synchronise every host and this machine: `timedatectl set-ntp true` / `chronyc "
         "makestep`, or set spec.system.ntpServers; compare with `date -u` on each; then run "
         "again."),
      example="x509: certificate has expired or is not yet valid: current time "
              "2024-03-01T08:00:00Z is before 2024-03-01T09:12:00Z",
      near_miss="certificate expires in 364d",
      links=(KK + "1221", "https://github.com/easzlab/kubeasz/issues/922"),
      kk_versions=("v1.2.0", "any"), weight=85,
      suppresses=("etcd-unhealthy", "tls-untrusted")),
    S("cert-expired", "time", N_("cluster certificates have expired"),
      (r"x509: certificate has expired or is not yet valid: current time \S+ is after",),
      ("not yet valid",),
      N_("A Kubernetes or etcd certificate is past its end date: kubeadm's certificates last one "
         "year and were not renewed (autoRenewCerts off, or the cluster was down at renewal "
         "time)."),
      N_("Check with `kubeadm certs check-expiration` on a control plane (etcd: `openssl x509 "
         "-enddate -noout -in /etc/ssl/etcd/ssl/member-<host>.pem`); renew with `./kk certs "
         "renew -f config-sample.yaml` (kubeadm's certificates only, kubekey#2310), then restart "
         "the control-plane pods."),
      example="x509: certificate has expired or is not yet valid: current time "
              "2025-03-01T08:00:00Z is after 2025-02-27T09:12:00Z",
      near_miss="x509: certificate has expired or is not yet valid: current time "
                "2024-03-01T08:00:00Z is before 2024-03-01T09:12:00Z",
      links=(KK + "2310", KK + "1147", "https://github.com/heptio/aws-quickstart/issues/210"),
      kk_versions=("v2.0.0", "v3.x"), weight=85, suppresses=("etcd-unhealthy",)),
    # ------------------------------------------------------------------ disk
    S("disk-full", "disk", N_("no space left on a host"),
      (r"no space left on device", r"disk full: \S+ on \S+ is \d+% used"),  # host evidence
      ("no space left", "disk full"),
      N_("A file system on the host is full (/var holds images and etcd data, / or /tmp the "
         "binaries kk copies)."),
      N_("On the host: `df -h /var / /tmp` and `du -xsh /var/lib/* | sort -h | tail`; free "
         "space (e.g. `crictl rmi --prune`) or grow the disk, then run again."),
      example="write /var/lib/containerd/tmpmounts: no space left on device",
      near_miss="space left on device: 12G",
      links=("https://github.com/kubernetes-sigs/kind/issues/1413", "https://github.com/tableau/tableau-server-in-kubernetes/issues/14"),
      kk_versions=("any: containerd/docker",), weight=90),
    # ------------------------------------------------------------------ hostname / DNS
    S("hostname-unresolvable", "hostname", N_("host cannot resolve its own name"),
      (r"sudo: unable to resolve host [^:\s]+",),
      ("unable to resolve host",),
      N_("The host's name (hostname) is not in its /etc/hosts or DNS; sudo warns on every call "
         "and slows down, and later steps that look the node up may fail."),
      N_("On the host: `echo \"127.0.1.1 $(hostname)\" >> /etc/hosts` (or its real address), or "
         "set the hostname to the name in spec.hosts: `hostnamectl set-hostname <name>`."),
      example="sudo: unable to resolve host k8s-node-1-192-168-8-34: Name or service not known",
      near_miss="curl: (6) Could not resolve host: github.com",
      links=(KK + "1600",), kk_versions=("v3.0.x",), confidence="low", weight=20),
    S("hostname-invalid", "hostname", N_("node name is not a valid Kubernetes name"),
      (r"nodeRegistration\.name: Invalid value", r"a lowercase RFC 1123 subdomain must "
       r"consist of"),
      ("noderegistration.name", "rfc 1123 subdomain"),
      N_("Kubernetes node names must be lowercase RFC 1123 names; a host name in spec.hosts "
         "has capitals or underscores."),
      N_("Rename the host in spec.hosts and roleGroups to lowercase letters, digits, '-' and '.' "
         "(`kkui validate -f config-sample.yaml` flags them), then run again."),
      example='nodeRegistration.name: Invalid value: "Node_1": a lowercase RFC 1123 subdomain '
              'must consist of lower case alphanumeric characters',
      near_miss="node name node-1 is valid",
      links=("https://github.com/kubernetes/kubernetes/issues/71140",
             "https://github.com/kubernetes/kubernetes/issues/94088",
             "https://github.com/SUSE/skuba/pull/747"),
      kk_versions=("any: kubeadm",), weight=90),
    # ------------------------------------------------------------------ locale
    S("locale", "locale", N_("host locale is broken or not English"),
      (r"setlocale: LC_\w+: cannot change locale", r"cannot set LC_\w+ to default locale"),
      ("setlocale", "default locale"),
      N_("The host's locale is not installed or not English; kk parses command output in English "
         "and a localised system can make steps (Greetings) hang until timeout (kubekey#2046)."),
      N_("On the host: `localectl set-locale LANG=en_US.UTF-8` (or `update-locale "
         "LANG=en_US.UTF-8`; install the locale with `locale-gen en_US.UTF-8`), reboot, run "
         "again."),
      example="bash: warning: setlocale: LC_ALL: cannot change locale (zh_CN.UTF-8)",
      near_miss="LANG=en_US.UTF-8",
      links=(KK + "2046",), kk_versions=("v3.0.7",), confidence="medium", weight=55,
      suppresses=("task-timeout",)),
    # ------------------------------------------------------------------ kk-state leftovers
    S("kubeadm-leftovers", "leftovers", N_("files of an earlier install are in the way"),
      (r"\[ERROR FileAvailable--etc-kubernetes-[\w.-]+\]: \S+ already exists",
       r"\[ERROR DirAvailable--var-lib-etcd\]"),
      ("[error fileavailable--", "[error diravailable--"),
      N_("kubeadm found /etc/kubernetes files or /var/lib/etcd data from an earlier install "
         "(kk delete was not run, or `kk delete cluster` without `-f` / with the wrong "
         "--container-manager, kubekey#737)."),
      N_("`./kk delete cluster -f config-sample.yaml` (add `--container-manager containerd` if "
         "you use it); or on the host `kubeadm reset -f && rm -rf /etc/kubernetes /var/lib/etcd "
         "/var/lib/kubelet`; then run again."),
      example="        [ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/"
              "kubelet.conf already exists",
      near_miss="[kubeconfig] Writing \"kubelet.conf\" kubeconfig file",
      links=(KK + "1637", KK + "737", KK + "2241"), kk_versions=("v3.0.2", "v3.x"),
      weight=90, suppresses=("port-in-use",)),
    S("kk-tmp-workdir", "leftovers", N_("kk's files vanished from /tmp"),
      (r"/tmp/kubekey/[^\n]*no such file or directory",),
      ("/tmp/kubekey/",),
      N_("kk was started from /tmp (its work dir is next to the kk binary) and the system "
         "cleaned /tmp while it ran, or a leftover /tmp/kubekey from another user is in the way "
         "(kubekey#306, #2235)."),
      N_("Move kk to a persistent directory (e.g. /opt/kk) and run it as `./kk` from there; on "
         "the hosts remove a stale /tmp/kubekey (`rm -rf /tmp/kubekey`)."),
      example="ERRO[12:41:46 CST] Failed to sync binaries: open /tmp/kubekey/v1.18.6/amd64/"
              "kubeadm: no such file or directory  node=192.168.100.246",
      near_miss="open /root/kubekey/logs/kubekey.log: no such file or directory",
      links=(KK + "306", KK + "2235"), kk_versions=("v1.0", "v3.0.13"), weight=85),
    S("permission-denied-certs", "leftovers", N_("permission denied writing certificates"),
      (r"(?:/etc/ssl/etcd|/etc/kubernetes/pki|kubekey/pki)[^\n]*permission denied",
       r"permission denied[^\n]*(?:/etc/ssl/etcd|/etc/kubernetes/pki|kubekey/pki)"),
      ("permission denied",),
      N_("kk could not write certificates: its work dir ./kubekey/pki belongs to another user "
         "(an earlier run with sudo), or the SSH user cannot write the target without sudo."),
      N_("Run kk as the same user every time; fix ownership with `sudo chown -R $(id -u):$(id -g)"
         " ./kubekey`; on the host make sure the user has passwordless sudo."),
      example="open /root/kk/kubekey/pki/etcd/admin-node1.pem: permission denied",
      near_miss="Permission denied (publickey,password).",
      links=("https://github.com/etcd-io/etcd/issues/12583",
             "https://github.com/etcd-io/etcd/issues/6327"),
      kk_versions=("any: etcd / kubeadm certificates",), weight=80),
)
del S

BY_ID: dict[str, Signature] = {s.id: s for s in SIGNATURES}
