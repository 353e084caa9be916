"""SSH failures in Chinese (issue #16), each one caused for real on loopback: the message and
its fix are shown in Chinese with the host's name, address and the commands untouched, while
``str(exc)`` (logs, run records, ``--json``) stays English."""

from __future__ import annotations

import re
import socket

import paramiko
import pytest

from kkui import i18n
from kkui.core.config.model import Host
from kkui.core.ssh import SshError, connect, fingerprint
from kkui.i18n import shown

pytestmark = pytest.mark.sshd
CJK = re.compile(r"[\u4e00-\u9fff]")


def row(lab, lab_host, **kw) -> Host:
    return Host(name=lab_host.name, address=lab_host.address, port=lab_host.port,
                user=lab.user, **kw)


def caught(host: Host, known_hosts, **kw) -> SshError:
    with pytest.raises(SshError) as info:
        connect(host, known_hosts=known_hosts, **kw)
    return info.value


def check_chinese(exc: SshError, *in_message: str) -> str:
    english = str(exc)
    assert not CJK.search(english), english
    i18n.set_language("zh")
    try:
        message, fix = shown(exc.message), shown(exc.fix)
    finally:
        i18n.set_language("en")
    assert CJK.search(message) and "{" not in message, message
    assert not exc.fix or (CJK.search(fix) and "{" not in fix), fix
    for part in in_message:
        assert part in message, (part, message)
    return message


def test_auth_failed_refused_and_no_handshake_are_chinese(sshlab, farm, known_hosts):
    healthy = farm["healthy"]
    wrong = caught(row(sshlab, healthy, password="Wr0ng-Secret-Value"), known_hosts)
    text = check_chinese(wrong, "以 ", "认证失败", "password：被拒绝", healthy.address)
    assert "Wr0ng-Secret-Value" not in text
    check_chinese(caught(row(sshlab, healthy, private_key_path="/nonexistent/key"), known_hosts),
                  "/nonexistent/key)：文件不存在")
    address, port = sshlab.unused_endpoint()
    refused = caught(Host(name="ghost", address=address, port=port, user=sshlab.user,
                          password="x"), known_hosts)
    check_chinese(refused, "连接被拒绝", f"端口 {port} 上没有服务监听", f"{address}:{port}")
    with socket.socket() as listener:
        listener.bind((f"{sshlab.block}.253", 0))
        listener.listen(8)  # TCP is accepted, SSH never answers
        mute = Host(name="mute", address=f"{sshlab.block}.253",
                    port=listener.getsockname()[1], user=sshlab.user, password="x")
        check_chinese(caught(mute, known_hosts, connect_timeout=0.5), "SSH 握手失败")


def test_changed_and_unknown_host_keys_are_chinese(sshlab, known_hosts):
    lab_host = sshlab.add_host("rekeyzh")
    host = row(sshlab, lab_host, private_key_path=str(sshlab.key_path))
    unknown = caught(host, known_hosts, strict_host_keys=True)
    check_chinese(unknown, "未知的主机密钥", "--strict-host-keys")
    with connect(host, known_hosts=known_hosts) as session:
        old = session.host_key_fingerprint
        i18n.set_language("zh")
        try:
            assert "新的主机密钥" in shown(session.host_key_note)
        finally:
            i18n.set_language("en")
    lab_host.regenerate_host_key()
    new = fingerprint(paramiko.Ed25519Key.from_private_key_file(str(lab_host.host_key_path)))
    changed = caught(host, known_hosts)
    message = check_chinese(changed, "主机密钥已改变", old, new, "中间人")
    assert "rekeyzh" in message
    i18n.set_language("zh")
    try:
        assert "ssh-keygen -R" in shown(changed.fix)
    finally:
        i18n.set_language("en")


def test_an_unreachable_host_in_a_precheck_report_is_chinese(sshlab, tmp_path, known_hosts):
    from kkui.core.config import ClusterDocument
    from kkui.core.precheck import run_precheck

    address, port = sshlab.unused_endpoint()
    ghost = {"name": "ghost", "address": address, "internalAddress": address, "port": port,
             "user": sshlab.user, "password": "x"}
    model = ClusterDocument.load(sshlab.write_config(tmp_path / "c.yaml", [ghost])).model()
    ssh = run_precheck(model, known_hosts=known_hosts).hosts[0].checks[0]
    assert ssh.id == "ssh" and ssh.status == "fail" and "connection refused" in ssh.detail
    i18n.set_language("zh")
    try:
        assert "连接被拒绝" in shown(ssh.detail) and "启动 sshd" in shown(ssh.fix)
    finally:
        i18n.set_language("en")
